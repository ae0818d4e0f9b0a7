"""The gateway's web application for tests that need no Rasa process: the core is real
(people store, erasure, locks, lessons and workshops on a temporary SQLite file) but Rasa
answers nothing."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.channels.web import WebChannel
from bot.content.store import ContentStore
from bot.content.sync import sync_content
from bot.core.assistant import Assistant
from bot.core.build import learning_chat
from bot.core.erasure import Eraser
from bot.core.locks import LocalLocks
from bot.core.people import PeopleStore
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade
from bot.dialogue import payload_intents
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.workshops.links import TrainerLinks
from bot.workshops.pacing import Pacing
from bot.workshops.trainer_chat import TrainerChat


class SilentRasa:
    """Stands in for the Rasa servers where a test looks only at the gateway's own work."""

    channel_secret = ""
    token = ""
    clients: list = []
    urls: list = []

    async def send(self, sender, text, metadata):
        return []

    async def is_ready(self):
        return False


def gateway_app(settings: Settings, data_dir: Path) -> web.Application:
    engine = create_database_engine(settings.content_database_url)  # the admin side's too
    upgrade(engine, load_content=False)
    sync_content(engine)
    people = PeopleStore(engine)
    assistant = Assistant(
        SilentRasa(),
        people,
        Eraser(engine, f"sqlite:///{data_dir / 'tracker.sqlite3'}"),
        LocalLocks(),
        payload_intents(),
        settings.reply_timeout,
        learning=learning_chat(engine, ContentStore(engine)),
    )
    assistant.trainer = TrainerChat(Pacing(assistant), TrainerLinks(engine))
    assistant.channels.add(WebChannel(people))
    return create_app(settings, SilentRasa(), assistant)
