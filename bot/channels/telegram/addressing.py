"""Whether a message is meant for the bot: always in a private chat, and in a group only
when it mentions the bot or replies to one of its messages (so it never talks over people).
"""

from __future__ import annotations

import re

from telegram import Chat, Message, MessageEntity


def is_private(message: Message) -> bool:
    return message.chat.type == Chat.PRIVATE


def mentions_bot(message: Message, username: str | None, bot_id: int) -> bool:
    """True when the text or caption names the bot (@username, or a mention of its user)."""
    entities = message.parse_entities() or message.parse_caption_entities()
    for entity, text in entities.items():
        if (
            entity.type == MessageEntity.MENTION
            and username
            and text.lower() == f"@{username.lower()}"
        ):
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
    return False


def replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def from_a_bot(message: Message) -> bool:
    """Sent by another bot (an anonymous group admin shows as a bot, but is a person)."""
    user = message.from_user
    if user is None or not user.is_bot:
        return False
    return not (message.sender_chat is not None and message.sender_chat.id == message.chat.id)


def is_addressed(message: Message, username: str | None, bot_id: int) -> bool:
    """Should the bot answer this message?"""
    if from_a_bot(message):
        return False
    if is_private(message):
        return True
    return mentions_bot(message, username, bot_id) or replies_to_bot(message, bot_id)


def without_mention(text: str, username: str | None) -> str:
    """The text without `@username`, so Rasa sees only the question."""
    if not username:
        return text.strip()
    cleaned = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip(" \t,:;")
