"""Reading answers for the conversation, in the reply language with a fallback chain.

Every call reads the database, so an edited answer is served at the next message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content.models import Answer, Family, FamilyTitle, Topic
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
    # Of the answer's family: the source its answers cite (e.g. "gdi_statement"), and
    # whether the family is in the main menu.
    source: str | None
    in_menu: bool


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
            family = session.get(Family, topic.family)
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
                    source=family.source if family else None,
                    in_menu=family.in_menu if family else True,
                )
        return None

    def titles(self, topic_ids: list[str], language: str) -> dict[str, str]:
        """Button labels for topics, each in the best language available."""
        best = self._best_titles(
            Answer.topic_id, Answer.language, Answer.title, topic_ids, language
        )
        return {topic_id: best[topic_id] for topic_id in topic_ids if topic_id in best}

    def _best_titles(
        self, key: Column, lang_column: Column, title_column: Column, keys: list[str],
        language: str,
    ) -> dict[str, str]:  # fmt: skip
        """{key: title} in the best language of `language`'s fallback chain."""
        chain = fallback_chain(language)
        rank = {lang: i for i, lang in enumerate(chain)}
        best: dict[str, tuple[int, str]] = {}
        query = select(key, lang_column, title_column).where(key.in_(keys), lang_column.in_(chain))
        with Session(self._engine, future=True) as session:
            for found, lang, title in session.execute(query):
                if found not in best or rank[lang] < best[found][0]:
                    best[found] = (rank[lang], title)
        return {found: title for found, (_, title) in best.items()}

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

    def menu_families(self) -> list[str]:
        """The families the main menu shows, in catalogue order."""
        with Session(self._engine, future=True) as session:
            query = select(Family.id).where(Family.in_menu.is_(True)).order_by(Family.position)
            return list(session.scalars(query))

    def family_title(self, family: str, language: str) -> str:
        """The family's menu title in the best language available, else its id."""
        return self.family_titles([family], language)[family]

    def family_titles(self, families: list[str], language: str) -> dict[str, str]:
        """Menu titles of families, each in the best language available, else its id."""
        best = self._best_titles(
            FamilyTitle.family_id, FamilyTitle.language, FamilyTitle.title, families, language
        )
        return {family: best.get(family, family) for family in families}

    def topic_family(self, topic_id: str) -> str | None:
        with Session(self._engine, future=True) as session:
            topic = session.get(Topic, topic_id)
            return topic.family if topic else None
