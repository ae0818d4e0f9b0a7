"""Buttons as inline keyboards, and button payloads as Telegram callback data.

Telegram allows 1-64 bytes of `callback_data` per button. Our payloads are ids, not labels
(`/help{"family": "skills"}`, `/more{"topic": "m_un_cyberspace_governance"}`), so they are
written compactly (`/help|family=skills`) whatever the language of the label. A payload that
still would not fit (a very long id added by an admin, free text) is kept in a bounded
in-memory table under a short digest; after a restart such an old button shows the menu.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.messages import Button

MAX_CALLBACK_BYTES = 64
# Buttons the channel itself handles, never sent to Rasa.
FORGET_CALLBACK = "!forget"
LISTEN_CALLBACK = "!listen"  # !listen|<language>|<answer>: the answer read aloud
MENU_PAYLOAD = "/help"
_ID = r"[A-Za-z0-9_.\-]+"
_SLASH_PAYLOAD = re.compile(rf"/({_ID})(\{{.*\}})?", re.DOTALL)
_COMPACT = re.compile(rf"/({_ID})((?:\|{_ID}={_ID})*)")
_DIGEST_PREFIX = "#"
# Titles up to this many characters go two to a row; longer ones get a row each.
SHORT_TITLE_CHARS = 18


class CallbackCodec:
    """Turns payloads into callback data and back."""

    def __init__(self, max_remembered: int = 20_000) -> None:
        self._by_digest: OrderedDict[str, str] = OrderedDict()
        self._max_remembered = max_remembered

    def encode(self, payload: str) -> str:
        """Callback data of at most 64 bytes for `payload`."""
        compact = _compact(payload)
        if compact is not None and len(compact.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            return compact
        digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()
        digest = _DIGEST_PREFIX + digest
        self._by_digest[digest] = payload
        self._by_digest.move_to_end(digest)
        while len(self._by_digest) > self._max_remembered:
            self._by_digest.popitem(last=False)
        return digest

    def decode(self, data: str | None) -> str | None:
        """The payload behind callback data, or None for data we did not make (or forgot)."""
        if not data:
            return None
        if data.startswith(_DIGEST_PREFIX):
            return self._by_digest.get(data)
        match = _COMPACT.fullmatch(data)
        if match is None:
            return None
        intent, pairs = match.groups()
        entities = dict(pair.split("=", 1) for pair in pairs.split("|")[1:])
        if not entities:
            return f"/{intent}"
        return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


def _compact(payload: str) -> str | None:
    match = _SLASH_PAYLOAD.fullmatch(payload.strip())
    if match is None:
        return None
    intent, raw_entities = match.groups()
    if not raw_entities:
        return f"/{intent}"
    try:
        entities = json.loads(raw_entities)
    except ValueError:
        return None
    if not isinstance(entities, dict):
        return None
    pairs = []
    for key, value in entities.items():
        if not isinstance(value, str) or not re.fullmatch(_ID, key) or not re.fullmatch(_ID, value):
            return None
        pairs.append(f"|{key}={value}")
    return f"/{intent}{''.join(pairs)}"


def inline_keyboard(
    buttons: Sequence[Button],
    codec: CallbackCodec,
    extra: Iterable[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for a reply's buttons, or None."""
    keys = [
        InlineKeyboardButton(b.title.strip(), callback_data=codec.encode(b.payload))
        for b in buttons
        if b.title.strip() and b.payload.strip()
    ]
    keys.extend(extra)
    if not keys:
        return None
    per_row = 2 if all(len(k.text) <= SHORT_TITLE_CHARS for k in keys) else 1
    rows = [keys[i : i + per_row] for i in range(0, len(keys), per_row)]
    return InlineKeyboardMarkup(rows)


def listen_callback(language: str, listen: str) -> str | None:
    """Callback data of a reply's "Listen" button; None when it would not fit."""
    data = f"{LISTEN_CALLBACK}|{language}|{listen}"
    return data if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES else None


def parse_listen(data: str | None) -> tuple[str, str] | None:
    """The (language, answer) of a "Listen" button's data, or None for any other."""
    if not data or not data.startswith(LISTEN_CALLBACK + "|"):
        return None
    _, language, listen = (data.split("|", 2) + ["", ""])[:3]
    return (language, listen) if language and listen else None


def pressed_title(markup: InlineKeyboardMarkup | None, data: str | None) -> str | None:
    """The label of the button that sent `data`, to show in history instead of a payload."""
    if markup is None or data is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
