"""What the channel knows about a chat, and how logs name it without identifying it.

Logs name a chat by a keyed hash: stable while the bot token is the same (so one chat's
lines can be followed), meaningless without the token (so a log leak reveals no chat id).
The only thing kept per chat is the language of the last answer, for the few texts the
channel writes itself; `forget` drops it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict

SENDER_PREFIX = "tg:"
TAG_CHARS = 10
DEFAULT_REMEMBERED_CHATS = 50_000


def sender_id(chat_id: int) -> str:
    """Rasa's sender id for a Telegram chat (namespaced: it never meets a web chat id)."""
    return f"{SENDER_PREFIX}{chat_id}"


class ChatTagger:
    """Short hashes naming chats in logs."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8") or b"digibridge"

    def __call__(self, chat_id: int | None) -> str:
        if chat_id is None:
            return "-"
        digest = hmac.new(self._key, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:TAG_CHARS]


class ChatLanguages:
    """The language of the last answer sent to each chat (bounded, least recent dropped)."""

    def __init__(self, size: int = DEFAULT_REMEMBERED_CHATS) -> None:
        self._size = size
        self._languages: OrderedDict[int, str] = OrderedDict()

    def get(self, chat_id: int) -> str | None:
        return self._languages.get(chat_id)

    def remember(self, chat_id: int, language: str) -> None:
        self._languages[chat_id] = language
        self._languages.move_to_end(chat_id)
        while len(self._languages) > self._size:
            self._languages.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        self._languages.pop(chat_id, None)

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self._languages
