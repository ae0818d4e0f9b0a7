"""The one place where the reply language is decided."""

from __future__ import annotations

from bot.i18n.detect import Vocabulary, detect_language
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, negotiate


def decide_reply_language(
    *,
    preference: str | None,
    text: str,
    previous: str | None = None,
    hint: str | list[str] | None = None,
    vocabulary: Vocabulary | None = None,
) -> str:
    """Stored preference, else the message's own language, else the conversation's,
    else the channel's hint (Telegram `language_code`, `Accept-Language`), else English.

    The conversation's language comes before the hint because messages whose language
    can't be told (a number, "ok", romanised Arabic) belong to the conversation around them.
    """
    if preference in SUPPORTED_LANGUAGES:
        return preference
    detected = detect_language(text, vocabulary) if text else None
    if detected:
        return detected
    if previous in SUPPORTED_LANGUAGES:
        return previous
    return negotiate(hint) or DEFAULT_LANGUAGE
