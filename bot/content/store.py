"""Reading answers for the conversation, in the reply language with a fallback chain.

Every call reads the database, so an edited answer is served at the next message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content.models import Answer, Topic
from bot.i18n.locales import fallback_chain


@dataclass(frozen=True)
class ServedAnswer:
    topic_id: str
    family: str
    language: str
    title: str
    text: str
    more: str | None
    related: tuple[str, ...]


class ContentStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def answer(self, topic_id: str, language: str) -> ServedAnswer | None:
        """The topic's answer in `language`, else the nearest fallback (`pt-BR`→`pt`→`en`)."""
        chain = fallback_chain(language)
        with Session(self._engine, future=True) as session:
            topic = session.get(Topic, topic_id)
            if topic is None:
                return None
            rows = {
                row.language: row
                for row in session.scalars(
                    select(Answer).where(Answer.topic_id == topic_id, Answer.language.in_(chain))
                )
            }
        for candidate in chain:
            row = rows.get(candidate)
            if row is not None:
                return ServedAnswer(
                    topic_id=topic.id,
                    family=topic.family,
                    language=row.language,
                    title=row.title,
                    text=row.text,
                    more=row.more,
                    related=tuple(topic.related or ()),
                )
        return None

    def titles(self, topic_ids: list[str], language: str) -> dict[str, str]:
        """Button labels for topics, each in the best language available."""
        chain = fallback_chain(language)
        rank = {lang: i for i, lang in enumerate(chain)}
        best: dict[str, tuple[int, str]] = {}
        with Session(self._engine, future=True) as session:
            query = select(Answer.topic_id, Answer.language, Answer.title).where(
                Answer.topic_id.in_(topic_ids), Answer.language.in_(chain)
            )
            for topic_id, lang, title in session.execute(query):
                if topic_id not in best or rank[lang] < best[topic_id][0]:
                    best[topic_id] = (rank[lang], title)
        return {topic_id: best[topic_id][1] for topic_id in topic_ids if topic_id in best}

    def family_topics(self, family: str) -> list[str]:
        with Session(self._engine, future=True) as session:
            query = select(Topic.id).where(Topic.family == family).order_by(Topic.position)
            return list(session.scalars(query))

    def families(self) -> list[str]:
        """Families in menu order (the order of the catalogue)."""
        with Session(self._engine, future=True) as session:
            rows = session.execute(select(Topic.family, Topic.position).order_by(Topic.position))
            ordered: list[str] = []
            for family, _ in rows:
                if family not in ordered:
                    ordered.append(family)
            return ordered

    def topic_family(self, topic_id: str) -> str | None:
        with Session(self._engine, future=True) as session:
            topic = session.get(Topic, topic_id)
            return topic.family if topic else None
