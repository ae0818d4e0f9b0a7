"""Talking to the Rasa servers: messages through our gateway channel, health through the API.

With several Rasa servers (sharing the tracker store and Redis lock store), each message
goes to the server with the fewest messages in flight, ties broken by the conversation so
it stays on one server while they are idle. A server busy loading a new model collects
messages in flight, so the next ones go to the other. A message is retried on another
server only when it never reached the first (refused connection), so nothing is answered
twice.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.core.rasa_channel import CHANNEL_NAME, SECRET_HEADER

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = aiohttp.ClientTimeout(total=3)  # health probes: a hung server is a down one


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer in time.

    `reached` is False when the request never got to the server (so it can go to another).
    """

    def __init__(self, message: str, reached: bool = True) -> None:
        super().__init__(message)
        self.reached = reached


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
    def base_url(self) -> str:
        return self._base_url

    @property
    def token(self) -> str:
        return self._token

    @property
    def channel_secret(self) -> str:
        return self._channel_secret

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
        except aiohttp.ClientConnectorError as error:
            raise RasaUnavailable(type(error).__name__, reached=False) from error
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

    async def _status(self) -> dict[str, Any]:
        """Rasa's `/status` (the model it serves); empty when it does not answer."""
        try:
            async with self.session.get(
                f"{self._base_url}/status", params={"token": self._token}, timeout=PROBE_TIMEOUT
            ) as response:
                if response.status != 200:
                    return {}
                status = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return {}
        return status if isinstance(status, dict) else {}

    async def served_model(self) -> str | None:
        """The file name of the model this server answers with; None when it can't say."""
        return (await self._status()).get("model_file")

    async def is_ready(self) -> bool:
        """True when Rasa answers and has a model loaded."""
        status = await self._status()
        return bool(status.get("model_id") or status.get("model_file"))


class RasaPool:
    """The Rasa servers behind the gateway, used as one (see the module's docstring)."""

    def __init__(self, clients: Sequence[RasaClient]) -> None:
        if not clients:
            raise ValueError("at least one Rasa server")
        self.clients = list(clients)
        self._in_flight = [0] * len(self.clients)

    async def __aenter__(self) -> RasaPool:
        for client in self.clients:
            await client.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for client in self.clients:
            await client.__aexit__(*exc_info)

    @property
    def session(self) -> aiohttp.ClientSession:
        return self.clients[0].session

    @property
    def urls(self) -> list[str]:
        return [client.base_url for client in self.clients]

    @property
    def token(self) -> str:
        return self.clients[0].token

    @property
    def channel_secret(self) -> str:
        return self.clients[0].channel_secret

    def _order(self, sender: str) -> list[int]:
        first = zlib.crc32(sender.encode()) % len(self.clients)
        rotation = [(first + i) % len(self.clients) for i in range(len(self.clients))]
        return sorted(rotation, key=lambda i: self._in_flight[i])  # stable: ties keep rotation

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        unreached: RasaUnavailable | None = None
        for index in self._order(sender):
            self._in_flight[index] += 1
            try:
                return await self.clients[index].send(sender, text, metadata)
            except RasaUnavailable as error:
                if error.reached:
                    raise
                unreached = error
            finally:
                self._in_flight[index] -= 1
        assert unreached is not None
        raise unreached

    async def tracker_events(self, sender: str) -> list[dict]:
        failure: RasaUnavailable | None = None
        for index in self._order(sender):
            try:
                return await self.clients[index].tracker_events(sender)
            except RasaUnavailable as error:
                failure = error
        assert failure is not None
        raise failure

    async def readiness(self) -> list[bool]:
        return list(await asyncio.gather(*(client.is_ready() for client in self.clients)))

    async def is_ready(self) -> bool:
        """True when at least one server can answer."""
        return any(await self.readiness())


async def url_answers(session: aiohttp.ClientSession, url: str) -> bool:
    """True when `url` answers 200 (the action server's /health, for example)."""
    try:
        async with session.get(url, timeout=PROBE_TIMEOUT) as response:
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False
