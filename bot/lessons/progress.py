"""Reading and writing a person's place in lessons and their self-checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.core.models import utcnow
from bot.core.people import Speaker
from bot.lessons.models import LessonProgress, SelfCheckResult


@dataclass(frozen=True)
class Position:
    """Where a person is in a lesson: a step (1..steps), or a quiz question."""

    lesson_id: str
    step: int
    question: str | None
    answers: dict[str, str] = field(default_factory=dict)
    finished: bool = False
    workshop_id: str | None = None


@dataclass(frozen=True)
class SelfCheck:
    answers: dict[str, str]
    finished_at: datetime | None


def _position(row: LessonProgress) -> Position:
    return Position(
        lesson_id=row.lesson_id,
        step=row.step,
        question=row.question,
        answers=dict(row.answers or {}),
        finished=row.finished_at is not None,
        workshop_id=row.workshop_id,
    )


class ProgressStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _row(
        self, session: Session, conversation_id: str, lesson_id: str, workshop_id: str | None
    ) -> LessonProgress | None:
        query = select(LessonProgress).where(
            LessonProgress.conversation_id == conversation_id,
            LessonProgress.lesson_id == lesson_id,
            LessonProgress.workshop_id.is_(None)
            if workshop_id is None
            else LessonProgress.workshop_id == workshop_id,
        )
        return session.scalars(query.order_by(LessonProgress.id.desc()).limit(1)).first()

    def position(
        self, conversation_id: str, lesson_id: str, workshop_id: str | None = None
    ) -> Position | None:
        with Session(self._engine, future=True) as session:
            row = self._row(session, conversation_id, lesson_id, workshop_id)
            return _position(row) if row is not None else None

    def unfinished(self, conversation_id: str) -> Position | None:
        """The lesson taken alone that was left last, unfinished: the menu offers to resume it."""
        with Session(self._engine, future=True) as session:
            query = (
                select(LessonProgress)
                .where(
                    LessonProgress.conversation_id == conversation_id,
                    LessonProgress.workshop_id.is_(None),
                    LessonProgress.finished_at.is_(None),
                )
                .order_by(LessonProgress.updated_at.desc())
                .limit(1)
            )
            row = session.scalars(query).first()
            return _position(row) if row is not None else None

    def move(
        self,
        speaker: Speaker,
        lesson_id: str,
        workshop_id: str | None,
        step: int,
        question: str | None = None,
        restart: bool = False,
    ) -> Position:
        """Records the step or question now shown; `restart` forgets an earlier attempt."""
        with Session(self._engine, future=True) as session, session.begin():
            row = self._row(session, speaker.conversation_id, lesson_id, workshop_id)
            if row is None or (restart and row.finished_at is not None):
                row = LessonProgress(
                    person_id=speaker.person_id,
                    conversation_id=speaker.conversation_id,
                    workshop_id=workshop_id,
                    lesson_id=lesson_id,
                    answers={},
                )
                session.add(row)
            row.step = step
            row.question = question
            row.updated_at = utcnow()
            session.flush()
            return _position(row)

    def answer(
        self, speaker: Speaker, lesson_id: str, workshop_id: str | None, question: str,
        option: str, last: bool,
    ) -> Position:  # fmt: skip
        """Records an answer (a second answer to the same question replaces the first)."""
        with Session(self._engine, future=True) as session, session.begin():
            row = self._row(session, speaker.conversation_id, lesson_id, workshop_id)
            if row is None:
                row = LessonProgress(
                    person_id=speaker.person_id,
                    conversation_id=speaker.conversation_id,
                    workshop_id=workshop_id,
                    lesson_id=lesson_id,
                    step=0,
                    answers={},
                )
                session.add(row)
            row.answers = {**(row.answers or {}), question: option}
            row.question = question
            row.updated_at = utcnow()
            if last:
                row.finished_at = row.finished_at or utcnow()
            session.flush()
            return _position(row)

    def workshop_positions(self, workshop_id: str) -> dict[str, list[Position]]:
        """Every participant's positions in a workshop, by conversation."""
        with Session(self._engine, future=True) as session:
            rows = session.scalars(
                select(LessonProgress)
                .where(LessonProgress.workshop_id == workshop_id)
                .order_by(LessonProgress.id)
            )
            positions: dict[str, list[Position]] = {}
            for row in rows:
                positions.setdefault(row.conversation_id, []).append(_position(row))
            return positions

    # The self-check

    def selfcheck_answer(self, speaker: Speaker, question: str, option: str, last: bool) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            row = session.scalars(
                select(SelfCheckResult)
                .where(
                    SelfCheckResult.conversation_id == speaker.conversation_id,
                    SelfCheckResult.finished_at.is_(None),
                )
                .order_by(SelfCheckResult.id.desc())
                .limit(1)
            ).first()
            if row is None:
                row = SelfCheckResult(
                    person_id=speaker.person_id,
                    conversation_id=speaker.conversation_id,
                    answers={},
                )
                session.add(row)
            row.answers = {**(row.answers or {}), question: option}
            if last:
                row.finished_at = utcnow()

    def selfchecks(self, conversation_id: str) -> list[SelfCheck]:
        """The self-checks taken to the end, oldest first."""
        with Session(self._engine, future=True) as session:
            rows = session.scalars(
                select(SelfCheckResult)
                .where(
                    SelfCheckResult.conversation_id == conversation_id,
                    SelfCheckResult.finished_at.is_not(None),
                )
                .order_by(SelfCheckResult.finished_at)
            )
            return [SelfCheck(dict(r.answers or {}), r.finished_at) for r in rows]
