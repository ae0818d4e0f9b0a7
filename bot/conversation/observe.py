"""What each turn leaves for the admin side: a usage count, and for a message the
assistant could not answer well, a masked entry in the review queue."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.admin import review, usage
from bot.conversation.replies import NOT_THIS_INTENT
from bot.conversation.turn import Turn
from bot.core.messages import Reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Before:
    """The conversation before this turn, from the tracker's events."""

    new_conversation: bool  # this is the first message of the session
    topic: str | None  # of the last answer
    text: str | None  # the person's previous message


def before_turn(events: Sequence[dict[str, Any]]) -> Before:
    users, topic, text = 0, None, None
    for event in reversed(events):
        kind = event.get("event")
        if kind == "session_started":
            break
        if kind == "user":
            users += 1
            if users == 2 and text is None:
                text = event.get("text")
        elif kind == "bot" and users == 1 and topic is None:
            topic = ((event.get("data") or {}).get("custom") or {}).get("topic")
    return Before(new_conversation=users <= 1, topic=topic, text=text)


def outcome(turn: Turn, replies: Sequence[Reply]) -> tuple[str, str | None]:
    """(answered | asked_back | not_understood, topic answered)."""
    topics = [r.topic for r in replies]
    if turn.intent == NOT_THIS_INTENT or (topics and topics[-1] is None):
        return "asked_back", None
    if not topics or topics[-1] == "out_of_scope" or turn.intent == "nlu_fallback":
        return "not_understood", None
    return "answered", topics[-1]


def observe(
    engine: Engine, turn: Turn, replies: Sequence[Reply], language: str, before: Before
) -> None:
    """Records the turn; a failure here is logged and never costs the person their answer."""
    kind, topic = outcome(turn, replies)
    rephrase_of = before.topic if turn.intent == NOT_THIS_INTENT or (
        not turn.is_button and kind != "answered"
    ) else None  # fmt: skip
    channel = str(turn.metadata.get("channel") or "unknown")
    try:
        with Session(engine, future=True) as session, session.begin():  # one write a turn
            usage.record(
                session, channel, language, kind, topic, before.new_conversation, rephrase_of
            )
            if turn.intent == NOT_THIS_INTENT and before.text and not before.text.startswith("/"):
                candidates = [t for t in turn.entities.get("topics", "").split(",") if t]
                review.record(session, language, before.text, "not_this", candidates)
            elif not turn.is_button and kind != "answered":
                reason = "unsure" if kind == "asked_back" else "not_understood"
                candidates = turn.clarification_candidates()
                review.record(session, language, turn.text, reason, candidates)
    except SQLAlchemyError as error:
        logger.warning("could not record a turn for the admin side: %s", type(error).__name__)
