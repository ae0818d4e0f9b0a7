"""Talking to the Rasa server: messages through our gateway channel, health through the API."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.core.rasa_channel import CHANNEL_NAME, SECRET_HEADER

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = aiohttp.ClientTimeout(total=3)  # health probes: a hung server is a down one


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer in time."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float, channel_secret: str = "") -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._channel_secret = channel_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RasaClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("RasaClient is used outside `async with`")
        return self._session

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        """The bot's messages in answer to one user message."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            async with self.session.post(
                f"{self._base_url}/webhooks/{CHANNEL_NAME}/webhook",
                json=body,
                headers={SECRET_HEADER: self._channel_secret},
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                messages = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        if not isinstance(messages, list):
            raise RasaUnavailable("Rasa answered something that is not a list of messages")
        return messages

    async def tracker_events(self, sender: str) -> list[dict]:
        """Every stored event of a conversation (Rasa's HTTP API, behind the token)."""
        try:
            async with self.session.get(
                f"{self._base_url}/conversations/{quote(sender, safe='')}/tracker",
                params={"token": self._token, "include_events": "ALL"},
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                tracker = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        return list(tracker.get("events") or [])

    async def is_ready(self) -> bool:
        """True when Rasa answers and has a model loaded."""
        try:
            async with self.session.get(
                f"{self._base_url}/status", params={"token": self._token}, timeout=PROBE_TIMEOUT
            ) as response:
                if response.status != 200:
                    return False
                status = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return False
        return bool(status.get("model_id") or status.get("model_file"))


async def url_answers(session: aiohttp.ClientSession, url: str) -> bool:
    """True when `url` answers 200 (the action server's /health, for example)."""
    try:
        async with session.get(url, timeout=PROBE_TIMEOUT) as response:
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False
