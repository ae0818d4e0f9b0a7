"""Loading the content files into the database, idempotently, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content.files import CONTENT_DIR, load_content
from bot.content.models import Answer, Topic


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        lines = [
            f"{len(self.added)} added, {len(self.changed)} changed, {self.unchanged} unchanged"
        ]
        lines += [f"  added   {item}" for item in self.added]
        lines += [f"  changed {item}" for item in self.changed]
        return "\n".join(lines)


def sync_content(engine: Engine, root: Path = CONTENT_DIR) -> SyncReport:
    """Makes the database hold what the files say; a broken file changes nothing."""
    content = load_content(root)  # raises ContentError before anything is written
    report = SyncReport()
    with Session(engine, future=True) as session, session.begin():
        existing_topics = {t.id: t for t in session.scalars(select(Topic))}
        for entry in content.topics.values():
            values = {
                "family": entry.family,
                "position": entry.position,
                "related": list(entry.related),
                "settings": list(entry.settings),
            }
            topic = existing_topics.get(entry.id)
            if topic is None:
                session.add(Topic(id=entry.id, **values))
                report.added.append(f"topic {entry.id}")
            elif any(getattr(topic, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(topic, key, value)
                report.changed.append(f"topic {entry.id}")
            else:
                report.unchanged += 1
        existing = {(a.topic_id, a.language): a for a in session.scalars(select(Answer))}
        for entry in content.answers:
            values = {
                "title": entry.title,
                "text": entry.text,
                "more": entry.more,
                "source": entry.source,
            }
            name = f"{entry.topic_id} [{entry.language}]"
            answer = existing.get((entry.topic_id, entry.language))
            if answer is None:
                session.add(Answer(topic_id=entry.topic_id, language=entry.language, **values))
                report.added.append(name)
            elif any(getattr(answer, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(answer, key, value)
                report.changed.append(name)
            else:
                report.unchanged += 1
    return report


def has_content(engine: Engine) -> bool:
    with Session(engine, future=True) as session:
        return bool(session.scalar(select(func.count()).select_from(Answer)))
