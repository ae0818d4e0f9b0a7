"""Who is speaking in a Telegram update, and how logs name a chat without identifying it.

A person is a Telegram user; each of their chats with the bot is a conversation of its own
(`tg:<user>` in private, `tg:<chat>:<user>` in a group). Logs name a chat by a keyed hash:
stable while the bot token is the same (so one chat's lines can be followed), meaningless
without the token (so a log leak reveals no chat id).
"""

from __future__ import annotations

import hashlib
import hmac

from telegram import Update
from telegram.constants import ChatType

from bot.core.people import Speaker

CHANNEL = "telegram"
PERSON_PREFIX = "tg:"
TAG_CHARS = 10


def person_id(user_id: int) -> str:
    return f"{PERSON_PREFIX}{user_id}"


def conversation_id(chat_id: int, user_id: int, private: bool) -> str:
    """Rasa's sender id: the person's own in private, per person and group otherwise."""
    return person_id(user_id) if private else f"{PERSON_PREFIX}{chat_id}:{user_id}"


def speaker_of(update: Update) -> Speaker | None:
    """The person behind an update, or None (channel posts, anonymous group admins)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    private = chat.type == ChatType.PRIVATE
    hint = (user.language_code,) if user.language_code else ()
    return Speaker(
        channel=CHANNEL,
        person_id=person_id(user.id),
        conversation_id=conversation_id(chat.id, user.id, private),
        address=str(chat.id),
        hint=hint,
    )


class ChatTagger:
    """Short hashes naming chats in logs."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8") or b"digibridge"

    def __call__(self, chat_id: int | None) -> str:
        if chat_id is None:
            return "-"
        digest = hmac.new(self._key, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:TAG_CHARS]
