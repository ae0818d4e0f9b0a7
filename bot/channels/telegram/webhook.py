"""The webhook endpoint: Telegram's calls, checked and fed into the Application's queue.

Telegram sends the secret given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`; a call
without it, or with another, did not come from Telegram and is refused (403), compared in
constant time so the secret cannot be guessed from response times.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class WebhookEndpoint:
    """An aiohttp handler for `POST <webhook path>`."""

    def __init__(self, application: Application, secret: str) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret")
        self._application = application
        self._secret = secret.encode("utf-8")

    async def __call__(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self._secret):
            logger.warning("webhook call without the right secret token: refused (403)")
            return web.Response(status=403, text="Forbidden")
        if not self._application.running:
            # Starting or stopping: Telegram keeps the update and calls again later.
            return web.Response(status=503, text="Starting")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self._application.bot)
        except Exception:  # noqa: BLE001 - anything unreadable is the caller's error
            return web.Response(status=400, text="Not a Telegram update")
        if update is None:
            return web.Response(status=400, text="Not a Telegram update")
        await self._application.update_queue.put(update)
        return web.Response(status=200)
