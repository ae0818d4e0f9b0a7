"""An unsaved answer as people would see it: in the web chat and on Telegram, with its
placeholders filled from the local settings, and what the validator says of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin.answers import NotFound
from bot.channels.telegram.rendering import escape, split_message
from bot.content.models import Answer, Family, Topic
from bot.content.store import ContentStore
from bot.content.validation import answer_problems
from bot.conversation import replies
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import SUPPORTED_LANGUAGES


def preview(
    engine: Engine, topic_id: str, language: str, title: str | None, text: str,
    more: str | None, local_values: dict[str, str],
) -> dict[str, Any]:  # fmt: skip
    with Session(engine, future=True) as session:
        topic = session.get(Topic, topic_id)
        if topic is None or language not in SUPPORTED_LANGUAGES:
            raise NotFound(f"unknown topic or language: {topic_id} [{language}]")
        family = session.get(Family, topic.family)
        row = session.get(Answer, (topic_id, language))
        related = list(topic.related or [])[: replies.MAX_RELATED_BUTTONS]
        settings = list(topic.settings or [])
    title = title if title is not None else (row.title if row else "")
    problems = answer_problems(topic_id, settings, title, text, more)
    shown = replies.render(text, language, local_values)
    footer = replies.SOURCE_FOOTERS.get(family.source if family else None)
    if footer:
        shown = f"{shown}\n\n{translate(language, footer)}"
    buttons = [translate(language, texts.TELL_ME_MORE)] if more and more.strip() else []
    titles = ContentStore(engine).titles(related, language)
    buttons += [titles[t] for t in related if t in titles]
    buttons.append(translate(language, texts.MAIN_MENU))
    return {
        "problems": [p.__dict__ for p in problems],
        "title": title,
        "chars": {"title": len(title), "text": len(text), "more": len(more or "")},
        "web": {"text": shown, "buttons": buttons},
        "telegram": {
            "messages": [escape(part) for part in split_message(shown)],
            "buttons": buttons,
        },  # fmt: skip
        "more": replies.render(more, language, local_values) if more else None,
        "settings": settings,
    }
