"""`GET /api/history` and `POST /api/forget`: a web chat user's conversation and its erasure.

The sender id is the only key to a conversation, so these two refuse ids too short to be
unguessable (the web chat makes 128-bit random ones).
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.gateway.chat_api import error_response, web_sender
from bot.gateway.conversations import ConversationEraser, history_from_events
from bot.gateway.rasa_client import RasaUnavailable
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import DEFAULT_LANGUAGE, negotiate, parse_accept_language

logger = logging.getLogger(__name__)

MIN_SESSION_SENDER_CHARS = 22
MAX_SESSION_SENDER_CHARS = 128


def _valid_sender(sender: object) -> bool:
    return (
        isinstance(sender, str)
        and MIN_SESSION_SENDER_CHARS <= len(sender) <= MAX_SESSION_SENDER_CHARS
        and sender.isascii()
        and sender.replace("-", "").replace("_", "").isalnum()
    )


def _bad_sender() -> web.Response:
    return error_response(
        400,
        "invalid_sender",
        f"`sender` must be a random id of {MIN_SESSION_SENDER_CHARS} to "
        f"{MAX_SESSION_SENDER_CHARS} letters, digits, '-' or '_'.",
    )


async def handle_history(request: web.Request) -> web.Response:
    sender = request.query.get("sender")
    if not _valid_sender(sender):
        return _bad_sender()
    try:
        events = await request.app["rasa"].tracker_events(web_sender(sender))
    except RasaUnavailable:
        language = negotiate(parse_accept_language(request.headers.get("Accept-Language", "")))
        return error_response(503, "unavailable", translate(language or "en", texts.TROUBLE))
    return web.json_response({"messages": history_from_events(events)})


async def handle_forget(request: web.Request) -> web.Response:
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return error_response(400, "invalid_json", "The request body must be a JSON object.")
    sender = data.get("sender") if isinstance(data, dict) else None
    if not _valid_sender(sender):
        return _bad_sender()
    hint = [data["language"]] if isinstance(data.get("language"), str) else []
    hint += parse_accept_language(request.headers.get("Accept-Language", ""))
    eraser: ConversationEraser = request.app["eraser"]
    erased = await request.app.loop.run_in_executor(None, eraser.erase, web_sender(sender))
    logger.info("erased a web conversation (%d events)", erased)
    language = negotiate(hint) or DEFAULT_LANGUAGE
    return web.json_response(
        {"erased": True, "message": translate(language, texts.DATA_ERASED), "language": language}
    )
