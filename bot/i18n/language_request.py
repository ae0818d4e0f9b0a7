"""Which language a user asks for: "in French please", "en español", "用中文", "بالعربية".

Language names come from Babel's locale data (every supported language named in every
supported language), plus the everyday forms Babel doesn't list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.i18n.locales import SUPPORTED_LANGUAGES, language_name
from bot.nlu.text import normalize, words

# Everyday names that Babel's formal display names don't cover.
_EXTRA_NAMES = {
    "en": ("inglesa", "英文", "انكليزي", "انجليزي", "kingereza", "ingles"),
    "zh": ("mandarin", "mandarim", "汉语", "中國話", "普通话", "kichina", "chines", "китайск"),
    "fr": ("francaise", "法文", "kifaransa"),
    "es": ("castellano", "espanola", "西班牙文", "spanish", "kihispania"),
    "ar": ("عربي", "阿拉伯文", "kiarabu"),
    "ru": ("русск", "俄文", "kirusi"),
    "pt": ("portuguesa", "葡语", "葡文", "kireno"),
    "sw": ("swahili", "suaili", "kiswahili", "斯瓦希里", "суахили", "السواحيلية"),
}
_ARABIC_PREFIXES = ("بال", "وال", "ال", "ب")
_HAN = re.compile(r"[\u4e00-\u9fff]")
PREFIX = 5


def _stem(word: str) -> str:
    if re.match(r"[\u0600-\u06ff]", word):
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix) :]
                break
        return word.removesuffix("ه")
    return word


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """(word form → language, Chinese name → language)."""
    forms: dict[str, str] = {}
    chinese: dict[str, str] = {}
    for target in SUPPORTED_LANGUAGES:
        names = [language_name(target, lang) for lang in SUPPORTED_LANGUAGES]
        names += _EXTRA_NAMES.get(target, ())
        for name in names:
            if _HAN.search(name):
                chinese[name] = target
            else:
                for word in words(name):
                    forms[_stem(word)] = target
    return forms, chinese


def requested_language(text: str) -> str | None:
    """The supported language named in `text`, or None if it names none (or several)."""
    forms, chinese = _names()
    found = {lang for name, lang in chinese.items() if name in text}
    for word in words(text):
        stem = _stem(normalize(word))
        if stem in forms:
            found.add(forms[stem])
            continue
        if len(stem) >= PREFIX:
            found.update(
                lang
                for form, lang in forms.items()
                if len(form) >= PREFIX and form[:PREFIX] == stem[:PREFIX]
            )
    return found.pop() if len(found) == 1 else None
