"""Tables of the admin side.

Staff accounts and their sessions are not about the citizens the erasure covers; the review
queue and the usage counts hold no identifier of anyone (masked text, counts), so none of
these tables has a `person_id` (they are listed in `bot.core.erasure.NON_PERSONAL_TABLES`).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)

from bot.db.base import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AdminUser(Base):
    __tablename__ = "admin_users"

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    languages = Column(JSON, nullable=False, default=list)  # an editor's; empty: none
    password_hash = Column(String(200), nullable=False)
    must_change_password = Column(Boolean, nullable=False, default=True)
    interface_language = Column(String(16), nullable=True)
    disabled = Column(Boolean, nullable=False, default=False)
    failed_logins = Column(Integer, nullable=False, default=0)
    last_failed_login = Column(DateTime(timezone=True), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class AdminSession(Base):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "admin_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("admin_users.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ApiToken(Base):
    """A per-user token for scripts (`Authorization: Bearer …`); only its hash is kept."""

    __tablename__ = "api_tokens"

    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(Integer, ForeignKey("admin_users.id", ondelete="CASCADE"), nullable=False)
    label = Column(String(80), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_used = Column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """One change: who, when, what, before and after. Only ever inserted."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(64), nullable=False)
    target = Column(String(200), nullable=False)
    before = Column(JSON, nullable=True)
    after = Column(JSON, nullable=True)


class AnswerRevision(Base):
    """Every version an answer has had, newest highest; the live one is in `answers`."""

    __tablename__ = "answer_revisions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    topic_id = Column(String(64), nullable=False, index=True)
    language = Column(String(16), nullable=False)
    revision = Column(Integer, nullable=False)
    title = Column(String(120), nullable=False)
    text = Column(Text, nullable=False)
    more = Column(Text, nullable=True)
    source = Column(String(16), nullable=True)
    author = Column(String(64), nullable=False)
    origin = Column(String(16), nullable=False)  # files, interface, import, revert
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ContentConflict(Base):
    """A file's version of an answer that `content sync` did not apply because the answer
    had been changed in the interface since the last sync; a person decides."""

    __tablename__ = "content_conflicts"

    topic_id = Column(String(64), primary_key=True)
    language = Column(String(16), primary_key=True)
    title = Column(String(120), nullable=False)
    text = Column(Text, nullable=False)
    more = Column(Text, nullable=True)
    source = Column(String(16), nullable=True)
    found_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class LocalSetting(Base):
    """A deployment's local value set in the interface; it wins over the environment's."""

    __tablename__ = "local_settings"

    name = Column(String(32), primary_key=True)
    value = Column(String(300), nullable=False)
    updated_by = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class TrainingPhrase(Base):
    """A training example added in the interface, beside `data/nlu/` (published later)."""

    __tablename__ = "training_phrases"

    id = Column(Integer, primary_key=True, autoincrement=True)
    topic_id = Column(String(64), nullable=False, index=True)
    language = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)
    added_by = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ReviewItem(Base):
    """A message the assistant could not answer or was unsure about: masked text only,
    never who sent it; deleted after `DIGIBRIDGE_REVIEW_RETENTION_DAYS`."""

    __tablename__ = "review_items"

    id = Column(Integer, primary_key=True, autoincrement=True)
    language = Column(String(16), nullable=False, index=True)
    text = Column(Text, nullable=False)
    reason = Column(String(16), nullable=False)  # not_understood, unsure, not_this
    candidates = Column(JSON, nullable=False, default=list)
    vector = Column(LargeBinary, nullable=True)  # the sentence vector, once computed
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class DismissedText(Base):
    """A normalised text a reviewer dismissed: it is not queued again."""

    __tablename__ = "review_dismissed"

    text_hash = Column(String(64), primary_key=True)
    language = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class UsageEvent(Base):
    """One answered message, counted: hour, channel, language, outcome, topic. No text and
    no identifier of the person or conversation."""

    __tablename__ = "usage_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    hour = Column(DateTime(timezone=True), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    language = Column(String(16), nullable=False)
    outcome = Column(String(16), nullable=False)  # answered, asked_back, not_understood
    topic = Column(String(64), nullable=True)
    new_conversation = Column(Boolean, nullable=False, default=False)
    rephrase_of = Column(String(64), nullable=True)  # the topic whose answer missed
