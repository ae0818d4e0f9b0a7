"""The Rasa project hangs together: every topic is trained in every language, and no example
means two things. (That every topic is an intent with a rule: test_dialogue.py.)"""

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.conversation.replies import NOT_THIS_INTENT
from bot.dialogue import ANSWER_INTENT, build_domain
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.nlu.text import words


def _load(path):
    return yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))


def _examples(language):
    for block in _load(f"data/nlu/{language}.yml")["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip():
                yield block["intent"], line.strip().removeprefix("- ")


def test_every_intent_has_examples_in_every_language():
    domain = set(build_domain()["intents"]) - {ANSWER_INTENT, NOT_THIS_INTENT}  # buttons only
    for language in SUPPORTED_LANGUAGES:
        counts = {}
        for intent, _ in _examples(language):
            counts[intent] = counts.get(intent, 0) + 1
        assert set(counts) == domain, language
        assert min(counts.values()) >= 12, language


def test_no_example_is_taught_as_two_intents():
    seen = {}
    for language in SUPPORTED_LANGUAGES:
        for intent, example in _examples(language):
            key = " ".join(words(example))
            assert seen.setdefault(key, intent) == intent, f"{language}: {example!r}"


@pytest.mark.parametrize("held_out", ["heldout", "citizen"])
def test_held_out_examples_are_never_trained_on(held_out):
    trained = {" ".join(words(e)) for lang in SUPPORTED_LANGUAGES for _, e in _examples(lang)}
    for language in SUPPORTED_LANGUAGES:
        heldout = _load(f"benchmarks/nlu/{held_out}/{language}.yml")["nlu"]
        for block in heldout:
            for line in block["examples"].splitlines():
                if line.strip():
                    assert " ".join(words(line.strip()[2:])) not in trained, (language, line)
