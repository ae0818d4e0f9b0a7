"""What is kept of a person's lessons and self-checks, so that a lesson resumes later.

Both tables have `person_id`: `/forget` erases them with everything else.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, String

from bot.core.models import ID_CHARS, utcnow
from bot.db.base import Base


class LessonProgress(Base):
    """Where a person is in one lesson (alone, or in a workshop), and the answers given."""

    __tablename__ = "lesson_progress"

    id = Column(Integer, primary_key=True, autoincrement=True)
    person_id = Column(String(ID_CHARS), nullable=False, index=True)
    conversation_id = Column(String(ID_CHARS), nullable=False, index=True)
    workshop_id = Column(String(32), nullable=True, index=True)
    lesson_id = Column(String(64), nullable=False)
    step = Column(Integer, nullable=False, default=1)  # 1..steps; past them, the quiz
    question = Column(String(32), nullable=True)  # the quiz question shown, if any
    answers = Column(JSON, nullable=False, default=dict)  # question id -> option id
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = Column(DateTime(timezone=True), nullable=True)


class SelfCheckResult(Base):
    """One taking of the self-check: the answers, and when it was finished."""

    __tablename__ = "selfcheck_results"

    id = Column(Integer, primary_key=True, autoincrement=True)
    person_id = Column(String(ID_CHARS), nullable=False, index=True)
    conversation_id = Column(String(ID_CHARS), nullable=False, index=True)
    answers = Column(JSON, nullable=False, default=dict)  # question id -> option id
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = Column(DateTime(timezone=True), nullable=True)


class LessonText(Base):
    """A lesson's text in one language as edited in the admin interface (or imported),
    in the shape of `data/lessons/<lang>.yml`; it is served instead of the file's. The
    item is a lesson id, `selfcheck` or `areas`."""

    __tablename__ = "lesson_texts"

    item = Column(String(64), primary_key=True)
    language = Column(String(16), primary_key=True)
    document = Column(JSON, nullable=False)
    updated_by = Column(String(80), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
