"""Answers as editors change them: revisions, revert, the topic × language matrix.

The live answer is the `answers` row, read by the conversation at every message, so a
saved edit is served at the next message without retraining or restarting. Every version
is kept in `answer_revisions`; a revert saves an old version as the newest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.models import AnswerRevision, ContentConflict
from bot.content.files import answer_hash
from bot.content.models import Answer, Topic
from bot.content.validation import Problem, answer_problems, is_too_long
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

STATES = ("complete", "missing", "stale", "too_long", "not_needed")


class NotFound(LookupError):
    """No such topic, language or revision."""


class InvalidAnswer(ValueError):
    """The validator refused the answer; `problems` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Edit:
    """One answer to save, as an editor or an imported file gives it."""

    topic_id: str
    language: str
    text: str
    more: str | None = None
    title: str | None = None  # None: keep the current title

    def __post_init__(self) -> None:
        # Browsers post form text with CRLF line ends (as HTML says they must), spreadsheets
        # too; an answer's lines end with \n whoever wrote it.
        for name in ("text", "more", "title"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, value.replace("\r\n", "\n").replace("\r", "\n"))


def _fields(row: Answer | AnswerRevision) -> dict[str, Any]:
    return {"title": row.title, "text": row.text, "more": row.more}


def answer_state(row: Answer | None, english: Answer | None, not_needed: bool) -> str:
    if row is None:
        return "not_needed" if not_needed else "missing"
    if (
        row.language != DEFAULT_LANGUAGE
        and english is not None
        and row.source != answer_hash(english.title, english.text, english.more)
    ):
        return "stale"
    if is_too_long(row.title, row.text, row.more):
        return "too_long"
    return "complete"


def _as_json(row: Answer, state: str, conflict: ContentConflict | None) -> dict[str, Any]:
    return {
        "topic": row.topic_id,
        "language": row.language,
        "title": row.title,
        "text": row.text,
        "more": row.more,
        "revision": row.revision,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
        "edited_by": row.edited_by,
        "state": state,
        "conflict": None
        if conflict is None
        else {"title": conflict.title, "text": conflict.text, "more": conflict.more},
    }


def add_revision(session: Session, row: Answer, author: str, origin: str) -> None:
    session.add(
        AnswerRevision(
            topic_id=row.topic_id,
            language=row.language,
            revision=row.revision,
            title=row.title,
            text=row.text,
            more=row.more,
            source=row.source,
            author=author,
            origin=origin,
        )
    )


def has_revisions(session: Session, row: Answer) -> bool:
    query = select(AnswerRevision.id).where(
        AnswerRevision.topic_id == row.topic_id, AnswerRevision.language == row.language
    )
    return session.scalar(query.limit(1)) is not None


