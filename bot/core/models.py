"""What the core keeps about people: their conversations and messages waiting for them.

Every table holding data about a person has a `person_id` column; `bot.core.erasure`
erases by it, and a test fails for a table that has neither that column nor a place in
`NON_PERSONAL_TABLES`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, false

from bot.db.base import Base

ID_CHARS = 200


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Conversation(Base):
    """One conversation of a person on a channel (a Telegram group member has one per group)."""

    __tablename__ = "conversations"

    id = Column(String(ID_CHARS), primary_key=True)  # Rasa's sender id
    person_id = Column(String(ID_CHARS), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    address = Column(String(ID_CHARS), nullable=False)  # where the channel delivers
    language = Column(String(16), nullable=True)  # of the last reply
    # "Always answer with voice as well", chosen with /voice or the web chat's switch.
    voice = Column(Boolean, nullable=False, default=False, server_default=false())
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class OutboxMessage(Base):
    """A message sent to a person unasked, waiting for a channel that fetches (the web chat)."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    person_id = Column(String(ID_CHARS), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    message = Column(JSON, nullable=False)
