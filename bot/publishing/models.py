"""The model registry and the publishing jobs.

Nothing here is about a citizen (staff names as the audit log has them), so neither table
has a `person_id` (both are in `bot.core.erasure.NON_PERSONAL_TABLES`).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, String, Text

from bot.db.base import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TrainedModel(Base):
    """A model archive in the models folder, and what it was made from and with."""

    __tablename__ = "trained_models"

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(80), nullable=False, unique=True)  # the file, without .tar.gz
    fingerprint = Column(String(32), nullable=False)  # everything that shaped it
    repository_fingerprint = Column(String(32), nullable=False)  # the project's files
    data_fingerprint = Column(String(32), nullable=False)  # training examples only
    versions = Column(JSON, nullable=False)  # library versions pickled into it
    phrases = Column(Integer, nullable=False, default=0)  # added in the interface
    accuracy = Column(JSON, nullable=True)  # per language, on the held-out set
    finetuned = Column(Boolean, nullable=False, default=False)
    training_seconds = Column(Float, nullable=True)
    created_by = Column(String(80), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    activated_at = Column(DateTime(timezone=True), nullable=True)  # latest: serving


class PublishJob(Base):
    """One publish: its stage, for the page and the API, and who asked for it."""

    __tablename__ = "publish_jobs"

    id = Column(Integer, primary_key=True, autoincrement=True)
    state = Column(String(16), nullable=False)  # training checking swapping done failed
    progress = Column(Float, nullable=False, default=0.0)
    message = Column(Text, nullable=False, default="")
    model = Column(String(80), nullable=True)
    # 1 while the job runs, NULL after: the unique index admits one running job at a time,
    # whichever gateway asks.
    running = Column(Integer, nullable=True, unique=True)
    created_by = Column(String(80), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = Column(DateTime(timezone=True), nullable=True)
