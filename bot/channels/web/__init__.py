"""The web chat: its page and widget, its JSON API, and delivery to a browser session.

A browser cannot be reached unasked, so messages delivered to a web session wait in the
outbox until the page fetches them (`POST /api/inbox`, which the page polls while open).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.core.messages import Reply
from bot.core.people import PeopleStore

STATIC_DIR = Path(__file__).parent / "static"


class WebChannel:
    name = "web"

    def __init__(self, people: PeopleStore) -> None:
        self._people = people

    def attach(self, app: web.Application) -> None:
        from bot.channels.web.routes import add_routes

        app[WEB_CHANNEL] = self
        add_routes(app)

    async def start(self) -> None:
        """Nothing to connect: browsers come to us."""

    async def stop(self) -> None:
        """Nothing to close."""

    async def deliver(self, person_id: str, address: str, replies: Sequence[Reply]) -> bool:
        messages = [reply.as_json() for reply in replies]
        await asyncio.get_running_loop().run_in_executor(
            None, self._people.queue, person_id, messages
        )
        return True

    async def take_waiting(self, person_id: str) -> list[dict[str, Any]]:
        return await asyncio.get_running_loop().run_in_executor(
            None, self._people.take_waiting, person_id
        )


WEB_CHANNEL = web.AppKey("web_channel", WebChannel)
