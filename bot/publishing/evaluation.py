"""Right answers per language on the project's held-out questions, for the publishing check.

The questions run through the model's own graph in one batch, the way Rasa parses a single
message, so the result is what users would meet; "right" counts the top intent after the
FallbackClassifier, as `make bench-nlu` does.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bot import PROJECT_ROOT
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.training_data import read_examples

HELD_OUT_DIR = PROJECT_ROOT / "benchmarks" / "nlu" / "heldout"

Example = tuple[str, str, str]  # text, intent, language


def held_out_examples(folder: Path = HELD_OUT_DIR) -> list[Example]:
    return [
        (text, intent, language)
        for language in SUPPORTED_LANGUAGES
        if (folder / f"{language}.yml").is_file()
        for intent, texts in read_examples(folder / f"{language}.yml").items()
        for text in texts
    ]


def predicted_intents(model: Path, texts: list[str]) -> list[str]:
    """The intent the model answers each text with (`nlu_fallback` when it asks back)."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY

    processor = Agent.load(str(model)).processor
    assert processor is not None
    target = processor.model_metadata.nlu_target
    results = processor.graph_runner.run(
        inputs={
            PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts],
            PLACEHOLDER_TRACKER: DialogueStateTracker("held-out", []),
        },
        targets=[target],
    )
    return [str((m.get(INTENT) or {}).get(INTENT_NAME_KEY)) for m in results[target]]


def accuracy_per_language(model: Path, examples: list[Example]) -> dict[str, float]:
    predicted = predicted_intents(model, [text for text, _, _ in examples])
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for (_, intent, language), answer in zip(examples, predicted, strict=True):
        total[language] += 1
        right[language] += answer == intent
    return {language: right[language] / total[language] for language in total}


def drops(
    serving: dict[str, float], candidate: dict[str, float], max_drop_points: float
) -> dict[str, tuple[float, float]]:
    """Languages where the candidate answers fewer held-out questions right than the serving
    model by more than `max_drop_points` percentage points: {language: (before, after)}."""
    return {
        language: (serving[language], after)
        for language, after in candidate.items()
        if language in serving and (serving[language] - after) * 100 > max_drop_points + 1e-9
    }
