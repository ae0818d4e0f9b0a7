"""`POST /api/chat`: checking a request, asking Rasa, shaping the answer as design.md says."""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import DEFAULT_LANGUAGE, negotiate, parse_accept_language

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_LANGUAGE_TAG_CHARS = 35
MAX_DISPLAY_CHARS = 200
_KEPT_CONTROLS = {"\n", "\t"}


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


def clean_text(text: str) -> str:
    """NFC text without control characters (other than line breaks and tabs)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        c for c in text if c in _KEPT_CONTROLS or unicodedata.category(c) not in ("Cc", "Cs", "Co")
    ).strip()


def parse_chat_request(body: bytes, accept_language: str, max_chars: int) -> ChatRequest:
    """The request's fields, or a ChatRequestError with a message the user can read."""
    hint = parse_accept_language(accept_language)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChatRequestError(
            400, "invalid_json", "The request body must be a JSON object."
        ) from None
    if not isinstance(data, dict):
        raise ChatRequestError(400, "invalid_json", "The request body must be a JSON object.")
    language = data.get("language")
    if language is not None:
        if not isinstance(language, str) or len(language) > MAX_LANGUAGE_TAG_CHARS:
            raise ChatRequestError(
                400, "invalid_language", '`language` must be a BCP 47 tag such as "fr".'
            )
        hint = [language, *hint]
    reply_language = negotiate(hint) or DEFAULT_LANGUAGE
    sender = data.get("sender")
    if not isinstance(sender, str) or not clean_text(sender) or len(sender) > MAX_SENDER_CHARS:
        raise ChatRequestError(
            400,
            "invalid_sender",
            f"`sender` must be a non-empty string of at most {MAX_SENDER_CHARS} characters.",
        )
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
        sender=clean_text(sender),
        message=message,
        language_hint=hint,
        display=clean_text(display) if display else None,
    )


def to_api_message(message: dict[str, Any], fallback_language: str) -> dict[str, Any] | None:
    """A Rasa REST message as the chat API's message; our actions send it all as `custom`."""
    custom = message.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("text"), str):
        return {
            "text": custom["text"],
            "buttons": [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for b in custom.get("buttons") or []
                if isinstance(b, dict)
            ],
            "topic": custom.get("topic"),
            "language": custom.get("language") or fallback_language,
        }
    if isinstance(message.get("text"), str):
        return {
            "text": message["text"],
            "buttons": [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for b in message.get("buttons") or []
                if isinstance(b, dict)
            ],
            "topic": None,
            "language": fallback_language,
        }
    return None


async def converse(
    rasa: RasaClient,
    sender: str,
    text: str,
    hint: list[str],
    channel: str,
    display: str | None = None,
) -> list[dict[str, Any]]:
    """The assistant's answer to one message, for any channel; raises RasaUnavailable.

    `display` is the button title the user pressed, kept so history shows it, not a payload.
    """
    hint_language = negotiate(hint) or DEFAULT_LANGUAGE
    metadata: dict[str, Any] = {"channel": channel, "locale_hint": hint[:5]}
    if display:
        metadata["display"] = display
    raw = await rasa.send(sender, text, metadata)
    messages = [m for m in (to_api_message(r, hint_language) for r in raw) if m is not None]
    return messages


def web_sender(sender: str) -> str:
    """Rasa's sender id for a web chat user: namespaced, so it never meets a Telegram chat."""
    return f"web:{sender}"


async def handle_chat(request: web.Request) -> web.Response:
    settings = request.app["settings"]
    try:
        body = await request.read()
        chat = parse_chat_request(
            body, request.headers.get("Accept-Language", ""), settings.max_message_chars
        )
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "request_too_large", "The request is too large.")
    except ChatRequestError as error:
        return error_response(error.status, error.code, error.message)
    try:
        messages = await converse(
            request.app["rasa"],
            web_sender(chat.sender),
            chat.message,
            chat.language_hint,
            "web",
            chat.display,
        )
    except RasaUnavailable as error:
        logger.warning("chat reply failed: %s", error)
        language = negotiate(chat.language_hint) or DEFAULT_LANGUAGE
        return error_response(503, "unavailable", translate(language, texts.TROUBLE))
    return web.json_response({"messages": messages})
