"""Rate limits: one session or one address sending too fast is slowed down, others are not.

The gateway's own app is being rewired elsewhere, so these tests build a small app with the
module's middlewares and a handler that answers JSON, the way the gateway stacks them.
"""

import asyncio
import json
import logging
import socket
import uuid

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.channels.web.forwarded import forwarded_middlewares
from bot.channels.web.ratelimit import (
    KEY_PREFIX,
    RATE_LIMITER,
    RedisRateLimiter,
    TokenBuckets,
    WebRateLimiter,
    _sender_and_language,
    close_rate_limiter,
    rate_limits,
)
from bot.gateway.keys import SETTINGS
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.settings import Settings

ALICE = "a" * 22
BOB = "b" * 22
REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def too_fast(language: str = "en") -> dict:
    return {"error": {"code": "too_fast", "message": translate(language, texts.TOO_FAST)}}


BAD_JSON = {"error": {"code": "bad_json", "message": "The body is not JSON."}}


async def handler(request: web.Request) -> web.Response:
    """Stands in for the chat API: decides itself what a body it cannot read deserves."""
    if request.method == "POST":
        try:
            json.loads(await request.read())
        except (ValueError, RecursionError):
            return web.json_response(BAD_JSON, status=400)
    return web.json_response({"ok": True, "remote": request.remote})


def make_app(settings: Settings, limiter=None, client_max_size: int = 64 * 1024):
    app = web.Application(
        client_max_size=client_max_size,
        middlewares=[*forwarded_middlewares(settings), rate_limits],
    )
    app[SETTINGS] = settings
    app[RATE_LIMITER] = limiter if limiter is not None else WebRateLimiter.from_settings(settings)
    app.on_cleanup.append(close_rate_limiter)
    for path in ("/api/chat", "/api/forget", "/api/history", "/api/inbox"):
        app.router.add_post(path, handler)
    app.router.add_get("/api/ui", handler)
    app.router.add_get("/healthz", handler)
    return app


def memory_app(clock, client_max_size: int = 64 * 1024, **settings):
    config = Settings(**settings)
    return make_app(config, WebRateLimiter.from_settings(config, clock), client_max_size)


def chat(client, sender, language=None, path="/api/chat", **headers):
    body = {"sender": sender, "message": "hello"}
    if language:
        body["language"] = language
    return client.post(path, data=json.dumps(body), headers=headers)


async def expect(response, status: int, body: dict) -> None:
    assert response.status == status
    assert await response.json() == body


OK = {"ok": True, "remote": "127.0.0.1"}


# --- token buckets -----------------------------------------------------------------------


def test_a_bucket_allows_a_burst_then_refills_steadily():
    clock = FakeClock()
    buckets = TokenBuckets(per_minute=30, clock=clock)  # burst of 10, one every 2 s
    for _ in range(10):
        assert buckets.wait("k") == 0
        buckets.take("k")
    assert buckets.wait("k") == 2.0
    clock.advance(1.0)
    assert buckets.wait("k") == 1.0
    clock.advance(1.0)
    assert buckets.wait("k") == 0
    buckets.take("k")
    assert buckets.wait("k") > 0


def test_zero_means_no_limit():
    buckets = TokenBuckets(per_minute=0, clock=FakeClock())
    for _ in range(1000):
        assert buckets.wait("k") == 0
        buckets.take("k")
    assert len(buckets) == 0


def test_memory_stays_bounded():
    clock = FakeClock()
    buckets = TokenBuckets(per_minute=60, clock=clock, max_keys=100)
    for i in range(1000):
        buckets.take(f"k{i}")
        clock.advance(0.01)
    assert len(buckets) <= 100


# --- the in-memory limiter ---------------------------------------------------------------


def test_a_fast_session_does_not_slow_another_one():
    async def scenario():
        clock = FakeClock()
        limiter = WebRateLimiter(TokenBuckets(6, clock), TokenBuckets(600, clock))
        while await limiter.admit("10.0.0.1", ALICE) == 0:
            pass
        assert await limiter.admit("10.0.0.1", ALICE) > 0
        assert await limiter.admit("10.0.0.1", BOB) == 0  # same address, other session

    asyncio.run(scenario())


