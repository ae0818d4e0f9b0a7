"""The lessons as served: the files of `data/lessons/`, with the texts edited in the admin
interface (or imported) over them. Every change is checked by the same loader as the
files, recorded in the audit log, and seen by every gateway within a few seconds."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.content.files import CONTENT_DIR
from bot.core.models import utcnow
from bot.lessons.catalogue import (
    AREAS_ITEM,
    LESSONS_DIR,
    SELFCHECK_ITEM,
    Lessons,
    Overrides,
    load_lessons,
)
from bot.lessons.models import LessonText

REFRESH_SECONDS = 5.0


class LessonLibrary:
    def __init__(
        self,
        engine: Engine,
        root: Path = LESSONS_DIR,
        content: Path = CONTENT_DIR,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._engine = engine
        self._root = root
        self._content = content
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._lessons: Lessons | None = None
        self._stamp: tuple[int, object] | None = None
        self._checked = 0.0

    def items(self) -> list[str]:
        return [*self.current().catalogue, SELFCHECK_ITEM, AREAS_ITEM]

    def overrides(self) -> Overrides:
        with Session(self._engine, future=True) as session:
            rows = session.scalars(select(LessonText))
            return {(row.item, row.language): row.document for row in rows}

    def _db_stamp(self) -> tuple[int, object]:
        with Session(self._engine, future=True) as session:
            count, latest = session.execute(
                select(func.count(), func.max(LessonText.updated_at))
            ).one()
            return count, latest

    def current(self) -> Lessons:
        """The lessons now; the database is looked at again at most every few seconds."""
        with self._lock:
            now = time.monotonic()
            if self._lessons is not None and now - self._checked < self._refresh:
                return self._lessons
            stamp = self._db_stamp()
            if self._lessons is None or stamp != self._stamp:
                self._lessons = load_lessons(self._root, self._content, self.overrides())
                self._stamp = stamp
            self._checked = now
            return self._lessons

    def document(self, item: str, language: str) -> dict[str, Any]:
        """The text of an item in a language as served (English where that language has
        none), in the shape of `data/lessons/<lang>.yml`."""
        lessons = self.current()
        if item == AREAS_ITEM:
            return {area: lessons.area_name(area, language) for area in lessons.area_names["en"]}
        if item == SELFCHECK_ITEM:
            return {
                q.id: _question_document(lessons.selfcheck_text(q.id, language))
                for q in lessons.selfcheck
            }
        text = lessons.text(item, language)
        return {
            "title": text.title,
            "summary": text.summary,
            "steps": list(text.steps),
            "quiz": {qid: _question_document(q) for qid, q in text.questions.items()},
        }

    def has_own(self, item: str, language: str) -> bool:
        """Whether `language` has its own text of `item` (not the English one shown)."""
        lessons = self.current()
        if item == AREAS_ITEM:
            return len(lessons.area_names.get(language, {})) == len(lessons.area_names["en"])
        if item == SELFCHECK_ITEM:
            return len(lessons.selfcheck_texts.get(language, {})) == len(lessons.selfcheck)
        return item in lessons.texts.get(language, {})

    def save(self, changes: dict[tuple[str, str], dict[str, Any]], actor: str) -> Lessons:
        """Serves the changed texts, after checking the whole with them (ContentError)."""
        merged = {**self.overrides(), **changes}
        checked = load_lessons(self._root, self._content, merged)
        with Session(self._engine, future=True) as session, session.begin():
            for (item, language), document in changes.items():
                row = session.get(LessonText, (item, language))
                before = row.document if row is not None else None
                if row is None:
                    row = LessonText(item=item, language=language)
                    session.add(row)
                row.document = document
                row.updated_by = actor
                row.updated_at = utcnow()
                audit.record(session, actor, "lesson.edit", f"{item}/{language}", before, document)
        self._invalidate()
        return checked

    def revert(self, item: str, language: str, actor: str) -> bool:
        """Serves the file's text again; False when there was no edit."""
        with Session(self._engine, future=True) as session, session.begin():
            row = session.get(LessonText, (item, language))
            if row is None:
                return False
            audit.record(session, actor, "lesson.revert", f"{item}/{language}", row.document)
            session.execute(
                delete(LessonText).where(LessonText.item == item, LessonText.language == language)
            )
        self._invalidate()
        return True

    def _invalidate(self) -> None:
        with self._lock:
            self._checked = 0.0


def _question_document(text: Any) -> dict[str, Any]:
    return {
        "question": text.question,
        "options": dict(text.options),
        "feedback": dict(text.feedback),
    }
