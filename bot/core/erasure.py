"""Erasing a person: one call that covers every store the project has.

Project tables are found, not listed: every table of the project's metadata with a
`person_id` column is erased by it. Rasa's tracker store (its own `events` table, possibly
in another database) is erased for each of the person's conversations.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import MetaData, Table, create_engine, delete, inspect
from sqlalchemy.engine import Engine

from bot.db.migrations.models import metadata

PERSON_COLUMN = "person_id"
TRACKER_EVENTS_TABLE = "events"  # Rasa's SQLTrackerStore
# Tables with nothing about any citizen in them: content, and the admin side (staff
# accounts; review texts masked and never linked to a sender; counts without identifiers;
# the model registry and publishing jobs; workshops, which name only their trainer).
NON_PERSONAL_TABLES = frozenset(
    {"topics", "answers", "families", "family_titles", "admin_users", "admin_sessions",
     "api_tokens", "audit_log", "answer_revisions", "content_conflicts", "local_settings",
     "training_phrases", "review_items", "review_dismissed", "usage_events",
     "trained_models", "publish_jobs", "workshops", "lesson_texts"}
)  # fmt: skip


def personal_tables() -> list[Table]:
    return [t for t in metadata().sorted_tables if PERSON_COLUMN in t.columns]


class Eraser:
    def __init__(self, engine: Engine, tracker_store_url: str) -> None:
        self._engine = engine
        self._tracker_url = tracker_store_url

    @cached_property
    def _tracker_engine(self) -> Engine:
        if self._tracker_url == str(self._engine.url):
            return self._engine
        return create_engine(self._tracker_url, future=True)

    def erase(self, person_id: str, conversation_ids: list[str]) -> int:
        """Deletes every row about the person; the number of rows deleted."""
        deleted = self._erase_tracker(conversation_ids)
        with self._engine.begin() as connection:
            for table in personal_tables():
                deleted += connection.execute(
                    delete(table).where(table.c[PERSON_COLUMN] == person_id)
                ).rowcount
        return deleted

    def _erase_tracker(self, conversation_ids: list[str]) -> int:
        engine = self._tracker_engine
        if not conversation_ids or not inspect(engine).has_table(TRACKER_EVENTS_TABLE):
            return 0
        events = Table(TRACKER_EVENTS_TABLE, MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            return connection.execute(
                delete(events).where(events.c.sender_id.in_(conversation_ids))
            ).rowcount

    def close(self) -> None:
        if "_tracker_engine" in self.__dict__ and self._tracker_engine is not self._engine:
            self._tracker_engine.dispose()
