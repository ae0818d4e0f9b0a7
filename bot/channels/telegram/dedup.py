"""Answering an update once, even when Telegram delivers it twice.

Telegram redelivers a webhook call it thinks failed, and a restart may fetch an update
again; both carry the same `update_id`. Remembering the most recent ids is enough: ids grow,
and a redelivery comes soon after the first delivery. With several instances behind a load
balancer (webhook mode), a redelivery may reach another instance: then the ids are
remembered in Redis, for a day.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Protocol

logger = logging.getLogger(__name__)

DEFAULT_REMEMBERED = 10_000
REDIS_REMEMBER_SECONDS = 24 * 3600


class UpdateLog(Protocol):
    async def first_time(self, update_id: int) -> bool: ...


class RecentUpdates:
    """The last `size` update ids seen."""

    def __init__(self, size: int = DEFAULT_REMEMBERED) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self._size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen, False for a repeat (then it is remembered anew)."""
        if update_id in self._seen:
            self._seen.move_to_end(update_id)
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)


class RedisUpdateLog:
    """Update ids seen by any instance sharing this Redis (and bot token)."""

    def __init__(self, url: str, token_tag: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._prefix = f"digibridge:tg-update:{token_tag}:"

    async def first_time(self, update_id: int) -> bool:
        from redis.exceptions import RedisError

        try:
            added = await self._redis.set(
                f"{self._prefix}{update_id}", b"1", nx=True, ex=REDIS_REMEMBER_SECONDS
            )
        except (RedisError, OSError) as error:
            logger.warning("Redis unavailable for duplicate checks: %s", type(error).__name__)
            return True  # better answer twice than not at all
        return bool(added)

    async def close(self) -> None:
        await self._redis.close()
