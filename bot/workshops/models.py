"""Workshops and their participants.

A workshop names its trainer (staff) and holds no citizen data, so it is not erased with a
person; its participants are (`person_id`), and all of them go when the workshop's
retention ends, leaving only the summary's counts.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, false

from bot.core.models import ID_CHARS, utcnow
from bot.db.base import Base

MAX_NICKNAME_CHARS = 24


class Workshop(Base):
    __tablename__ = "workshops"

    id = Column(String(32), primary_key=True)
    code = Column(String(16), nullable=False, unique=True)
    title = Column(String(120), nullable=False)
    language = Column(String(16), nullable=False)  # the trainer's
    lessons = Column(JSON, nullable=False)  # lesson ids, in teaching order
    created_by = Column(String(80), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # -1 before the first lesson is opened; then the index in `lessons` of the open one.
    current = Column(Integer, nullable=False, default=-1)
    quiz_closed = Column(Boolean, nullable=False, default=False, server_default=false())
    results_shown = Column(Boolean, nullable=False, default=False, server_default=false())
    ended_at = Column(DateTime(timezone=True), nullable=True)
    summary = Column(JSON, nullable=True)  # counts only, kept after the retention
    erased_at = Column(DateTime(timezone=True), nullable=True)


class Participant(Base):
    __tablename__ = "workshop_participants"

    id = Column(Integer, primary_key=True, autoincrement=True)
    workshop_id = Column(String(32), nullable=False, index=True)
    person_id = Column(String(ID_CHARS), nullable=False, index=True)
    conversation_id = Column(String(ID_CHARS), nullable=False, index=True)
    nickname = Column(String(MAX_NICKNAME_CHARS * 4), nullable=True)  # None: not chosen yet
    language = Column(String(16), nullable=False)
    channel = Column(String(32), nullable=False)
    joined_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    help_at = Column(DateTime(timezone=True), nullable=True)  # asked for help, not yet seen


class TrainerLink(Base):
    """A trainer's chat account (`person_id`, e.g. a Telegram user) linked to their admin
    account with a one-time code, so that they can lead workshops from the chat. The code
    is kept only as a hash, and only until it is used or expires."""

    __tablename__ = "trainer_links"

    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(Integer, ForeignKey("admin_users.id", ondelete="CASCADE"), nullable=False)
    code_hash = Column(String(64), nullable=True, unique=True)
    expires_at = Column(DateTime(timezone=True), nullable=True)
    person_id = Column(String(ID_CHARS), nullable=True, index=True)
    linked_at = Column(DateTime(timezone=True), nullable=True)