def test_a_fast_address_does_not_slow_another_one():
    async def scenario():
        clock = FakeClock()
        limiter = WebRateLimiter(TokenBuckets(0, clock), TokenBuckets(60, clock))
        admitted = 0
        while await limiter.admit("10.0.0.1", f"s{admitted:021d}") == 0:
            admitted += 1  # a new session each time does not escape the address limit
        assert admitted == 20
        assert await limiter.admit("10.0.0.2", ALICE) == 0

    asyncio.run(scenario())


def test_a_refused_request_is_not_counted():
    async def scenario():
        clock = FakeClock()
        limiter = WebRateLimiter(TokenBuckets(3, clock), TokenBuckets(600, clock))
        assert await limiter.admit("10.0.0.1", ALICE) == 0
        assert await limiter.admit("10.0.0.1", ALICE) > 0
        level = limiter.addresses._level("10.0.0.1", clock())
        for _ in range(5):
            await limiter.admit("10.0.0.1", ALICE)
        assert limiter.addresses._level("10.0.0.1", clock()) == level

    asyncio.run(scenario())


def test_without_redis_the_limiter_is_in_memory():
    assert isinstance(WebRateLimiter.from_settings(Settings()), WebRateLimiter)


# --- what the middleware reads -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"sender": "abc", "language": "fr"}', ("abc", "fr")),
        (b'{"sender": ""}', (None, None)),
        (b'{"sender": 42, "language": ["fr"]}', (None, None)),
        (json.dumps({"sender": "x" * 129}).encode(), (None, None)),  # the handler refuses it
        (json.dumps({"language": "x" * 36}).encode(), (None, None)),
        (b'["sender"]', (None, None)),
        (b"\xff\xfe\x00", (None, None)),
        (b"not json", (None, None)),
        (b"[" * 1000, (None, None)),
        (b"[" * 100_000, (None, None)),
        (b'{"sender": "abc", "x": ' + b"[" * 100_000, (None, None)),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, bytes) else "",
)
def test_the_body_is_read_without_ever_raising(body, expected):
    assert _sender_and_language(body) == expected


# --- the middleware, in memory -----------------------------------------------------------


def test_the_gateway_answers_too_fast_politely_in_the_users_language():
    clock = FakeClock()

    async def scenario():
        app = memory_app(clock, web_session_rate=6)  # burst of 2
        async with TestClient(TestServer(app)) as client:
            for _ in range(2):
                await expect(await chat(client, ALICE, "ar"), 200, OK)
            refused = await chat(client, ALICE, "ar")
            await expect(refused, 429, too_fast("ar"))
            assert refused.headers["Retry-After"] == "10"
            await expect(await chat(client, BOB), 200, OK)  # others are not affected
            in_french = await chat(client, ALICE, **{"Accept-Language": "fr-CA,fr;q=0.9"})
            await expect(in_french, 429, too_fast("fr"))
            for path in ("/api/history", "/api/forget", "/api/inbox"):
                # the session is slowed down everywhere it is named
                await expect(await chat(client, ALICE, path=path), 429, too_fast())
            clock.advance(10)
            await expect(await chat(client, ALICE, "ar"), 200, OK)

    asyncio.run(scenario())


def test_a_session_in_the_query_string_is_not_read():
    clock = FakeClock()

    async def scenario():
        app = memory_app(clock, web_session_rate=3, web_address_rate=0)  # burst of 1
        async with TestClient(TestServer(app)) as client:
            for _ in range(5):
                response = await client.post(
                    "/api/history", params={"sender": ALICE}, data=json.dumps({})
                )
                await expect(response, 200, OK)
            await expect(await chat(client, ALICE, path="/api/history"), 200, OK)
            await expect(await chat(client, ALICE, path="/api/history"), 429, too_fast())

    asyncio.run(scenario())


