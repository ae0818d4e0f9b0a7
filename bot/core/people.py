"""Reading and writing what the core keeps about people (`bot.core.models`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.core.models import Conversation, OutboxMessage, utcnow

MAX_WAITING_MESSAGES = 50  # per person; older ones are dropped first


@dataclass(frozen=True)
class Speaker:
    """Who is talking, on which channel, and where the channel delivers to them.

    `person_id` names the person on the channel (erasure works on it); `conversation_id`
    is Rasa's sender id, one per person and chat (a group member has their own).
    """

    channel: str
    person_id: str
    conversation_id: str
    address: str
    hint: tuple[str, ...] = ()


class PeopleStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def seen(self, speaker: Speaker, language: str) -> None:
        """Records a turn: the conversation exists, its language, when it was last used."""
        with Session(self._engine, future=True) as session, session.begin():
            row = _conversation(session, speaker)
            row.language = language
            row.last_seen = utcnow()

    def voice(self, conversation_id: str) -> bool:
        """Whether answers in this conversation come with their speech unasked."""
        with Session(self._engine, future=True) as session:
            row = session.get(Conversation, conversation_id)
            return bool(row is not None and row.voice)

    def set_voice(self, speaker: Speaker, on: bool) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            row = _conversation(session, speaker)
            row.voice = on

    def exists(self, conversation_id: str) -> bool:
        with Session(self._engine, future=True) as session:
            return session.get(Conversation, conversation_id) is not None

    def language(self, conversation_id: str) -> str | None:
        """The language of the conversation's last reply, if there was one."""
        with Session(self._engine, future=True) as session:
            row = session.get(Conversation, conversation_id)
            return row.language if row is not None else None

    def conversations(self, person_id: str) -> list[Conversation]:
        with Session(self._engine, future=True, expire_on_commit=False) as session:
            query = select(Conversation).where(Conversation.person_id == person_id)
            return list(session.scalars(query))

    def inactive_since(self, before: datetime) -> list[str]:
        """People whose every conversation was last used before `before`."""
        with Session(self._engine, future=True) as session:
            query = (
                select(Conversation.person_id)
                .group_by(Conversation.person_id)
                .having(func.max(Conversation.last_seen) < before)
            )
            return list(session.scalars(query))

    def queue(self, person_id: str, messages: list[dict[str, Any]]) -> None:
        """Keeps messages for a channel that fetches them (the web chat)."""
        with Session(self._engine, future=True) as session, session.begin():
            session.add_all(OutboxMessage(person_id=person_id, message=m) for m in messages)
            session.flush()
            ids = select(OutboxMessage.id).where(OutboxMessage.person_id == person_id)
            keep = list(session.scalars(ids.order_by(OutboxMessage.id.desc())))
            if len(keep) > MAX_WAITING_MESSAGES:
                session.execute(
                    delete(OutboxMessage).where(OutboxMessage.id.in_(keep[MAX_WAITING_MESSAGES:]))
                )

    def take_waiting(self, person_id: str) -> list[dict[str, Any]]:
        """The messages waiting for a person, oldest first; they are then gone."""
        with Session(self._engine, future=True) as session, session.begin():
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.person_id == person_id)
                    .order_by(OutboxMessage.id)
                )
            )
            for row in rows:
                session.delete(row)
            return [row.message for row in rows]


def _conversation(session: Session, speaker: Speaker) -> Conversation:
    row = session.get(Conversation, speaker.conversation_id)
    if row is None:
        row = Conversation(
            id=speaker.conversation_id,
            person_id=speaker.person_id,
            channel=speaker.channel,
            address=speaker.address,
        )
        session.add(row)
    return row


def retention_cutoff(days: int) -> datetime | None:
    return utcnow() - timedelta(days=days) if days > 0 else None
