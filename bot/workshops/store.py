"""Workshops and their participants in the database: creating, joining, pacing, ending."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.models import utcnow
from bot.core.people import Speaker
from bot.lessons.models import LessonProgress
from bot.workshops.codes import new_code
from bot.workshops.models import MAX_NICKNAME_CHARS, Participant, Workshop

CODE_ATTEMPTS = 20


class WorkshopError(ValueError):
    """A trainer's request that can't be carried out; the message says why."""


@dataclass(frozen=True)
class WorkshopState:
    id: str
    code: str
    title: str
    language: str
    lessons: tuple[str, ...]
    created_by: str
    created_at: datetime
    current: int
    quiz_closed: bool
    results_shown: bool
    ended_at: datetime | None
    summary: dict | None

    @property
    def open(self) -> bool:
        return self.ended_at is None

    @property
    def current_lesson(self) -> str | None:
        return self.lessons[self.current] if 0 <= self.current < len(self.lessons) else None


@dataclass(frozen=True)
class Member:
    id: int
    workshop_id: str
    person_id: str
    conversation_id: str
    nickname: str | None
    language: str
    channel: str
    joined_at: datetime
    help_at: datetime | None


def _state(row: Workshop) -> WorkshopState:
    return WorkshopState(
        id=row.id,
        code=row.code,
        title=row.title,
        language=row.language,
        lessons=tuple(row.lessons or ()),
        created_by=row.created_by,
        created_at=row.created_at,
        current=row.current,
        quiz_closed=bool(row.quiz_closed),
        results_shown=bool(row.results_shown),
        ended_at=row.ended_at,
        summary=row.summary,
    )


def _member(row: Participant) -> Member:
    return Member(
        id=row.id,
        workshop_id=row.workshop_id,
        person_id=row.person_id,
        conversation_id=row.conversation_id,
        nickname=row.nickname,
        language=row.language,
        channel=row.channel,
        joined_at=row.joined_at,
        help_at=row.help_at,
    )


def clean_nickname(text: str) -> str | None:
    """A nickname as shown to the trainer: one line, trimmed; None when unusable."""
    nickname = " ".join(text.split())
    if not nickname or len(nickname) > MAX_NICKNAME_CHARS or nickname.startswith("/"):
        return None
    return nickname


class WorkshopStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self, title: str, lessons: list[str], language: str, created_by: str
    ) -> WorkshopState:
        for _ in range(CODE_ATTEMPTS):
            try:
                with Session(self._engine, future=True) as session, session.begin():
                    row = Workshop(
                        id=secrets.token_hex(8),
                        code=new_code(),
                        title=title,
                        language=language,
                        lessons=list(lessons),
                        created_by=created_by,
                        current=-1,
                    )
                    session.add(row)
                    session.flush()
                    return _state(row)
            except IntegrityError:  # the code is taken: draw another
                continue
        raise WorkshopError("could not find a free join code; try again")

    def get(self, workshop_id: str) -> WorkshopState | None:
        with Session(self._engine, future=True) as session:
            row = session.get(Workshop, workshop_id)
            return _state(row) if row is not None else None

    def by_code(self, code: str) -> WorkshopState | None:
        with Session(self._engine, future=True) as session:
            row = session.scalars(select(Workshop).where(Workshop.code == code)).first()
            return _state(row) if row is not None else None

    def listing(self, created_by: str | None = None) -> list[WorkshopState]:
        """Workshops, newest first; only a trainer's own when `created_by` is given."""
        with Session(self._engine, future=True) as session:
            query = select(Workshop).order_by(Workshop.created_at.desc())
            if created_by is not None:
                query = query.where(Workshop.created_by == created_by)
            return [_state(row) for row in session.scalars(query)]

    # Participants

    def membership(self, conversation_id: str) -> tuple[Member, WorkshopState] | None:
        """The open workshop this conversation takes part in, if any (the latest joined)."""
        with Session(self._engine, future=True) as session:
            query = (
                select(Participant, Workshop)
                .join(Workshop, Workshop.id == Participant.workshop_id)
                .where(Participant.conversation_id == conversation_id, Workshop.ended_at.is_(None))
                .order_by(Participant.id.desc())
                .limit(1)
            )
            found = session.execute(query).first()
            return (_member(found[0]), _state(found[1])) if found else None

    def join(self, speaker: Speaker, workshop_id: str, language: str) -> Member:
        """Adds the conversation to the workshop (again: it keeps its nickname)."""
        with Session(self._engine, future=True) as session, session.begin():
            row = session.scalars(
                select(Participant).where(
                    Participant.workshop_id == workshop_id,
                    Participant.conversation_id == speaker.conversation_id,
                )
            ).first()
            if row is None:
                row = Participant(
                    workshop_id=workshop_id,
                    person_id=speaker.person_id,
                    conversation_id=speaker.conversation_id,
                    channel=speaker.channel,
                    language=language,
                )
                session.add(row)
            row.language = language
            session.flush()
            return _member(row)

    def set_nickname(self, member_id: int, nickname: str) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            row = session.get(Participant, member_id)
            if row is not None:
                row.nickname = nickname

    def set_language(self, member_id: int, language: str) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            row = session.get(Participant, member_id)
            if row is not None and row.language != language:
                row.language = language

    def ask_help(self, member_id: int, asking: bool = True) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            row = session.get(Participant, member_id)
            if row is not None:
                row.help_at = utcnow() if asking else None

    def members(self, workshop_id: str) -> list[Member]:
        with Session(self._engine, future=True) as session:
            query = (
                select(Participant)
                .where(Participant.workshop_id == workshop_id)
                .order_by(Participant.id)
            )
            return [_member(row) for row in session.scalars(query)]

    # The trainer's pace

    def _change(self, workshop_id: str, **values: object) -> WorkshopState:
        with Session(self._engine, future=True) as session, session.begin():
            row = session.get(Workshop, workshop_id)
            if row is None:
                raise WorkshopError("no such workshop")
            if row.ended_at is not None:
                raise WorkshopError("the workshop has ended")
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return _state(row)

    def advance(self, workshop_id: str, lesson_index: int | None = None) -> WorkshopState:
        """Opens the next lesson (or the one at `lesson_index`) for everyone."""
        state = self.get(workshop_id)
        if state is None:
            raise WorkshopError("no such workshop")
        index = state.current + 1 if lesson_index is None else lesson_index
        if not 0 <= index < len(state.lessons):
            raise WorkshopError("there is no further lesson in this workshop")
        return self._change(workshop_id, current=index, quiz_closed=False, results_shown=False)

    def add_lesson(self, workshop_id: str, lesson_id: str) -> WorkshopState:
        """Adds a lesson at the end of the workshop's list (once)."""
        state = self.get(workshop_id)
        if state is None:
            raise WorkshopError("no such workshop")
        if lesson_id in state.lessons:
            return state
        return self._change(workshop_id, lessons=[*state.lessons, lesson_id])

    def close_quiz(self, workshop_id: str) -> WorkshopState:
        return self._change(workshop_id, quiz_closed=True)

    def show_results(self, workshop_id: str) -> WorkshopState:
        return self._change(workshop_id, results_shown=True)

    def end(self, workshop_id: str, summary: dict) -> WorkshopState:
        return self._change(workshop_id, ended_at=utcnow(), summary=summary)

    def erase_expired(self, retention_days: int) -> int:
        """Erases the participants and answers of workshops ended longer ago than the
        retention; the workshops keep their summaries. How many workshops."""
        if retention_days <= 0:
            return 0
        cutoff = utcnow() - timedelta(days=retention_days)
        with Session(self._engine, future=True) as session, session.begin():
            expired = list(
                session.scalars(
                    select(Workshop).where(
                        Workshop.ended_at.is_not(None),
                        Workshop.ended_at < cutoff,
                        Workshop.erased_at.is_(None),
                    )
                )
            )
            ids = [row.id for row in expired]
            if ids:
                session.execute(delete(Participant).where(Participant.workshop_id.in_(ids)))
                session.execute(delete(LessonProgress).where(LessonProgress.workshop_id.in_(ids)))
            for row in expired:
                row.erased_at = utcnow()
            return len(ids)
