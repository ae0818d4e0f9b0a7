"""A stand-in for Rasa's gateway channel (`bot.core.rasa_channel`), to test what the channel
does when Rasa is slow, down or back, without a trained model."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

from bot.i18n.locales import negotiate
from tests.telegram.threaded_server import ThreadedServer

SLOW = "⏳ 1234"  # no language of its own: the user's Telegram language decides
CHANNEL_SECRET = "fake-rasa-channel-secret"  # noqa: S105 - a test value
SLOW_SECONDS = 30


class FakeRasa(ThreadedServer):
    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.app.router.add_post("/webhooks/gateway/webhook", self._webhook)

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.headers.get("X-DigiBridge-Secret") != CHANNEL_SECRET:
            return web.json_response({"error": "unauthorised"}, status=401)
        body = await request.json()
        with self.lock:
            self.received.append(body)
        if self.down:
            return web.Response(status=500, text="down")
        if body["message"] == SLOW:
            await asyncio.sleep(SLOW_SECONDS)
        hint = (body.get("metadata") or {}).get("locale_hint") or []
        return web.json_response(
            [
                {
                    "custom": {
                        "text": f"echo: {body['message']}",
                        "buttons": [{"title": "Menu", "payload": "/help"}],
                        "topic": "echo",
                        "language": negotiate(hint) or "en",
                    }
                }
            ]
        )
