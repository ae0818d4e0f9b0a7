"""Updates of one chat answered in order; different chats served at the same time.

python-telegram-bot either handles updates one by one (a slow answer for one citizen holds
up everyone) or all at once (two quick messages of one citizen may be answered in the wrong
order). This update processor chains the updates of each chat and runs chains concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_MAX_CONCURRENT_UPDATES = 1024


def chat_key(update: object) -> int | None:
    """The chat an update belongs to, if any."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Each update waits for the previous update of its chat; chats don't wait for each other.

    `max_concurrent_updates` bounds the updates in progress or waiting their turn, so it is
    set high: a chat's waiting updates hold a slot each.
    """

    def __init__(self, max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Event] = {}
        self._received: dict[int, float] = {}

    def received_at(self, update: object) -> float | None:
        """When an update in progress arrived (event-loop time), so that an update that
        waited its turn can still be answered within the same deadline."""
        if isinstance(update, Update):
            return self._received.get(update.update_id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None:
            self._received.setdefault(update_id, asyncio.get_running_loop().time())
        key = chat_key(update)
        try:
            if key is None:
                await coroutine
            else:
                await self._in_turn(key, coroutine)
        finally:
            if update_id is not None:
                self._received.pop(update_id, None)

    async def _in_turn(self, key: int, coroutine: Awaitable[Any]) -> None:
        previous = self._last.get(key)
        done = asyncio.Event()
        self._last[key] = done
        try:
            if previous is not None:
                await previous.wait()
            await coroutine
        except asyncio.CancelledError:
            close = getattr(coroutine, "close", None)
            if close is not None:
                close()  # never started: avoid "coroutine was never awaited"
            raise
        finally:
            done.set()
            if self._last.get(key) is done:
                del self._last[key]

    @property
    def chats_in_progress(self) -> int:
        """Chats with an update being answered or waiting (for tests and metrics)."""
        return len(self._last)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: Application.stop waits for the updates in progress."""
