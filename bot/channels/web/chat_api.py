"""`POST /api/chat`: checking a request, asking the assistant, shaping the answer as
design.md says. The session id is the only key to a conversation, so every route of the
web chat asks for the same unguessable kind (the page makes 128-bit random ones)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from aiohttp import web

from bot.core.assistant import Assistant, AssistantUnavailable
from bot.core.people import Speaker
from bot.core.user_text import clean_text
from bot.gateway.keys import ASSISTANT, SETTINGS
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import parse_accept_language
from bot.i18n.reply_language import decide_reply_language

logger = logging.getLogger(__name__)

CHANNEL = "web"
MIN_SENDER_CHARS = 22
MAX_SENDER_CHARS = 128
MAX_LANGUAGE_TAG_CHARS = 35
MAX_DISPLAY_CHARS = 200
BODY_TIMEOUT_SECONDS = 10.0


class ChatRequestError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    message: str
    language_hint: list[str]
    display: str | None = None  # what the user saw, when `message` is a button payload


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def valid_sender(sender: object) -> bool:
    return (
        isinstance(sender, str)
        and MIN_SENDER_CHARS <= len(sender) <= MAX_SENDER_CHARS
        and sender.isascii()
        and sender.replace("-", "").replace("_", "").isalnum()
    )


def bad_sender_error() -> ChatRequestError:
    return ChatRequestError(
        400,
        "invalid_sender",
        f"`sender` must be a random id of {MIN_SENDER_CHARS} to {MAX_SENDER_CHARS} letters, "
        "digits, '-' or '_'.",
    )


def language_hint(data: dict, accept_language: str) -> list[str]:
    """The request's `language` (if a short string) before the browser's preferences."""
    hint = parse_accept_language(accept_language)
    language = data.get("language")
    if isinstance(language, str) and 0 < len(language) <= MAX_LANGUAGE_TAG_CHARS:
        hint = [language, *hint]
    return hint


def hint_language(hint: list[str]) -> str:
    """The language for a request's own errors, decided like every other."""
    return decide_reply_language(preference=None, text="", hint=hint)


def parse_json_object(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ChatRequestError(400, "invalid_json", "The request body must be a JSON object.")
    return data


def parse_chat_request(body: bytes, accept_language: str, max_chars: int) -> ChatRequest:
    """The request's fields, or a ChatRequestError with a message the user can read."""
    data = parse_json_object(body)
    language = data.get("language")
    if language is not None and (
        not isinstance(language, str) or len(language) > MAX_LANGUAGE_TAG_CHARS
    ):
        raise ChatRequestError(
            400, "invalid_language", '`language` must be a BCP 47 tag such as "fr".'
        )
    hint = language_hint(data, accept_language)
    reply_language = hint_language(hint)
    if not valid_sender(data.get("sender")):
        raise bad_sender_error()
    message = data.get("message")
    if message is not None and not isinstance(message, str):
        raise ChatRequestError(400, "invalid_message", "`message` must be a string.")
    message = clean_text(message or "")
    if not message:
        raise ChatRequestError(400, "empty_message", translate(reply_language, texts.EMPTY_MESSAGE))
    if len(message) > max_chars:
        raise ChatRequestError(
            413,
            "message_too_long",
            translate(reply_language, texts.MESSAGE_TOO_LONG, max_chars=max_chars),
        )
    display = data.get("display")
    if display is not None and (not isinstance(display, str) or len(display) > MAX_DISPLAY_CHARS):
        raise ChatRequestError(400, "invalid_display", "`display` must be a short string.")
    return ChatRequest(
        sender=data["sender"],
        message=message,
        language_hint=hint,
        display=clean_text(display) if display else None,
    )


def web_speaker(sender: str, hint: list[str]) -> Speaker:
    """A web chat session as the core knows it: its own person, namespaced `web:`."""
    person = f"{CHANNEL}:{sender}"
    return Speaker(CHANNEL, person, person, sender, tuple(hint[:5]))


async def read_body(request: web.Request) -> bytes:
    """The request body, or 408 for a client that sends it too slowly to hold a slot."""
    try:
        return await asyncio.wait_for(request.read(), BODY_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        raise ChatRequestError(408, "request_timeout", "The request was sent too slowly.") from None


async def handle_chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    assistant: Assistant = request.app[ASSISTANT]
    try:
        chat = parse_chat_request(
            await read_body(request),
            request.headers.get("Accept-Language", ""),
            settings.max_message_chars,
        )
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "request_too_large", "The request is too large.")
    except ChatRequestError as error:
        return error_response(error.status, error.code, error.message)
    speaker = web_speaker(chat.sender, chat.language_hint)
    try:
        replies = await assistant.converse(speaker, chat.message, chat.display)
    except AssistantUnavailable as error:
        return error_response(503, "unavailable", error.reply.text)
    return web.json_response({"messages": [reply.as_json() for reply in replies]})