def test_the_address_limit_covers_every_web_chat_route_and_only_them():
    clock = FakeClock()

    async def scenario():
        app = memory_app(clock, web_session_rate=0, web_address_rate=3)  # burst of 1
        async with TestClient(TestServer(app)) as client:
            await expect(await client.get("/api/ui"), 200, OK)
            refused = await client.get("/api/ui", headers={"Accept-Language": "es"})
            await expect(refused, 429, too_fast("es"))
            assert refused.headers["Retry-After"] == "20"
            await expect(await client.get("/healthz"), 200, OK)  # not the chat API
            for path in ("/api/chat", "/api/forget", "/api/history", "/api/inbox"):
                await expect(await chat(client, f"{path:x<22}", path=path), 429, too_fast())
            clock.advance(20)
            await expect(await chat(client, ALICE), 200, OK)

    asyncio.run(scenario())


def test_deeply_nested_json_gets_the_handlers_answer_and_counts_against_the_address():
    clock = FakeClock()

    async def scenario():
        # bursts of 1 (session) and 3 (address); room for 100 000 levels in the body
        app = memory_app(clock, 1024 * 1024, web_session_rate=3, web_address_rate=9)
        async with TestClient(TestServer(app)) as client:
            await expect(await client.post("/api/chat", data="[" * 1000), 400, BAD_JSON)
            await expect(await client.post("/api/chat", data="[" * 100_000), 400, BAD_JSON)
            nested = f'{{"sender": "{ALICE}", "message": {"[" * 100_000}'
            await expect(await client.post("/api/chat", data=nested), 400, BAD_JSON)
            await expect(await client.post("/api/chat", data="[" * 100_000), 429, too_fast())
            clock.advance(20)  # ALICE's session was never counted: only the address was
            await expect(await chat(client, ALICE), 200, OK)

    asyncio.run(scenario())


def test_an_oversized_request_is_refused_with_a_clear_message():
    async def scenario():
        settings = Settings()
        app = make_app(settings, client_max_size=4096)
        async with TestClient(TestServer(app)) as client:
            body = json.dumps({"sender": ALICE, "message": "x" * 10_000})
            response = await client.post("/api/chat", data=body, headers={"Accept-Language": "es"})
            message = translate("es", texts.MESSAGE_TOO_LONG, max_chars=settings.max_message_chars)
            await expect(
                response, 413, {"error": {"code": "request_too_large", "message": message}}
            )

    asyncio.run(scenario())


def test_a_workshop_behind_one_address_is_never_refused_with_the_default_settings():
    clock = FakeClock()

    async def scenario():
        app = memory_app(clock)  # 30 a minute per session, 1800 per address
        people = [f"person{i:02d}".ljust(22, "x") for i in range(30)]
        statuses = []
        async with TestClient(TestServer(app)) as client:
            for person in people:  # everyone opens the page at once
                statuses.append((await client.get("/api/ui")).status)
                statuses.append((await chat(client, person, path="/api/history")).status)
            for _ in range(10):  # then types ten messages in ten seconds, all together
                for person in people:
                    response = await chat(client, person)
                    statuses.append(response.status)
                    assert await response.json() == OK
                clock.advance(1)
        assert statuses == [200] * (30 * 12)

    asyncio.run(scenario())


# --- Redis -------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix():
    """A namespace of its own under `digibridge:rate:`, emptied afterwards."""
    prefix = f"{KEY_PREFIX}test-{uuid.uuid4().hex}:"

    async def reachable() -> bool:
        redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            return bool(await redis.ping())
        except OSError:
            return False
        except Exception:  # noqa: BLE001 - any failure means: no Redis to test with
            return False
        finally:
            await redis.close()

    if not asyncio.run(reachable()):
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield prefix

    async def clean() -> None:
        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.close()

    asyncio.run(clean())


async def redis_keys(prefix: str) -> list[str]:
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return [key async for key in redis.scan_iter(match=f"{prefix}*")]
    finally:
        await redis.close()


def test_two_instances_on_one_redis_share_one_session_limit(redis_prefix):
    async def scenario():
        one = RedisRateLimiter.from_url(REDIS_URL, 6, 0, prefix=redis_prefix)  # burst of 2
        two = RedisRateLimiter.from_url(REDIS_URL, 6, 0, prefix=redis_prefix)
        waits = [await limiter.admit("10.0.0.1", ALICE) for limiter in [one, two] * 5]
        assert waits[:2] == [0.0, 0.0]
        assert all(0 < wait <= 10 for wait in waits[2:])  # refusals are not counted
        assert await two.admit("10.0.0.1", BOB) == 0  # another session is not affected
        keys = await redis_keys(redis_prefix)
        assert len(keys) == 2  # ALICE and BOB; no address key, that limit is off
        assert all(ALICE not in key and BOB not in key for key in keys)
        await one.close()
        await two.close()

    asyncio.run(scenario())


