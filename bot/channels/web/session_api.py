"""`POST /api/history`, `/api/inbox` and `/api/forget`: a web chat session's conversation,
the messages sent to it unasked, and its erasure.

The session id travels only in the JSON body (never a URL, which proxies log), and a
cross-site form cannot post here: the body must be `application/json`, which a browser
only sends cross-site after a CORS preflight that the gateway refuses.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.channels.web import WEB_CHANNEL
from bot.channels.web.chat_api import (
    ChatRequestError,
    bad_sender_error,
    error_response,
    hint_language,
    language_hint,
    parse_json_object,
    read_body,
    valid_sender,
    web_speaker,
)
from bot.channels.web.history import history_from_events
from bot.core.assistant import Assistant
from bot.core.people import Speaker
from bot.core.rasa_client import RasaUnavailable
from bot.gateway.keys import ASSISTANT, RASA
from bot.i18n import texts
from bot.i18n.catalogs import translate

logger = logging.getLogger(__name__)


async def session_request(request: web.Request) -> tuple[Speaker, dict]:
    """The session a JSON request is for, and the request's fields."""
    if request.content_type != "application/json":
        raise ChatRequestError(
            415, "unsupported_media_type", "The request body must be application/json."
        )
    data = parse_json_object(await read_body(request))
    if not valid_sender(data.get("sender")):
        raise bad_sender_error()
    hint = language_hint(data, request.headers.get("Accept-Language", ""))
    return web_speaker(data["sender"], hint), data


async def _session(request: web.Request) -> Speaker:
    return (await session_request(request))[0]


def failed(error: ChatRequestError) -> web.Response:
    return error_response(error.status, error.code, error.message)


async def handle_history(request: web.Request) -> web.Response:
    try:
        speaker = await _session(request)
    except ChatRequestError as error:
        return failed(error)
    try:
        events = await request.app[RASA].tracker_events(speaker.conversation_id)
    except RasaUnavailable:
        language = hint_language(list(speaker.hint))
        return error_response(503, "unavailable", translate(language, texts.TROUBLE))
    voice = await request.app[ASSISTANT].voice(speaker)
    return web.json_response({"messages": history_from_events(events), "voice": voice})


async def handle_inbox(request: web.Request) -> web.Response:
    """Messages the assistant sent to this session unasked (a workshop step, an alert)."""
    try:
        speaker = await _session(request)
    except ChatRequestError as error:
        return failed(error)
    messages = await request.app[WEB_CHANNEL].take_waiting(speaker.person_id)
    return web.json_response({"messages": messages})


async def handle_forget(request: web.Request) -> web.Response:
    try:
        speaker = await _session(request)
    except ChatRequestError as error:
        return failed(error)
    assistant: Assistant = request.app[ASSISTANT]
    language = await assistant.language_for(speaker)
    try:
        erased = await assistant.forget(speaker.person_id)
    except Exception as error:  # noqa: BLE001 - say so; the person can try again
        logger.error("erasing a web conversation failed: %s", type(error).__name__)
        return error_response(503, "unavailable", translate(language, texts.TROUBLE))
    logger.info("erased a web conversation (%d rows)", erased)
    return web.json_response(
        {"erased": True, "message": translate(language, texts.DATA_ERASED), "language": language}
    )
