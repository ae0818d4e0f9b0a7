"""One turn at a time per conversation, and no erasure while a turn is in flight.

Rasa's own lock store only orders messages inside Rasa, and erasing beside it would race
with a turn that writes the conversation back. The core holds this lock for the whole of
a turn (until Rasa has saved it, even when the user was already told it took too long)
and for the erasure. In one process an asyncio lock does; across instances (when
`DIGIBRIDGE_REDIS_URL` is set) a Redis lock does, with an expiry so a dead instance
cannot hold a conversation for ever.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

logger = logging.getLogger(__name__)

Release = Callable[[], Awaitable[None]]
REDIS_LOCK_SECONDS = 120.0  # longer than any turn (the Rasa call has its own limit)
REDIS_POLL_SECONDS = 0.02
# A Redis that stops answering must not hold a message past the reply timeout: each
# command gives up after this long (redis-py's own timeouts).
REDIS_TIMEOUT = 0.5


def redis_options() -> dict[str, object]:
    """redis-py settings for a Redis that may stop and start again: commands give up after
    REDIS_TIMEOUT, and a command on a pooled connection that died with the old server is
    sent once more on a new one (else each such connection fails once after a restart)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return {
        "socket_connect_timeout": REDIS_TIMEOUT,
        "socket_timeout": REDIS_TIMEOUT,
        "retry": Retry(NoBackoff(), 1),
        "retry_on_error": [RedisConnectionError],
    }


class LockTimeout(RuntimeError):
    """The conversation stayed busy for longer than the caller could wait."""


class LockUnavailable(LockTimeout):
    """Redis could not be asked: nobody can tell whether the conversation is free, so the
    turn is refused (the person is told there is trouble) rather than run unlocked."""


class ConversationLocks(Protocol):
    async def acquire(self, key: str, wait: float) -> Release: ...

    async def close(self) -> None: ...


class LocalLocks:
    """Locks of one process; a lock is dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: str, wait: float) -> Release:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            await asyncio.wait_for(lock.acquire(), wait)
        except asyncio.TimeoutError:
            self._drop(key)
            raise LockTimeout(key) from None
        except BaseException:
            self._drop(key)
            raise

        async def release() -> None:
            lock.release()
            self._drop(key)

        return release

    def _drop(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    async def close(self) -> None:
        """Nothing to free."""

    def __len__(self) -> int:
        return len(self._locks)


class RedisLocks:
    """Locks shared by every instance using the same Redis."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, **redis_options())

    async def acquire(self, key: str, wait: float) -> Release:
        from redis.exceptions import LockError, RedisError

        name = "digibridge:lock:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        lock = self._redis.lock(
            name, timeout=REDIS_LOCK_SECONDS, sleep=REDIS_POLL_SECONDS, blocking_timeout=wait
        )
        try:
            acquired = await lock.acquire()
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            # Redis is down: say so (LockTimeout's kind) instead of a 500.
            raise LockUnavailable(type(error).__name__) from None
        if not acquired:
            raise LockTimeout(key)

        async def release() -> None:
            try:
                await lock.release()
            except LockError:
                logger.warning("a conversation lock expired before its turn ended")
            except (RedisError, OSError, asyncio.TimeoutError) as error:
                # Redis went away during the turn; the turn is over all the same, and the
                # lock expires by itself (REDIS_LOCK_SECONDS) if Redis kept it.
                logger.warning("could not release a conversation lock: %s", type(error).__name__)

        return release

    async def close(self) -> None:
        await self._redis.close()


def conversation_locks(redis_url: str) -> ConversationLocks:
    return RedisLocks(redis_url) if redis_url else LocalLocks()
