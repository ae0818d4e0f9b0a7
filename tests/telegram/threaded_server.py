"""An aiohttp server on its own thread and event loop, so synchronous tests and other
processes can talk to it while it runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
START_TIMEOUT = 10


class ThreadedServer:
    """Subclasses fill `self.app` (an aiohttp Application) before `start()`."""

    def __init__(self, port: int = 0) -> None:
        self.app = web.Application()
        self.loop = asyncio.new_event_loop()
        self.port = port
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> ThreadedServer:
        self._thread.start()
        self.run(self._start())
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = START_TIMEOUT) -> T:
        """Runs a coroutine on the server's loop and returns its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=START_TIMEOUT)

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"
