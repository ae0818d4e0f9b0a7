"""One turn at a time per conversation, here and across instances (Redis)."""

import asyncio
import time
import uuid

import pytest

from bot.core.locks import LocalLocks, LockTimeout, LockUnavailable, RedisLocks
from tests.integration.private_servers import private_redis

REDIS = "redis://127.0.0.1:6379/0"


async def _exclusive_and_timed(locks):
    key = f"conv-{uuid.uuid4().hex}"
    release = await locks.acquire(key, 1.0)
    with pytest.raises(LockTimeout):
        await locks.acquire(key, 0.2)
    other = await locks.acquire(f"{key}-other", 0.2)  # another conversation is not held up
    await other()
    waiter = asyncio.create_task(locks.acquire(key, 2.0))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await release()
    second = await asyncio.wait_for(waiter, 1.0)
    await second()


def test_local_locks_are_exclusive_and_forgotten_when_free():
    locks = LocalLocks()
    asyncio.run(_exclusive_and_timed(locks))
    assert len(locks) == 0


def test_redis_locks_are_shared_by_two_instances():
    async def run():
        first, second = RedisLocks(REDIS), RedisLocks(REDIS)
        try:
            key = f"conv-{uuid.uuid4().hex}"
            release = await first.acquire(key, 1.0)
            with pytest.raises(LockTimeout):
                await second.acquire(key, 0.2)
            await release()
            again = await second.acquire(key, 0.5)
            await again()
            await _exclusive_and_timed(first)
        finally:
            await first.close()
            await second.close()

    asyncio.run(run())


def test_redis_locks_refuse_quickly_while_redis_is_down_and_recover_by_themselves(caplog):
    async def run(server):
        locks = RedisLocks(server.url)
        try:
            held = await asyncio.gather(*(locks.acquire(f"c{i}", 1.0) for i in range(4)))
            await asyncio.gather(*(release() for release in held))  # four pooled connections
            release = await locks.acquire("conversation", 1.0)
            server.stop()
            await release()  # the turn is over all the same: logged, not raised
            assert "could not release a conversation lock" in caplog.text
            started = time.monotonic()
            with pytest.raises(LockUnavailable):
                await locks.acquire("conversation", 3.0)
            assert time.monotonic() - started < 1.0
            server.start()
            # Every pooled connection died with the old server; none may fail a turn now.
            releases = await asyncio.gather(*(locks.acquire(f"c{i}", 1.0) for i in range(4)))
            await asyncio.gather(*(release() for release in releases))
        finally:
            await locks.close()

    with private_redis() as server:
        asyncio.run(run(server))
