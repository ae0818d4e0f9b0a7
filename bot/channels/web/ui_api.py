"""`GET /api/ui`: the web chat's own text, from the same gettext catalogues as the bot.

The page and the widget ship no words of their own: they ask here (the greeting a
first-time visitor sees included, with the families as buttons), in the language the user
picked (`?language=`), else the one their browser prefers (`Accept-Language`, negotiated with
Babel), else English.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.gateway.keys import ASSISTANT, SETTINGS
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import (
    SUPPORTED_LANGUAGES,
    is_rtl,
    native_name,
    negotiate,
    parse_accept_language,
)
from bot.i18n.reply_language import decide_reply_language
from bot.settings import Settings

# The interface text the page and the widget show, by the name it has in `texts`.
UI_TEXTS = (
    "WEB_INPUT",
    "WEB_SEND",
    "WEB_NEW_CONVERSATION",
    "ERASE_MY_DATA",
    "WEB_LANGUAGE",
    "WEB_TEXT_SIZE",
    "WEB_TYPING",
    "WEB_OFFLINE",
    "WEB_RETRYING",
    "WEB_CONVERSATION",
    "WEB_CONFIRM_ERASE",
    "WEB_CANCEL",
    "WEB_YOU",
    "WEB_ASSISTANT",
    "WIDGET_OPEN",
    "WIDGET_CLOSE",
    "TROUBLE",
    "TOO_FAST",
    "LISTEN",
    "SPEECH_FAILED",
    "WEB_VOICE_SWITCH",
    "WEB_AUDIO",
    "WEB_WELCOME_LANGUAGE",
)
MAX_LANGUAGE_PARAM_CHARS = 35


def direction(language: str) -> str:
    return "rtl" if is_rtl(language) else "ltr"


def ui_language(requested: str | None, accept_language: str) -> str:
    """The explicit choice if we speak it, else the browser's preference, else English."""
    short = requested and len(requested) <= MAX_LANGUAGE_PARAM_CHARS
    chosen = negotiate(requested) if short else None
    return decide_reply_language(
        preference=chosen, text="", hint=parse_accept_language(accept_language)
    )


def ui_description(language: str, max_message_chars: int) -> dict[str, Any]:
    """Everything the page needs to show itself in `language`."""
    return {
        "language": language,
        "dir": direction(language),
        "texts": {name: translate(language, getattr(texts, name)) for name in UI_TEXTS},
        "languages": [
            {"code": code, "name": native_name(code), "dir": direction(code)}
            for code in SUPPORTED_LANGUAGES
        ],
        "max_message_chars": max_message_chars,
    }


async def handle_ui(request: web.Request) -> web.Response:
    settings: Settings = request.app[SETTINGS]
    language = ui_language(
        request.query.get("language"), request.headers.get("Accept-Language", "")
    )
    description = ui_description(language, settings.max_message_chars)
    greeting = await request.app[ASSISTANT].greeting(language)
    description["greeting"] = greeting.as_json() if greeting is not None else None
    response = web.json_response(description)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept-Language"
    return response
