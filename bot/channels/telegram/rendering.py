"""Answers as Telegram messages: HTML-escaped, and split to fit Telegram's length limit.

Answers are plain text written by content editors and admins; we send them in HTML parse
mode so the channel may add formatting, which means every `<`, `>` and `&` of theirs must be
escaped or Telegram rejects the whole message. Telegram counts the limit on the text after
entity parsing, in UTF-16 code units, so we split the plain text first and escape each part.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

MAX_MESSAGE_LENGTH = 4096

_PARAGRAPH_END = re.compile(r"\n[ \t]*\n\s*")
_LINE_END = re.compile(r"\n\s*")
# After ., !, ?, … (and Arabic ?) followed by space, or after CJK full stops (no space).
_SENTENCE_END = re.compile(r"[.!?…؟]+[\"'”’»)\]]*\s+|[。！？]+[」』”）]*\s*")
_WORD_END = re.compile(r"\s+")


def escape(text: str) -> str:
    """Text that Telegram's HTML parser shows exactly as written."""
    return html.escape(text, quote=False)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """`text` in parts of at most `limit`, cut between paragraphs where possible, then
    between lines, sentences, words, and only as a last resort inside a word."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    levels: list[Callable[[str], list[str]]] = [
        _splitter(_PARAGRAPH_END),
        _splitter(_LINE_END),
        _splitter(_SENTENCE_END),
        _splitter(_WORD_END),
        _characters,
    ]
    parts = (part.strip() for part in _pack(text, limit, levels))
    return [part for part in parts if part]


def _splitter(boundary: re.Pattern[str]) -> Callable[[str], list[str]]:
    def split(text: str) -> list[str]:
        pieces, start = [], 0
        for match in boundary.finditer(text):
            if match.end() > start:
                pieces.append(text[start : match.end()])
                start = match.end()
        if start < len(text):
            pieces.append(text[start:])
        return pieces

    return split


def _characters(text: str) -> list[str]:
    return list(text)


def _pack(text: str, limit: int, levels: list[Callable[[str], list[str]]]) -> list[str]:
    """Greedily joins the pieces of the first level; a piece too long alone is split by
    the next level. Pieces keep their separators, so parts concatenate back to `text`."""
    if telegram_length(text.strip()) <= limit:
        return [text]
    split, finer = levels[0], levels[1:]
    chunks: list[str] = []
    current = ""
    for piece in split(text):
        if telegram_length((current + piece).strip()) <= limit:
            current += piece
            continue
        if current.strip():
            chunks.append(current)
        current = ""
        if telegram_length(piece.strip()) <= limit:
            current = piece
        else:
            *full, current = _pack(piece, limit, finer)
            chunks.extend(full)
    if current.strip():
        chunks.append(current)
    return chunks


def render_parts(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """The HTML bodies of the messages that show `text`, in order."""
    return [escape(part) for part in split_message(text, limit)]
