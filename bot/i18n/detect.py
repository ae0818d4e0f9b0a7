"""Which of the supported languages a message is written in, when that can be told.

Chinese, Arabic and Russian are the only supported languages written in Han, Arabic and
Cyrillic script, so the script decides for them. Among the Latin-script languages
(English, French, Spanish, Portuguese, Swahili) Lingua decides when it is clearly ahead;
for the one- and two-word messages that defeat it ("hola", "merci") the words of our own
training examples vote. What neither can tell ("ok", "WiFi") is left undecided, so the
caller falls back to the conversation's language.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.nlu.text import words
from bot.training_data import read_examples

_LATIN_LANGUAGES = {
    Language.ENGLISH: "en",
    Language.FRENCH: "fr",
    Language.SPANISH: "es",
    Language.PORTUGUESE: "pt",
    Language.SWAHILI: "sw",
}
_SCRIPT_LANGUAGES = (("HAN", "zh"), ("ARABIC", "ar"), ("CYRILLIC", "ru"))
_NON_LATIN = frozenset(language for _, language in _SCRIPT_LANGUAGES)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
MIN_CONFIDENCE = 0.5
SHORT_MESSAGE_WORDS = 3

# Scripts of the supported languages; a message mostly in another (Hangul, Devanagari,
# Greek...) is in a language we don't speak.
_SUPPORTED_SCRIPTS = frozenset({"LATIN", "HAN", "ARABIC", "CYRILLIC"})
UNSUPPORTED_MIN_WORDS = 3
UNSUPPORTED_MIN_CONFIDENCE = 0.9

_detectors: dict[str, LanguageDetector] = {}
_detector_lock = threading.Lock()


def _latin_detector() -> LanguageDetector:
    with _detector_lock:
        if "latin" not in _detectors:
            _detectors["latin"] = (
                LanguageDetectorBuilder.from_languages(*_LATIN_LANGUAGES)
                .with_preloaded_language_models()
                .build()
            )
        return _detectors["latin"]


def _any_language_detector() -> LanguageDetector:
    with _detector_lock:
        if "any" not in _detectors:
            _detectors["any"] = (
                LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
            )
        return _detectors["any"]


def script_counts(text: str) -> dict[str, int]:
    """Letters per script (HAN, ARABIC, CYRILLIC, LATIN, other names) in `text`."""
    counts: dict[str, int] = {}
    for char in _LETTER.findall(text):
        name = unicodedata.name(char, "")
        script = name.split(" ", 1)[0] if name else "UNKNOWN"
        if name.startswith("CJK"):
            script = "HAN"
        counts[script] = counts.get(script, 0) + 1
    return counts


class Vocabulary:
    """How often each language's training examples use each word."""

    LEAD = 1.5  # the winner needs this many times the runner-up's score
    MIN_SHARE = 0.4  # and this share of the words' uses ("hello" is said everywhere)

    def __init__(self, counts_by_word: dict[str, dict[str, int]]) -> None:
        self._counts_by_word = counts_by_word

    @classmethod
    def from_nlu_dir(cls, nlu_dir: Path) -> Vocabulary:
        counts: dict[str, dict[str, int]] = {}
        for path in sorted(nlu_dir.glob("*.yml")):
            for texts in read_examples(path).values():
                for text in texts:
                    for word in words(text):
                        if path.stem in _NON_LATIN and "LATIN" in script_counts(word):
                            continue  # English words in Chinese data say nothing of Chinese
                        by_language = counts.setdefault(word, {})
                        by_language[path.stem] = by_language.get(path.stem, 0) + 1
        return cls(counts)

    def vote(self, text: str) -> str | None:
        """The language whose examples use the message's words most, if it clearly leads."""
        scores: dict[str, float] = {}
        for word in words(text):
            by_language = self._counts_by_word.get(word)
            if not by_language:
                continue
            total = sum(by_language.values())
            for language, count in by_language.items():
                scores[language] = scores.get(language, 0.0) + count / total
        ranked = sorted(scores.values(), reverse=True)
        if (
            not ranked
            or ranked[0] < self.MIN_SHARE
            or (len(ranked) > 1 and ranked[0] < self.LEAD * ranked[1])
        ):
            return None
        return max(scores, key=scores.__getitem__)


def detect_language(text: str, vocabulary: Vocabulary | None = None) -> str | None:
    """The supported language `text` is written in, or None when it can't be told."""
    counts = script_counts(text)
    letters = sum(counts.values())
    if letters == 0:
        return None
    for script, language in _SCRIPT_LANGUAGES:
        if counts.get(script, 0) * 2 >= letters:
            return language
    if counts.get("LATIN", 0) * 2 < letters:
        return None
    voted = vocabulary.vote(text) if vocabulary else None
    if voted and len(words(text)) <= SHORT_MESSAGE_WORDS:
        return voted
    confidences = _latin_detector().compute_language_confidence_values(text)
    if confidences and confidences[0].value >= MIN_CONFIDENCE:
        return _LATIN_LANGUAGES.get(confidences[0].language)
    return voted


def is_unsupported_language(text: str, vocabulary: Vocabulary | None = None) -> bool:
    """True when `text` is clearly written in a language other than the eight.

    Cautious on purpose: Lingua, asked among all languages, takes Swahili for Tagalog, so
    a message is only called foreign when it is long enough, Lingua is sure, and none of
    its words are known from our own training examples.
    """
    counts = script_counts(text)
    letters = sum(counts.values())
    if letters == 0:
        return False
    supported = sum(n for script, n in counts.items() if script in _SUPPORTED_SCRIPTS)
    if supported * 2 < letters:
        return True
    if counts.get("LATIN", 0) * 2 < letters or len(words(text)) < UNSUPPORTED_MIN_WORDS:
        return False
    if vocabulary is not None and vocabulary.vote(text) is not None:
        return False
    confidences = _any_language_detector().compute_language_confidence_values(text)
    return bool(
        confidences
        and confidences[0].value >= UNSUPPORTED_MIN_CONFIDENCE
        and confidences[0].language not in _LATIN_LANGUAGES
    )
