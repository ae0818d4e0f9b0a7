"""Helpers for end-to-end tests: the real stack (`digibridge up`) with Telegram pointed at
the fake Bot API, and ways to see exactly what a user would see."""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.content.store import ContentStore
from bot.conversation import replies
from bot.db.engine import create_database_engine
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import SUPPORTED_LANGUAGES
from tests.integration.stack import Stack, start_stack
from tests.telegram.fake_bot_api import BOT_ID, TOKEN, FakeBotApi, Sent

STICKER = {
    "file_id": "CAACAgIAAxkBAAEB",
    "file_unique_id": "AgADAQAD",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}
TEXT_ONLY_TEXTS = {translate(language, texts.TEXT_ONLY) for language in SUPPORTED_LANGUAGES}
_chat_ids = itertools.count(70_001)


def new_chat() -> int:
    return next(_chat_ids)


@dataclass
class Running:
    stack: Stack
    api: FakeBotApi
    data_dir: Path

    @cached_property
    def store(self) -> ContentStore:
        return ContentStore(create_database_engine(f"sqlite:///{self.content_db}"))

    @property
    def content_db(self) -> Path:
        return self.data_dir / "digibridge.sqlite3"

    def shown(self, topic: str, language: str) -> str:
        """The whole answer as the user sees it: text, local settings said plainly, footer."""
        reply = replies.answer_topic(self.store, topic, language, {})
        assert reply is not None and reply.language == language
        return reply.text.strip()

    def started(self, language: str) -> str:
        """What /start shows: the greeting, then how to change language."""
        line = translate(language, texts.TELEGRAM_WELCOME_LANGUAGE)
        return f"{self.shown('greet', language)}\n\n{line}"

    def tracker_events(self, conversation: int | str) -> int:
        """Stored events of a private chat (its id) or a group member (`"<group>:<user>"`)."""
        with sqlite3.connect(self.data_dir / "tracker.sqlite3") as db:
            (count,) = db.execute(
                "SELECT count(*) FROM events WHERE sender_id = ?", (f"tg:{conversation}",)
            ).fetchone()
        return count

    def exchange(
        self, chat_id: int, *updates: dict, expect: int, group: bool = False
    ) -> list[Sent]:
        """Pushes `updates`, then a sticker in the same chat; returns what the bot sent before
        answering the sticker. Answers of one chat come in order, so the sticker's answer
        proves the updates before it got everything they will ever get."""
        api = self.api
        before = len(api.sent_to(chat_id))
        fields: dict = {"sticker": STICKER}
        if group:  # in a group only a reply to the bot is answered
            fields["reply_to_message"] = {
                "message_id": 1,
                "date": 0,
                "chat": api.chat(chat_id, "group"),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "DigiBridge"},
                "text": "an earlier answer",
            }
        sentinel = api.message(
            chat_id, None, "en", chat_type="group" if group else "private", **fields
        )
        api.push(*updates)
        api.push(sentinel)
        sent = api.wait_sent(chat_id, before + expect + 1)[before:]
        assert sent[-1].text in TEXT_ONLY_TEXTS, [s.text[:60] for s in sent]
        assert len(sent) == expect + 1, [s.text[:60] for s in sent]
        return sent[:-1]


def start_telegram_stack(data_dir: Path, extra_env: dict[str, str] | None = None) -> Running:
    api = FakeBotApi().start()
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "DIGIBRIDGE_TELEGRAM_API_URL": api.base_url}
    try:
        stack = start_stack(data_dir, {**env, **(extra_env or {})})
    except Exception:
        api.stop()
        raise
    return Running(stack, api, data_dir)


def stop_telegram_stack(running: Running) -> int:
    try:
        return running.stack.stop()
    finally:
        running.api.stop()
