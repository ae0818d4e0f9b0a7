"""An answer's text as it should be read aloud, not symbol by symbol.

Links are read as their site's name ("gov.uk"), not as "h t t p s colon slash slash";
phone numbers digit by digit in small groups; list markers and emoji are dropped; line
breaks become pauses. What is left is for the synthesiser's own number and word rules.
"""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
# A phone number: 6 or more digits, possibly with +, spaces, dots or dashes between groups.
_PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\d \-.]{4,}\d)(?![\w.])")
_LIST_MARKER = re.compile(r"^\s*(?:[-•*–·▪●]|\d{1,2}[.)])\s+", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")
_PAUSE = {"zh": "。", "ar": "،"}
_SENTENCE_END = tuple(".!?…:;。！？؟،")


def _site_name(match: re.Match[str]) -> str:
    url = match.group(0).rstrip(".,;:!?")
    tail = match.group(0)[len(url) :]
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE)
    return host.split("/", 1)[0] + tail


def _phone_digits(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < 6:
        return match.group(0)
    plus = "+ " if match.group(0).startswith("+") else ""
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    if len(groups[-1]) == 1:  # never a digit alone at the end: 3 3 4, not 3 3 3 1
        groups[-2:] = [groups[-2] + groups[-1]]
    return plus + ", ".join(" ".join(group) for group in groups)


def _is_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    return category in {"So", "Sk", "Cs", "Co"} or char in "\ufe0f\u200d"


def speakable_text(text: str, language: str) -> str:
    """The words to synthesise for `text` in `language`."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if _is_symbol(c) else c for c in text)
    text = _URL.sub(_site_name, text)
    text = _PHONE.sub(_phone_digits, text)
    text = _LIST_MARKER.sub("", text)
    text = text.replace("*", " ").replace("_", " ").replace("#", " ")
    pause = _PAUSE.get(language, ".")
    lines = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        if not line.endswith(_SENTENCE_END):
            line += pause
        lines.append(line)
    return " ".join(lines)