class AnswerEditor:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _topic(self, session: Session, topic_id: str, language: str) -> Topic:
        topic = session.get(Topic, topic_id)
        if topic is None:
            raise NotFound(f"unknown topic {topic_id!r}")
        if language not in SUPPORTED_LANGUAGES:
            raise NotFound(
                f"unknown language {language!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
            )
        return topic

    def get(self, topic_id: str, language: str) -> dict[str, Any]:
        with Session(self._engine, future=True) as session:
            topic = self._topic(session, topic_id, language)
            row = session.get(Answer, (topic_id, language))
            english = session.get(Answer, (topic_id, DEFAULT_LANGUAGE))
            conflict = session.get(ContentConflict, (topic_id, language))
            state = answer_state(row, english, language in (topic.no_translation_needed or []))
            if row is None:
                body: dict[str, Any] = {
                    "topic": topic_id, "language": language, "title": None, "text": None,
                    "more": None, "revision": 0, "updated_at": None, "edited_by": None,
                    "state": state, "conflict": None,
                }  # fmt: skip
            else:
                body = _as_json(row, state, conflict)
            body["family"] = topic.family
            body["settings"] = list(topic.settings or [])
            body["english"] = None if english is None else _fields(english)
            return body

    def save(self, edit: Edit, actor: str, origin: str = "interface") -> dict[str, Any]:
        """Validates and saves one answer as a new revision; the saved answer."""
        with Session(self._engine, future=True) as session, session.begin():
            self.apply(session, edit, actor, origin)
        return self.get(edit.topic_id, edit.language)

    def check(self, session: Session, edit: Edit) -> list[Problem]:
        """What the validator finds in an edit (the same check `content sync` makes)."""
        topic = self._topic(session, edit.topic_id, edit.language)
        row = session.get(Answer, (edit.topic_id, edit.language))
        title = edit.title if edit.title is not None else (row.title if row else "")
        return answer_problems(edit.topic_id, topic.settings or (), title, edit.text, edit.more)

    def apply(self, session: Session, edit: Edit, actor: str, origin: str) -> bool:
        """Saves an edit inside `session`; False when it changes nothing."""
        problems = self.check(session, edit)
        if problems:
            raise InvalidAnswer(problems)
        row = session.get(Answer, (edit.topic_id, edit.language))
        title = edit.title if edit.title is not None else (row.title if row else "")
        more = edit.more or None
        english = session.get(Answer, (edit.topic_id, DEFAULT_LANGUAGE))
        # A translator saving a translation has checked it against the English beside it.
        source = None
        if edit.language != DEFAULT_LANGUAGE and english is not None:
            source = answer_hash(english.title, english.text, english.more)
        new = {"title": title.strip(), "text": edit.text.strip(), "more": more and more.strip()}
        if row is not None and _fields(row) == new and row.source == source:
            return False
        before = None if row is None else _fields(row)
        if row is None:
            row = Answer(topic_id=edit.topic_id, language=edit.language, revision=0, **new)
            session.add(row)
        elif not has_revisions(session, row):  # loaded before revisions were kept
            add_revision(session, row, row.edited_by or "files", "files")
        for name, value in new.items():
            setattr(row, name, value)
        row.source = source
        row.revision = (row.revision or 0) + 1
        row.edited_by = actor
        session.flush()
        add_revision(session, row, actor, origin)
        audit.record(
            session, actor, f"answer.{origin}", f"{edit.topic_id}/{edit.language}", before, new
        )
        return True

    def revisions(self, topic_id: str, language: str) -> list[dict[str, Any]]:
        with Session(self._engine, future=True) as session:
            self._topic(session, topic_id, language)
            query = (
                select(AnswerRevision)
                .where(AnswerRevision.topic_id == topic_id, AnswerRevision.language == language)
                .order_by(AnswerRevision.revision.desc(), AnswerRevision.id.desc())
            )
            return [
                {"revision": r.revision, **_fields(r), "author": r.author, "origin": r.origin,
                 "created_at": r.created_at.isoformat()}
                for r in session.scalars(query)
            ]  # fmt: skip

    def revert(self, topic_id: str, language: str, revision: int, actor: str) -> dict[str, Any]:
        """Saves revision `revision`'s wording again, as the newest revision."""
        with Session(self._engine, future=True) as session, session.begin():
            self._topic(session, topic_id, language)
            old = session.scalar(
                select(AnswerRevision)
                .where(
                    AnswerRevision.topic_id == topic_id,
                    AnswerRevision.language == language,
                    AnswerRevision.revision == revision,
                )
                .order_by(AnswerRevision.id.desc())
                .limit(1)
            )
            if old is None:
                raise NotFound(f"{topic_id} [{language}] has no revision {revision}")
            edit = Edit(topic_id, language, old.text, old.more, old.title)
            self.apply(session, edit, actor, "revert")
        return self.get(topic_id, language)

    def set_not_needed(self, topic_id: str, language: str, value: bool, actor: str) -> None:
        """Marks that the English answer serves `language` as it is (or no longer does)."""
        with Session(self._engine, future=True) as session, session.begin():
            topic = self._topic(session, topic_id, language)
            before = sorted(topic.no_translation_needed or [])
            after = sorted(set(before) | {language} if value else set(before) - {language})
            if after != before:
                topic.no_translation_needed = after
                audit.record(session, actor, "topic.no_translation_needed", topic_id, before, after)

    def resolve_conflict(self, topic_id: str, language: str, keep: str, actor: str) -> None:
        """Ends a sync conflict: keep the interface's version, or take the files'."""
        with Session(self._engine, future=True) as session, session.begin():
            conflict = session.get(ContentConflict, (topic_id, language))
            if conflict is None:
                raise NotFound(f"{topic_id} [{language}] has no conflict")
            if keep == "files":
                edit = Edit(topic_id, language, conflict.text, conflict.more, conflict.title)
                self.apply(session, edit, actor, "files")
            elif keep != "interface":
                raise ValueError("keep must be 'interface' or 'files'")
            session.execute(
                delete(ContentConflict).where(
                    ContentConflict.topic_id == topic_id, ContentConflict.language == language
                )
            )
            audit.record(session, actor, "conflict.resolve", f"{topic_id}/{language}", None, keep)

    def topic_ids(self) -> list[str]:
        with Session(self._engine, future=True) as session:
            return list(session.scalars(select(Topic.id).order_by(Topic.position)))

    def matrix(self) -> list[dict[str, Any]]:
        """Every topic with the state of its answer in each language."""
        with Session(self._engine, future=True) as session:
            topics = list(session.scalars(select(Topic).order_by(Topic.position)))
            rows = {(a.topic_id, a.language): a for a in session.scalars(select(Answer))}
            conflicts = set(
                session.execute(select(ContentConflict.topic_id, ContentConflict.language))
            )
        result = []
        for topic in topics:
            english = rows.get((topic.id, DEFAULT_LANGUAGE))
            waived = set(topic.no_translation_needed or [])
            languages = {}
            for language in SUPPORTED_LANGUAGES:
                row = rows.get((topic.id, language))
                languages[language] = {
                    "state": answer_state(row, english, language in waived),
                    "revision": row.revision if row else 0,
                    "conflict": (topic.id, language) in conflicts,
                }
            result.append(
                {
                    "topic": topic.id,
                    "family": topic.family,
                    "title": english.title if english else topic.id,
                    "languages": languages,
                }
            )
        return result
