"""`POST /api/speech` and `POST /api/voice`: an answer read aloud, and "always read aloud".

Speech is asked for like everything else of a session: the session id in a JSON body
(never in a URL), for a conversation that exists, and only for an answer the assistant
gives (a reply's `listen`), never for a text of the caller's choosing.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.channels.web.chat_api import ChatRequestError, error_response
from bot.channels.web.session_api import failed, session_request
from bot.core.assistant import Assistant
from bot.gateway.keys import ASSISTANT
from bot.i18n import texts
from bot.i18n.catalogs import translate

logger = logging.getLogger(__name__)


async def handle_speech(request: web.Request) -> web.StreamResponse:
    try:
        speaker, data = await session_request(request)
    except ChatRequestError as error:
        return failed(error)
    assistant: Assistant = request.app[ASSISTANT]
    answer, language = data.get("answer"), data.get("language")
    if not isinstance(answer, str) or not isinstance(language, str):
        return error_response(
            400, "invalid_answer", "`answer` (a reply's `listen`) and `language` are needed."
        )
    try:
        speech = await assistant.listen(speaker, answer, language)
    except Exception as error:  # noqa: BLE001 - the person gets a sentence, not a crash
        logger.error("speech failed: %s", type(error).__name__)
        speech = None
        status, code = 503, "speech_failed"
    else:
        status, code = 404, "no_such_answer"
    if speech is None:
        spoken = await assistant.language_for(speaker)
        return error_response(status, code, translate(spoken, texts.SPEECH_FAILED))
    return web.Response(
        body=speech.ogg_opus,
        content_type="audio/ogg",
        headers={
            "Cache-Control": "private, no-store",
            "X-Speech-Seconds": f"{speech.seconds:.2f}",
            "X-Speech-Cached": "1" if speech.cached else "0",
        },
    )


async def handle_voice(request: web.Request) -> web.Response:
    try:
        speaker, data = await session_request(request)
    except ChatRequestError as error:
        return failed(error)
    on = data.get("on")
    if not isinstance(on, bool):
        return error_response(400, "invalid_on", "`on` must be true or false.")
    assistant: Assistant = request.app[ASSISTANT]
    try:
        await assistant.set_voice(speaker, on)
    except Exception as error:  # noqa: BLE001 - say so; the person can try again
        logger.error("saving the voice choice failed: %s", type(error).__name__)
        language = await assistant.language_for(speaker)
        return error_response(503, "unavailable", translate(language, texts.TROUBLE))
    return web.json_response({"voice": on})
