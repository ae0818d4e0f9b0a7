"""A web conversation as Rasa stored it, turned back into what the person saw."""

from __future__ import annotations

from typing import Any

from bot.core.messages import Reply
from bot.i18n.locales import DEFAULT_LANGUAGE


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
            reply = Reply.from_rasa(
                {
                    "custom": data.get("custom"),
                    "text": event.get("text"),
                    "buttons": data.get("buttons"),
                },
                DEFAULT_LANGUAGE,
            )
            if reply is not None:
                turns.append({"role": "assistant", **reply.as_json()})
    return turns
