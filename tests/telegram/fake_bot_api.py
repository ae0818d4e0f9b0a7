"""A local server speaking the Telegram Bot API (core.telegram.org/bots/api), for tests.

It answers the methods the channel uses, as Telegram does: `{"ok": true, "result": ...}`
or `{"ok": false, "error_code", "description"[, "parameters"]}`, reached through
python-telegram-bot's `base_url` (`<address>/bot<token>/<method>`). It checks what Telegram
checks (HTML that parses, at most 4096 characters after parsing, callback data of 1-64
bytes, a known callback query), records every call, and on demand answers 429 with
`retry_after` (noting any request that comes back too early) or 5xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.telegram.threaded_server import ThreadedServer

TOKEN = "123456:TEST"
BOT_ID = 123456
BOT_USERNAME = "DigiBridgeTestBot"
MAX_TEXT = 4096
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-z-]+(?:=(?:\"[^\"]*\"|'[^']*'))?)*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_MENTION = re.compile(r"@\w+")
_PARSE_ERROR = "Bad Request: can't parse entities: "


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def visible_text(source: str) -> str:
    """The text Telegram shows for an HTML-mode message; ApiError where Telegram refuses."""
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        offset = len(source[:i].encode("utf-8"))
        if char == "<":
            match = _TAG.match(source, i)
            if match is None or match.group(2).lower() not in HTML_TAGS:
                raise ApiError(400, f"{_PARSE_ERROR}Unsupported start tag at byte offset {offset}")
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not open_tags or open_tags[-1] != name:
                    raise ApiError(400, f"{_PARSE_ERROR}Unmatched end tag at byte offset {offset}")
                open_tags.pop()
            else:
                open_tags.append(name)
            i = match.end()
        elif char == "&":
            match = _ENTITY.match(source, i)
            if match is None:
                raise ApiError(400, f"{_PARSE_ERROR}Can't find end of the entity at byte {offset}")
            out.append(html.unescape(match.group(0)))
            i = match.end()
        elif char == ">":
            raise ApiError(400, f"{_PARSE_ERROR}Unexpected > at byte offset {offset}")
        else:
            out.append(char)
            i += 1
    if open_tags:
        raise ApiError(400, f"{_PARSE_ERROR}Can't find end tag")
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Sent:
    """A message the bot sent (or edited), as the user sees it."""

    method: str
    chat_id: int
    message_id: int
    text: str
    html: str
    parse_mode: str | None
    reply_markup: dict | None
    reply_to: int | None
    at: float
    message: dict = field(repr=False, default_factory=dict)

    @property
    def buttons(self) -> list[dict]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]


@dataclass
class Voice:
    """A voice message the bot sent: the uploaded file as Telegram received it."""

    chat_id: int
    message_id: int
    data: bytes
    filename: str
    duration: int | None
    reply_to: int | None
    at: float


class FakeBotApi(ThreadedServer):
    def __init__(self, token: str = TOKEN, port: int = 0) -> None:
        super().__init__(port)
        self.token = token
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.voices: list[Voice] = []
        self.webhook: dict[str, Any] | None = None
        self.chats: dict[int, dict] = {}
        self.early: list[tuple[int, float, float]] = []  # (chat, came at, allowed from)
        self.rate_limited: list[tuple[int, float, int]] = []  # (chat, at, retry_after)
        self.command_menus: dict[str, list[tuple[str, str]]] = {}  # by language_code
        self._pending: list[dict] = []
        self._new_updates: asyncio.Event | None = None
        self._next_update_id = 1000
        self._next_message_id = 1
        self._next_query_id = 1
        self._queries: dict[str, bool] = {}
        self._storm = 0
        self._retry_after = 1
        self._blocked_until: dict[int, float] = {}
        self._failures = 0
        self._failure_status = 502
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle)

    # -- driving it from tests ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What DIGIBRIDGE_TELEGRAM_API_URL is set to."""
        return f"{self.address}/bot"

    def push(self, *updates: dict) -> None:
        """Makes updates available to getUpdates (all in one batch if fetched together)."""
        self.run(self._push(list(updates)))

    async def _push(self, updates: list[dict]) -> None:
        with self.lock:
            self._pending.extend(updates)
        self._wake().set()

    def _wake(self) -> asyncio.Event:
        if self._new_updates is None:
            self._new_updates = asyncio.Event()
        return self._new_updates

    def chat(self, chat_id: int, chat_type: str = "private") -> dict:
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = f"Group {chat_id}"
        self.chats[chat_id] = chat
        return chat

    def user(self, user_id: int, language_code: str | None = "en") -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def new_update_id(self) -> int:
        with self.lock:
            self._next_update_id += 1
            return self._next_update_id

    def new_message_id(self) -> int:
        with self.lock:
            self._next_message_id += 1
            return self._next_message_id

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        language_code: str | None = "en",
        chat_type: str = "private",
        user_id: int | None = None,
        kind: str = "message",
        **fields: Any,
    ) -> dict:
        """An update carrying a message, with the entities Telegram would add."""
        message: dict[str, Any] = {
            "message_id": self.new_message_id(),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id or abs(chat_id), language_code),
            **fields,
        }
        if text is not None:
            message["text"] = text
            entities = []
            if text.startswith("/"):
                command = text.split()[0]
                entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
            for match in _MENTION.finditer(text):
                entities.append(
                    {
                        "type": "mention",
                        "offset": utf16_len(text[: match.start()]),
                        "length": utf16_len(match.group(0)),
                    }
                )
            if entities:
                message["entities"] = entities
        return {"update_id": self.new_update_id(), kind: message}

    def press(self, sent: Sent, callback_data: str, language_code: str | None = "en") -> dict:
        """An update for a press on a button of a message the bot sent."""
        with self.lock:
            query_id = str(self._next_query_id)
            self._next_query_id += 1
            self._queries[query_id] = False
        return {
            "update_id": self.new_update_id(),
            "callback_query": {
                "id": query_id,
                "from": self.user(abs(sent.chat_id), language_code),
                "chat_instance": str(sent.chat_id),
                "message": sent.message,
                "data": callback_data,
            },
        }

    def rate_limit(self, count: int, retry_after: int = 1) -> None:
        """The next `count` sendMessage calls get 429 with `retry_after`."""
        with self.lock:
            self._storm = count
            self._retry_after = retry_after

    def fail(self, count: int, status: int = 502) -> None:
        """The next `count` sendMessage calls fail with an HTTP 5xx."""
        with self.lock:
            self._failures = count
            self._failure_status = status

    def sent_to(self, chat_id: int) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 30) -> list[Sent]:
        """The messages sent to a chat, once there are at least `count` (or AssertionError)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.sent_to(chat_id)
            if len(sent) >= count:
                return sent
            time.sleep(0.05)
        raise AssertionError(
            f"chat {chat_id}: {len(self.sent_to(chat_id))} messages after {timeout} s, "
            f"expected {count}: {[s.text[:80] for s in self.sent_to(chat_id)]}"
        )

    def voices_to(self, chat_id: int) -> list[Voice]:
        with self.lock:
            return [v for v in self.voices if v.chat_id == chat_id]

    def wait_voices(self, chat_id: int, count: int = 1, timeout: float = 30) -> list[Voice]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            voices = self.voices_to(chat_id)
            if len(voices) >= count:
                return voices
            time.sleep(0.05)
        raise AssertionError(f"chat {chat_id}: {len(self.voices_to(chat_id))} voice messages")

    def wait_call(self, method: str, count: int = 1, timeout: float = 30) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_of(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        raise AssertionError(f"{method} was not called {count} time(s) in {timeout} s")

    # -- the Bot API --------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        with self.lock:
            self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as error:
            call.status = error.code
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        return web.json_response({"ok": True, "result": result})

    def _bot_user(self) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "DigiBridge",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def api_getMe(self, params: dict) -> dict:
        return self._bot_user()

    async def api_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self.lock:
                if offset:
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
                ready = self._pending[:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            event = self._wake()
            event.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), max(deadline - time.monotonic(), 0))

    async def api_setWebhook(self, params: dict) -> bool:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if not params.get("url"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = dict(params)
        return True

    async def api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        if _true(params.get("drop_pending_updates")):
            with self.lock:
                self._pending.clear()
        return True

    async def api_getWebhookInfo(self, params: dict) -> dict:
        with self.lock:
            pending = len(self._pending)
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False}
        if self.webhook:
            info["url"] = self.webhook["url"]
        info["pending_update_count"] = pending
        return info

    async def api_sendMessage(self, params: dict) -> dict:
        chat_id = _chat_id(params)
        self._flood_control(chat_id)
        return self._record("sendMessage", chat_id, params, self.new_message_id())

    async def api_sendVoice(self, params: dict) -> dict:
        """As documented: `voice` is a file uploaded as multipart/form-data (a file_id or
        URL otherwise), "in an .OGG file encoded with OPUS" (or MP3, M4A), up to 50 MB;
        `duration` in whole seconds."""
        chat_id = _chat_id(params)
        self._flood_control(chat_id)
        upload = params.get("voice")
        if not isinstance(upload, UploadedFile):
            raise ApiError(400, "Bad Request: there is no voice in the request")
        if len(upload.data) > 50 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        if not (upload.data[:4] == b"OggS" and b"OpusHead" in upload.data[:200]):
            raise ApiError(400, "Bad Request: VOICE_MESSAGES_FORBIDDEN or wrong file type")
        duration = params.get("duration")
        if duration is not None and not str(duration).isdigit():
            raise ApiError(400, "Bad Request: invalid duration")
        reply = _json(params.get("reply_parameters"))
        message_id = self.new_message_id()
        voice = Voice(
            chat_id=chat_id,
            message_id=message_id,
            data=upload.data,
            filename=upload.filename,
            duration=int(duration) if duration is not None else None,
            reply_to=(reply or {}).get("message_id"),
            at=time.monotonic(),
        )
        with self.lock:
            self.voices.append(voice)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chats.get(chat_id) or self.chat(chat_id),
            "from": self._bot_user(),
            "voice": {
                "file_id": f"voice-{message_id}",
                "file_unique_id": f"v{message_id}",
                "duration": voice.duration or 0,
                "mime_type": "audio/ogg",
                "file_size": len(upload.data),
            },
        }

    async def api_editMessageText(self, params: dict) -> dict:
        chat_id = _chat_id(params)
        message_id = int(params.get("message_id") or 0)
        if not any(s.chat_id == chat_id and s.message_id == message_id for s in self.sent):
            raise ApiError(400, "Bad Request: message to edit not found")
        return self._record("editMessageText", chat_id, params, message_id)

    async def api_answerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self.lock:
            if self._queries.get(query_id, True):
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is "
                    "invalid",
                )
            self._queries[query_id] = True
        return True

    async def api_sendChatAction(self, params: dict) -> bool:
        return True

    async def api_setMyCommands(self, params: dict) -> bool:
        """As documented: 1-100 commands, each 1-32 of a-z, 0-9 and _, with a 1-256
        character description; `language_code` empty or a two-letter ISO 639-1 code."""
        try:
            commands = json.loads(params.get("commands", ""))
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse commands JSON object") from None
        if not isinstance(commands, list) or not 1 <= len(commands) <= 100:
            raise ApiError(400, "Bad Request: commands must be a non-empty array")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        language = params.get("language_code", "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code")
        with self.lock:
            self.command_menus[language] = [(c["command"], c["description"]) for c in commands]
        return True

    def _flood_control(self, chat_id: int) -> None:
        now = time.monotonic()
        with self.lock:
            blocked_until = self._blocked_until.get(chat_id, 0.0)
            if now < blocked_until:
                self.early.append((chat_id, now, blocked_until))
                wait = max(int(blocked_until - now + 0.999), 1)
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            if self._storm > 0:
                self._storm -= 1
                retry_after = self._retry_after
                self._blocked_until[chat_id] = now + retry_after
                self.rate_limited.append((chat_id, now, retry_after))
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            if self._failures > 0:
                self._failures -= 1
                raise ApiError(self._failure_status, "Internal Server Error")

    def _record(self, method: str, chat_id: int, params: dict, message_id: int) -> dict:
        source = params.get("text") or ""
        parse_mode = params.get("parse_mode")
        text = visible_text(source) if parse_mode == "HTML" else source
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _json(params.get("reply_markup"))
        if markup is not None:
            _check_markup(markup)
        reply = _json(params.get("reply_parameters"))
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chats.get(chat_id) or self.chat(chat_id),
            "from": self._bot_user(),
            "text": text,
        }
        if markup is not None:
            message["reply_markup"] = markup
        sent = Sent(
            method=method,
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            html=source,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to=(reply or {}).get("message_id"),
            at=time.monotonic(),
            message=message,
        )
        with self.lock:
            self.sent.append(sent)
        return message


def _check_markup(markup: dict) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not str(button.get("text") or "").strip():
                raise ApiError(400, "Bad Request: inline keyboard button text is empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


@dataclass
class UploadedFile:
    filename: str
    data: bytes


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, str):
                    params[key] = value
                elif isinstance(value, web.FileField):
                    params[key] = UploadedFile(value.filename, value.file.read())
    return params


def _chat_id(params: dict) -> int:
    try:
        return int(params["chat_id"])
    except (KeyError, ValueError):
        raise ApiError(400, "Bad Request: chat not found") from None


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    return json.loads(value)


def _true(value: Any) -> bool:
    return str(value).lower() in {"1", "true"}
