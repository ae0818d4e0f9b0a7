"""The channel interface: what a way of reaching people must do, and the registry of them.

A channel turns its own traffic (HTTP requests, Telegram updates) into calls to the
`Assistant` and shows the replies; the assistant calls `deliver` to reach a person unasked.
Adding a channel is one module with a class like this and one line in `bot.channels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.core.messages import Reply


class Channel(Protocol):
    name: str  # the prefix of its person ids, e.g. "web", "tg"

    def attach(self, app: web.Application) -> None:
        """Adds the channel's routes (if any) to the gateway's web application."""

    async def start(self) -> None:
        """Starts receiving; must not block (connect in the background)."""

    async def stop(self) -> None:
        """Stops receiving and frees what it holds."""

    async def deliver(self, person_id: str, address: str, replies: Sequence[Reply]) -> bool:
        """Sends replies to a person unasked; False if the channel could not."""


class ChannelRegistry:
    """The channels this process runs, by name."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}

    def add(self, channel: Channel) -> None:
        if channel.name in self._channels:
            raise ValueError(f"two channels named {channel.name!r}")
        self._channels[channel.name] = channel

    def get(self, name: str) -> Channel | None:
        return self._channels.get(name)

    def __iter__(self):  # noqa: ANN204 - an iterator of channels
        return iter(list(self._channels.values()))
