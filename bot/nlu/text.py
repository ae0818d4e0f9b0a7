"""Normalising and segmenting text the same way for training, prediction and language ID.

People type without accents, without Arabic diacritics, with е for ё: folding those away
makes "securite" and "sécurité", "كلمة" and "كَلِمَة" the same word to the classifier.
Chinese has no spaces between words, so Han runs are segmented with jieba.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator

import jieba

_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": ""})
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Combining marks (accents, Arabic harakat) that Python's \w leaves out.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
# A run of Han characters, or a run of other word characters (any script).
_SPANS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>(?:[^\W_{_HAN}]|[{_MARKS}])+)")
_jieba_ready = threading.Event()
_jieba_lock = threading.Lock()


def normalize(word: str) -> str:
    """Lower case, without accents or diacritics, Arabic letter variants folded."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).translate(_ARABIC_FOLD)


def _ensure_jieba() -> None:
    if not _jieba_ready.is_set():
        with _jieba_lock:
            if not _jieba_ready.is_set():
                jieba.setLogLevel(60)
                jieba.initialize()
                _jieba_ready.set()


def word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) for each word of `text`, Chinese segmented into words."""
    for match in _SPANS.finditer(text):
        if match.group("han"):
            _ensure_jieba()
            offset = match.start()
            for word, start, end in jieba.tokenize(match.group("han")):
                if word.strip():
                    yield word, offset + start, offset + end
        else:
            yield match.group(), match.start(), match.end()


def words(text: str) -> list[str]:
    """The normalised words of `text`."""
    return [normalize(word) for word, _, _ in word_spans(text)]
