"""The eSpeak NG voice for each of our languages, and how fast it speaks.

Speech is a little slower than eSpeak's default (175 words a minute): the people who
listen are often reading with difficulty or hearing a second language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    name: str  # eSpeak NG's voice (language) name
    words_per_minute: int


VOICES: dict[str, Voice] = {
    "en": Voice("en", 150),
    "zh": Voice("cmn", 150),
    "fr": Voice("fr", 150),
    "es": Voice("es", 150),
    "ar": Voice("ar", 145),
    "ru": Voice("ru", 150),
    "pt": Voice("pt-br", 150),
    "sw": Voice("sw", 145),
}


def voice_for(language: str) -> Voice:
    try:
        return VOICES[language]
    except KeyError:
        raise ValueError(f"no voice for language {language!r}") from None
