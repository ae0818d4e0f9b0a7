"""A user's conversation as stored by Rasa: reading it back, and erasing it on request.

Everything we keep about a user (chosen language, last topic, messages) lives in Rasa's
tracker store, keyed by sender id, so erasing that sender's events erases it all.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, delete, inspect
from sqlalchemy.engine import Engine

from bot.gateway.chat_api import to_api_message

TRACKER_EVENTS_TABLE = "events"  # Rasa's SQLTrackerStore


class ConversationEraser:
    def __init__(self, tracker_store_url: str) -> None:
        self._url = tracker_store_url

    @cached_property
    def _engine(self) -> Engine:
        return create_engine(self._url, future=True)

    def erase(self, sender_id: str) -> int:
        """Deletes every stored event of `sender_id`; the number of events deleted."""
        if not inspect(self._engine).has_table(TRACKER_EVENTS_TABLE):
            return 0
        events = Table(TRACKER_EVENTS_TABLE, MetaData(), autoload_with=self._engine)
        with self._engine.begin() as connection:
            return connection.execute(
                delete(events).where(events.c.sender_id == sender_id)
            ).rowcount

    def close(self) -> None:
        if "_engine" in self.__dict__:
            self._engine.dispose()


def history_from_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The visible turns of a tracker: what the user typed (or the button they pressed,
    as it was shown) and what the assistant answered, in the chat API's format."""
    turns: list[dict[str, Any]] = []
    for event in events:
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            text = metadata.get("display") or event.get("text") or ""
            if text:
                turns.append({"role": "user", "text": text})
        elif event.get("event") == "bot":
            data = event.get("data") or {}
            message = to_api_message(
                {
                    "custom": data.get("custom"),
                    "text": event.get("text"),
                    "buttons": data.get("buttons"),
                },
                "en",
            )
            if message is not None:
                turns.append({"role": "assistant", **message})
    return turns
