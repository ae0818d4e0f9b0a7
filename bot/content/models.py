"""Database tables of the content store."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text

from bot.db.base import Base


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Family(Base):
    """A family of topics: a main-menu entry unless `in_menu` is false."""

    __tablename__ = "families"

    id = Column(String(32), primary_key=True)
    position = Column(Integer, nullable=False)
    # The source its answers cite, shown under each of them (e.g. "gdi_statement").
    source = Column(String(64), nullable=True)
    in_menu = Column(Boolean, nullable=False, default=True)


class FamilyTitle(Base):
    """A family's menu title in one language."""

    __tablename__ = "family_titles"

    family_id = Column(String(32), ForeignKey("families.id"), primary_key=True)
    language = Column(String(16), primary_key=True)
    title = Column(String(60), nullable=False)
    # Hash of the English title this translation was last checked against.
    source = Column(String(16), nullable=True)


class Topic(Base):
    """A topic of the catalogue."""

    __tablename__ = "topics"

    id = Column(String(64), primary_key=True)
    family = Column(String(32), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    related = Column(JSON, nullable=False, default=list)
    settings = Column(JSON, nullable=False, default=list)
    # Languages in which an administrator marked that the English answer serves as it is.
    no_translation_needed = Column(JSON, nullable=False, default=list)


class Answer(Base):
    __tablename__ = "answers"

    topic_id = Column(String(64), primary_key=True)
    language = Column(String(16), primary_key=True)
    title = Column(String(120), nullable=False)
    text = Column(Text, nullable=False)
    more = Column(Text, nullable=True)
    # Hash of the English answer this translation was last checked against.
    source = Column(String(16), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)
    revision = Column(Integer, nullable=False, default=1)
    # Who last changed it in the interface; None while it is what the files say.
    edited_by = Column(String(64), nullable=True)
    # Hash of the files' version last loaded by `content sync` (to tell interface edits apart).
    synced_hash = Column(String(16), nullable=True)
