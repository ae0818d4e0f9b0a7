"""Loading the content files into the database, idempotently, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin.answers import add_revision, has_revisions
from bot.admin.models import ContentConflict
from bot.content.files import CONTENT_DIR, AnswerEntry, answer_hash, load_content
from bot.content.models import Answer, Base, Family, FamilyTitle, Topic

# How the report names a row of each table, from its primary key.
_ROW_NAMES: dict[type[Base], str] = {
    Family: "family {id}",
    FamilyTitle: "family title {family_id} [{language}]",
    Topic: "topic {id}",
    Answer: "{topic_id} [{language}]",
}


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    # Answers changed in the interface and in the files since the last sync: the
    # interface's version stays live, the files' waits in `content_conflicts`.
    conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{len(self.added)} added, {len(self.changed)} changed, {self.unchanged} unchanged"
            + (f", {len(self.conflicts)} in conflict" if self.conflicts else "")
        ]
        lines += [f"  added   {item}" for item in self.added]
        lines += [f"  changed {item}" for item in self.changed]
        lines += [
            f"  conflict {item}: changed in the interface and in the files; the interface's "
            "version stays until someone chooses in /admin"
            for item in self.conflicts
        ]
        return "\n".join(lines)


def _version(values: dict[str, Any]) -> str:
    return answer_hash(values["title"], values["text"], values["more"]) + (values["source"] or "")


def _sync_answer(
    session: Session, report: SyncReport, row: Answer | None, entry: AnswerEntry
) -> None:
    """Applies the files' answer unless the interface changed it since the last sync."""
    name = _ROW_NAMES[Answer].format(topic_id=entry.topic_id, language=entry.language)
    values = {"title": entry.title, "text": entry.text, "more": entry.more, "source": entry.source}
    version = _version(values)
    key = (entry.topic_id, entry.language)
    if row is None:
        row = Answer(topic_id=entry.topic_id, language=entry.language, revision=1,
                     synced_hash=version, **values)  # fmt: skip
        session.add(row)
        add_revision(session, row, "files", "files")
        report.added.append(name)
        return
    current = {"title": row.title, "text": row.text, "more": row.more, "source": row.source}
    if current == values:
        if row.edited_by is not None or row.synced_hash != version:  # edits committed back
            row.edited_by, row.synced_hash = None, version
            session.execute(
                delete(ContentConflict).where(
                    ContentConflict.topic_id == key[0], ContentConflict.language == key[1]
                )
            )
        report.unchanged += 1
        return
    if row.edited_by is not None:
        if version != row.synced_hash:  # the files changed too: a person decides
            conflict = session.get(ContentConflict, key) or ContentConflict(
                topic_id=key[0], language=key[1], title="", text=""
            )
            for field_name, value in values.items():
                setattr(conflict, field_name, value)
            session.merge(conflict)
            report.conflicts.append(name)
        else:
            report.unchanged += 1  # the files are only behind the interface
        return
    if session.get(ContentConflict, key) is None and not has_revisions(session, row):
        add_revision(session, row, "files", "files")  # the version before this sync
    for field_name, value in values.items():
        setattr(row, field_name, value)
    row.revision = (row.revision or 0) + 1
    row.synced_hash = version
    add_revision(session, row, "files", "files")
    report.changed.append(name)


def sync_content(engine: Engine, root: Path = CONTENT_DIR) -> SyncReport:
    """Makes the database hold what the files say; a broken file changes nothing."""
    content = load_content(root)  # raises ContentError before anything is written
    report = SyncReport()
    with Session(engine, future=True) as session, session.begin():
        families = {f.id: f for f in session.scalars(select(Family))}
        for family in content.families.values():
            values = {
                "position": family.position,
                "source": family.source,
                "in_menu": family.in_menu,
            }
            _upsert(session, report, families.get(family.id), Family, {"id": family.id}, values)
        session.flush()  # the families exist before their titles refer to them
        titles = {(t.family_id, t.language): t for t in session.scalars(select(FamilyTitle))}
        for title in content.family_titles:
            key = {"family_id": title.family, "language": title.language}
            values = {"title": title.title, "source": title.source}
            row = titles.get((title.family, title.language))
            _upsert(session, report, row, FamilyTitle, key, values)
        topics = {t.id: t for t in session.scalars(select(Topic))}
        for entry in content.topics.values():
            values = {
                "family": entry.family,
                "position": entry.position,
                "related": list(entry.related),
                "settings": list(entry.settings),
            }
            _upsert(session, report, topics.get(entry.id), Topic, {"id": entry.id}, values)
        answers = {(a.topic_id, a.language): a for a in session.scalars(select(Answer))}
        for entry in content.answers:
            _sync_answer(session, report, answers.get((entry.topic_id, entry.language)), entry)
    return report


def _upsert(
    session: Session,
    report: SyncReport,
    row: Base | None,
    model: type[Base],
    key: dict[str, str],
    values: dict[str, Any],
) -> None:
    """Adds the row if it is missing, else updates it where it differs from `values`."""
    if row is None:
        session.add(model(**key, **values))
        report.added.append(_ROW_NAMES[model].format(**key))
    elif any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        report.changed.append(_ROW_NAMES[model].format(**key))
    else:
        report.unchanged += 1


def has_content(engine: Engine) -> bool:
    with Session(engine, future=True) as session:
        return bool(session.scalar(select(func.count()).select_from(Answer)))
