"""The assistant's replies as every channel receives them: text, buttons, topic, language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    language: str
    topic: str | None = None
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    # Which answer text this is ("topic", or "topic/more"): channels offer "Listen" for it.
    listen: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The reply as the chat API shows it (and as actions send it through Rasa); `listen`
        only where there is an answer to read aloud."""
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
            "topic": self.topic,
            "language": self.language,
        }
        if self.listen:
            data["listen"] = self.listen
        return data

    @classmethod
    def from_json(cls, data: object, fallback_language: str) -> Reply | None:
        """A reply from its JSON form; None when `data` is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return None
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in data.get("buttons") or []
            if isinstance(b, dict)
        )
        topic = data.get("topic")
        language = data.get("language")
        listen = data.get("listen")
        return cls(
            text=data["text"],
            language=language if isinstance(language, str) and language else fallback_language,
            topic=topic if isinstance(topic, str) else None,
            buttons=buttons,
            listen=listen if isinstance(listen, str) and listen else None,
        )

    @classmethod
    def from_rasa(cls, message: dict[str, Any], fallback_language: str) -> Reply | None:
        """A message of Rasa's output channel; our actions send everything as `custom`."""
        custom = message.get("custom")
        if isinstance(custom, dict):
            return cls.from_json(custom, fallback_language)
        if isinstance(message.get("text"), str):
            return cls.from_json(
                {"text": message["text"], "buttons": message.get("buttons")}, fallback_language
            )
        return None
