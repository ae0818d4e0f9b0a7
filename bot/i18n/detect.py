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

import yaml
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.nlu.text import words

_LATIN_LANGUAGES = {
    Language.ENGLISH: "en",
    Language.FRENCH: "fr",
    Language.SPANISH: "es",
    Language.PORTUGUESE: "pt",
    Language.SWAHILI: "sw",
}
_SCRIPT_LANGUAGES = (("HAN", "zh"), ("ARABIC", "ar"), ("CYRILLIC", "ru"))
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
MIN_CONFIDENCE = 0.5
SHORT_MESSAGE_WORDS = 3

_detector: LanguageDetector | None = None
_detector_lock = threading.Lock()


def _latin_detector() -> LanguageDetector:
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = (
                LanguageDetectorBuilder.from_languages(*_LATIN_LANGUAGES)
                .with_preloaded_language_models()
                .build()
            )
        return _detector


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
    """Which languages' training examples use each word."""

    def __init__(self, languages_by_word: dict[str, set[str]]) -> None:
        self._languages_by_word = languages_by_word

    @classmethod
    def from_nlu_dir(cls, nlu_dir: Path) -> Vocabulary:
        languages_by_word: dict[str, set[str]] = {}
        for path in sorted(nlu_dir.glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in document.get("nlu", []):
                for line in str(block.get("examples", "")).splitlines():
                    for word in words(line.strip().removeprefix("- ")):
                        languages_by_word.setdefault(word, set()).add(path.stem)
        return cls(languages_by_word)

    def vote(self, text: str) -> str | None:
        """The language most of the message's distinctive words belong to, if one leads."""
        votes: dict[str, int] = {}
        for word in words(text):
            languages = self._languages_by_word.get(word, set())
            if len(languages) == 1:
                (language,) = languages
                votes[language] = votes.get(language, 0) + 1
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]


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
