"""Database tables of the content store."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Column, DateTime, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Topic(Base):
    __tablename__ = "topics"

    id = Column(String(64), primary_key=True)
    family = Column(String(32), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    related = Column(JSON, nullable=False, default=list)
    settings = Column(JSON, nullable=False, default=list)


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
