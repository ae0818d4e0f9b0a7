"""The Rasa project hangs together: every topic is trained in every language, and no example
means two things. (That every topic is an intent with a rule: test_dialogue.py.)"""

import pytest

from bot import PROJECT_ROOT
from bot.conversation.replies import NOT_THIS_INTENT
from bot.dialogue import ANSWER_INTENT, build_domain
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.nlu.text import words
from bot.training_data import NLU_DIR, read_examples


def _examples(language):
    for intent, texts in read_examples(NLU_DIR / f"{language}.yml").items():
        for text in texts:
            yield intent, text


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
        heldout = read_examples(PROJECT_ROOT / f"benchmarks/nlu/{held_out}/{language}.yml")
        for texts in heldout.values():
            for text in texts:
                assert " ".join(words(text)) not in trained, (language, text)
