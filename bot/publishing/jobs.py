"""Publishing jobs in the database, so every gateway sees the same one and only one runs.

The worker writes its stage and progress here; the API reads them. A job whose worker
stopped writing (it died with its machine) is failed by the next publish.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.publishing.models import PublishJob, utcnow

TRAINING, CHECKING, SWAPPING, DONE, FAILED = "training", "checking", "swapping", "done", "failed"
FINISHED = (DONE, FAILED)
STALE_AFTER = timedelta(minutes=3)  # the worker writes at least every few seconds


class PublishRunning(RuntimeError):
    """Another publish has not finished yet."""

    def __init__(self, job: int | None) -> None:
        super().__init__("another publish is running")
        self.job = job


def as_json(job: PublishJob) -> dict[str, Any]:
    return {
        "job": job.id,
        "state": job.state,
        "progress": round(job.progress, 3),
        "message": job.message,
        "model": job.model,
        "created_by": job.created_by,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def running_job(session: Session) -> PublishJob | None:
    return session.scalars(select(PublishJob).where(PublishJob.running.is_not(None))).first()


def start(engine: Engine, actor: str) -> int:
    """A new job in state `training`; PublishRunning while another one runs."""
    with Session(engine, future=True) as session:
        with session.begin():
            stale = utcnow() - STALE_AFTER
            session.execute(
                update(PublishJob)
                .where(PublishJob.running.is_not(None), PublishJob.updated_at < stale)
                .values(state=FAILED, running=None, finished_at=utcnow(),
                        message="The publishing worker stopped without finishing.")
            )  # fmt: skip
        try:
            with session.begin():
                job = PublishJob(
                    state=TRAINING, progress=0.0, message="Starting", running=1, created_by=actor
                )
                session.add(job)
                session.flush()
                audit.record(session, actor, "model.publish", f"job {job.id}")
                return int(job.id)
        except IntegrityError:
            current = running_job(session)
            raise PublishRunning(current.id if current else None) from None


def report(
    engine: Engine,
    job_id: int,
    state: str | None = None,
    progress: float | None = None,
    message: str | None = None,
    model: str | None = None,
) -> None:
    values: dict[str, Any] = {"updated_at": utcnow()}
    if state is not None:
        values["state"] = state
        if state in FINISHED:
            values.update(running=None, finished_at=utcnow())
    if progress is not None:
        values["progress"] = max(0.0, min(1.0, progress))
    if message is not None:
        values["message"] = message
    if model is not None:
        values["model"] = model
    with Session(engine, future=True) as session, session.begin():
        # A finished job stays as it ended.
        session.execute(
            update(PublishJob)
            .where(PublishJob.id == job_id, PublishJob.state.not_in(FINISHED))
            .values(**values)
        )


def get(engine: Engine, job_id: int) -> dict[str, Any] | None:
    with Session(engine, future=True) as session:
        job = session.get(PublishJob, job_id)
        return as_json(job) if job is not None else None


def any_running(engine: Engine) -> int | None:
    with Session(engine, future=True) as session:
        job = running_job(session)
        return job.id if job is not None else None
