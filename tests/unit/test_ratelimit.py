"""Rate limits: one session or one address sending too fast is slowed down, others are not."""

import asyncio
import json

from aiohttp.test_utils import TestClient, TestServer

from bot.gateway.app import create_app
from bot.gateway.ratelimit import RATE_LIMITER, TokenBuckets, WebRateLimiter
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.settings import Settings

ALICE = "a" * 22
BOB = "b" * 22


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeRasa:
    """Stands in for Rasa: answers every message at once."""

    async def send(self, sender, text, metadata):
        return [{"custom": {"text": "ok", "buttons": [], "topic": "greet", "language": "en"}}]


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


def test_a_fast_session_does_not_slow_another_one():
    clock = FakeClock()
    limiter = WebRateLimiter(TokenBuckets(6, clock), TokenBuckets(600, clock))
    while limiter.admit("10.0.0.1", ALICE) == 0:
        pass
    assert limiter.admit("10.0.0.1", ALICE) > 0
    assert limiter.admit("10.0.0.1", BOB) == 0  # same address, other session


def test_a_fast_address_does_not_slow_another_one():
    clock = FakeClock()
    limiter = WebRateLimiter(TokenBuckets(0, clock), TokenBuckets(60, clock))
    admitted = 0
    while limiter.admit("10.0.0.1", f"s{admitted:021d}") == 0:
        admitted += 1  # a new session each time does not escape the address limit
    assert admitted == 20
    assert limiter.admit("10.0.0.2", ALICE) == 0


def test_a_refused_request_is_not_counted():
    clock = FakeClock()
    limiter = WebRateLimiter(TokenBuckets(3, clock), TokenBuckets(600, clock))
    assert limiter.admit("10.0.0.1", ALICE) == 0
    assert limiter.admit("10.0.0.1", ALICE) > 0
    level = limiter.addresses._level("10.0.0.1", clock())
    for _ in range(5):
        limiter.admit("10.0.0.1", ALICE)
    assert limiter.addresses._level("10.0.0.1", clock()) == level


def _app(tmp_path, clock, **settings):
    config = Settings(data_dir=tmp_path, **settings)
    app = create_app(config, FakeRasa())
    app[RATE_LIMITER] = WebRateLimiter.from_settings(config, clock)
    return app


def _chat(client, sender, language=None, **headers):
    body = {"sender": sender, "message": "hello"}
    if language:
        body["language"] = language
    return client.post("/api/chat", data=json.dumps(body), headers=headers)


def test_the_gateway_answers_too_fast_politely_in_the_users_language(tmp_path):
    clock = FakeClock()

    async def scenario():
        app = _app(tmp_path, clock, web_session_rate=6)  # burst of 2
        async with TestClient(TestServer(app)) as client:
            for _ in range(2):
                assert (await _chat(client, ALICE, "ar")).status == 200
            refused = await _chat(client, ALICE, "ar")
            assert refused.status == 429
            assert int(refused.headers["Retry-After"]) == 10
            error = (await refused.json())["error"]
            assert error == {"code": "too_fast", "message": translate("ar", texts.TOO_FAST)}
            assert (await _chat(client, BOB)).status == 200  # others are not affected
            in_french = await _chat(client, ALICE, **{"Accept-Language": "fr-CA,fr;q=0.9"})
            assert (await in_french.json())["error"]["message"] == translate("fr", texts.TOO_FAST)
            history = await client.get("/api/history", params={"sender": ALICE})
            assert history.status == 429  # the session is slowed down everywhere
            clock.advance(10)
            assert (await _chat(client, ALICE, "ar")).status == 200

    asyncio.run(scenario())


def test_the_address_limit_covers_every_web_chat_route(tmp_path):
    clock = FakeClock()

    async def scenario():
        app = _app(tmp_path, clock, web_session_rate=0, web_address_rate=3)  # burst of 1
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/api/ui")).status == 200
            assert (await client.get("/api/ui")).status == 429
            assert (await client.get("/healthz")).status != 429  # not the chat API
            assert (await client.get("/api/nothing")).status == 404
            clock.advance(20)
            assert (await _chat(client, ALICE)).status == 200

    asyncio.run(scenario())


def test_an_oversized_request_is_refused_with_a_clear_message(tmp_path):
    async def scenario():
        app = _app(tmp_path, FakeClock())
        async with TestClient(TestServer(app)) as client:
            body = json.dumps({"sender": ALICE, "message": "x" * 100_000})
            response = await client.post("/api/chat", data=body, headers={"Accept-Language": "es"})
            assert response.status == 413
            error = (await response.json())["error"]
            assert error["code"] == "request_too_large"
            assert error["message"] == translate("es", texts.MESSAGE_TOO_LONG, max_chars=2000)

    asyncio.run(scenario())
