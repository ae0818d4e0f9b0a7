"""One user turn as the actions see it, without Rasa types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.i18n.detect import Vocabulary
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.i18n.reply_language import decide_reply_language

# Intents that are never offered as "Did you mean…?" choices.
NOT_CLARIFIABLE = frozenset(
    {"nlu_fallback", "out_of_scope", "more", "answer", "not_this", "greet", "goodbye",
     "thanks", "change_language"}
)  # fmt: skip


@dataclass(frozen=True)
class Turn:
    intent: str | None
    text: str
    entities: dict[str, str]
    intent_ranking: list[tuple[str, float]]
    metadata: dict[str, Any]
    slots: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_parse_data(cls, latest_message: dict[str, Any], slots: dict[str, Any]) -> Turn:
        """From Rasa's `tracker.latest_message` and `tracker.slots`."""
        intent = (latest_message.get("intent") or {}).get("name")
        entities = {
            str(e.get("entity")): str(e.get("value"))
            for e in latest_message.get("entities") or []
            if e.get("entity") and e.get("value") is not None
        }
        ranking = [
            (str(item.get("name")), float(item.get("confidence") or 0.0))
            for item in latest_message.get("intent_ranking") or []
            if item.get("name")
        ]
        return cls(
            intent=intent,
            text=latest_message.get("text") or "",
            entities=entities,
            intent_ranking=ranking,
            metadata=latest_message.get("metadata") or {},
            slots=dict(slots),
        )

    @property
    def is_button(self) -> bool:
        """A button press (`/intent{...}` payload) carries no language of its own."""
        return self.text.startswith("/")

    def reply_language(self, vocabulary: Vocabulary | None = None) -> str:
        return decide_reply_language(
            preference=self.slots.get("language"),
            text="" if self.is_button else self.text,
            previous=self.slots.get("conversation_language"),
            hint=self.metadata.get("locale_hint"),
            vocabulary=vocabulary,
        )

    def requested_language_entity(self) -> str | None:
        value = self.entities.get("language")
        return value if value in SUPPORTED_LANGUAGES else None

    def clarification_candidates(self) -> list[str]:
        """The likeliest intents, most likely first, that are worth offering."""
        return [name for name, _ in self.intent_ranking if name not in NOT_CLARIFIABLE]