def test_two_instances_on_one_redis_share_one_address_limit(redis_prefix):
    async def scenario():
        one = RedisRateLimiter.from_url(REDIS_URL, 30, 6, prefix=redis_prefix)  # burst of 2
        two = RedisRateLimiter.from_url(REDIS_URL, 30, 6, prefix=redis_prefix)
        waits = [
            await limiter.admit("203.0.113.7", f"s{i:021d}")  # a new session each time
            for i, limiter in enumerate([one, two] * 3)
        ]
        assert [wait == 0 for wait in waits] == [True, True, False, False, False, False]
        assert await one.admit("203.0.113.8", ALICE) == 0
        assert all("203.0.113" not in key for key in await redis_keys(redis_prefix))
        await one.close()
        await two.close()

    asyncio.run(scenario())


def test_two_gateways_on_one_redis_refuse_the_sum_of_their_requests(redis_prefix):
    async def scenario():
        settings = Settings(web_session_rate=6, redis_url=REDIS_URL)  # burst of 2
        apps = [
            make_app(settings, RedisRateLimiter.from_url(REDIS_URL, 6, 1800, prefix=redis_prefix))
            for _ in range(2)
        ]
        async with TestClient(TestServer(apps[0])) as one, TestClient(TestServer(apps[1])) as two:
            await expect(await chat(one, ALICE), 200, OK)
            await expect(await chat(two, ALICE), 200, OK)
            refused = await chat(one, ALICE, "fr")
            await expect(refused, 429, too_fast("fr"))
            assert 1 <= int(refused.headers["Retry-After"]) <= 10
            await expect(await chat(two, ALICE), 429, too_fast())
            await expect(await chat(two, BOB), 200, OK)

    asyncio.run(scenario())


def test_with_a_redis_url_the_limiter_is_shared():
    limiter = WebRateLimiter.from_settings(Settings(redis_url=REDIS_URL))
    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.prefix == "digibridge:rate:"
    assert limiter.key("s", ALICE).startswith("digibridge:rate:s:")
    assert ALICE not in limiter.key("s", ALICE)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there any more


def test_when_redis_is_down_requests_are_admitted_and_a_warning_logged(caplog):
    clock = FakeClock()

    async def scenario():
        limiter = RedisRateLimiter(
            Redis.from_url(closed_port_url(), socket_connect_timeout=0.5), 3, 3, clock=clock
        )
        with caplog.at_level(logging.WARNING, logger="bot.channels.web.ratelimit"):
            waits = [await limiter.admit("203.0.113.7", ALICE) for _ in range(20)]
            assert waits == [0.0] * 20
            assert len(caplog.records) == 1  # once, then Redis is left alone for a while
            clock.advance(11)
            assert await limiter.admit("203.0.113.7", ALICE) == 0.0
            assert len(caplog.records) == 2  # tried again, and warned again
        for record in caplog.records:
            assert record.levelno == logging.WARNING
            assert ALICE not in record.getMessage()
            assert "203.0.113.7" not in record.getMessage()
        await limiter.close()

    asyncio.run(scenario())


def test_when_redis_is_down_the_gateway_still_answers(caplog):
    async def scenario():
        settings = Settings(web_session_rate=3, web_address_rate=3, redis_url=closed_port_url())
        app = make_app(settings)
        assert isinstance(app[RATE_LIMITER], RedisRateLimiter)
        async with TestClient(TestServer(app)) as client:
            for _ in range(5):
                await expect(await chat(client, ALICE), 200, OK)
            await expect(await client.get("/api/ui"), 200, OK)

    with caplog.at_level(logging.WARNING, logger="bot.channels.web.ratelimit"):
        asyncio.run(scenario())
    assert any("Redis" in record.getMessage() for record in caplog.records)
    assert not any(ALICE in record.getMessage() for record in caplog.records)
