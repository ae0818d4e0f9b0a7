"""Slowing down one web chat session or one address that sends too fast, and no one else.

Token buckets: each key (a session id, a client address) holds up to a third of a minute's
allowance and refills steadily, so a person typing or pressing buttons never notices, while
a script hammering the API gets a polite 429 in the user's language. One gateway process
keeps its buckets in memory (what `digibridge up` runs); several instances share them in
Redis, with the same arithmetic, so the limit holds however requests are spread.
The client's address behind a reverse proxy comes from `bot.channels.web.forwarded`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web
from aiohttp.typedefs import Handler
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.channels.web.chat_api import (
    MAX_SENDER_CHARS,
    ChatRequestError,
    error_response,
    hint_language,
    read_body,
)
from bot.core.locks import redis_options
from bot.gateway.keys import SETTINGS
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import parse_accept_language
from bot.settings import Settings

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

BURST_MINUTES = 1 / 3  # a full bucket holds 20 seconds' worth of requests
MAX_KEYS = 50_000  # beyond this, buckets that have refilled are forgotten
KEY_PREFIX = "digibridge:rate:"
REDIS_RETRY_SECONDS = 10.0  # after a Redis failure, requests are admitted without asking it
# Routes whose JSON body names a session (`sender`); never the query string, so session ids
# stay out of URLs (and out of access logs).
SESSION_ROUTES = frozenset(
    {"/api/chat", "/api/forget", "/api/history", "/api/inbox", "/api/speech", "/api/voice"}
)
# The web chat's API, and only it (a Telegram webhook comes from Telegram's servers).
LIMITED_ROUTES = frozenset(
    {("POST", path) for path in SESSION_ROUTES} | {("GET", "/api/ui"), ("HEAD", "/api/ui")}
)


def _capacity(per_minute: int) -> float:
    return max(1.0, math.ceil(per_minute * BURST_MINUTES))


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class TokenBuckets:
    """One token bucket per key; `per_minute` 0 means no limit."""

    per_minute: int
    clock: Clock = time.monotonic
    max_keys: int = MAX_KEYS
    _buckets: dict[str, _Bucket] = field(default_factory=dict, init=False, repr=False)

    @property
    def capacity(self) -> float:
        return _capacity(self.per_minute)

    @property
    def _rate(self) -> float:
        return self.per_minute / 60.0

    def _level(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return self.capacity
        return min(self.capacity, bucket.tokens + (now - bucket.updated) * self._rate)

    def wait(self, key: str) -> float:
        """Seconds until `key` may make a request; 0 when it may now."""
        if self.per_minute <= 0:
            return 0.0
        level = self._level(key, self.clock())
        return 0.0 if level >= 1 else (1 - level) / self._rate

    def take(self, key: str) -> None:
        """Spends one request of `key`'s allowance."""
        if self.per_minute <= 0:
            return
        now = self.clock()
        level = self._level(key, now)
        self._buckets.pop(key, None)  # re-inserted last: the dict stays in order of use
        self._buckets[key] = _Bucket(level - 1, now)
        if len(self._buckets) > self.max_keys:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k in self._buckets if self._level(k, now) >= self.capacity]:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:  # still too many: drop the least recent
            del self._buckets[next(iter(self._buckets))]

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimiter(Protocol):
    """What the middleware needs, whether the buckets are in memory or in Redis."""

    async def admit(self, address: str, session: str | None) -> float:
        """0 and the request is counted, or the seconds to wait (and nothing is counted)."""
        ...

    async def close(self) -> None: ...


@dataclass
class WebRateLimiter:
    """The web chat's two limits, per session and per client address, in this process."""

    sessions: TokenBuckets
    addresses: TokenBuckets

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> RateLimiter:
        """Redis-backed when `redis_url` is set (instances share one allowance), else local."""
        if settings.redis_url:
            return RedisRateLimiter.from_url(
                settings.redis_url, settings.web_session_rate, settings.web_address_rate
            )
        return cls(
            TokenBuckets(settings.web_session_rate, clock),
            TokenBuckets(settings.web_address_rate, clock),
        )

    async def admit(self, address: str, session: str | None) -> float:
        """0 and the request is counted, or the seconds to wait (and nothing is counted)."""
        waits = [self.addresses.wait(address)]
        if session:
            waits.append(self.sessions.wait(session))
        if max(waits) > 0:
            return max(waits)
        self.addresses.take(address)
        if session:
            self.sessions.take(session)
        return 0.0

    async def close(self) -> None:
        """Nothing to release; here so the app closes any limiter the same way."""


# The same buckets as TokenBuckets, all or nothing across the keys, in one atomic script
# so that concurrent instances never both spend the last token. Time is Redis's, so
# instances with skewed clocks agree. A key expires once its bucket would be full again.
# KEYS: the buckets; ARGV: each bucket's rate (tokens a second) and capacity, in turn.
# Returns "0" after taking one token from every bucket, or the seconds to wait.
_ADMIT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
  local rate, capacity = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local bucket = redis.call('HMGET', key, 'tokens', 'updated')
  local level = capacity
  if bucket[1] and bucket[2] then
    local elapsed = math.max(0, now - tonumber(bucket[2]))
    level = math.min(capacity, tonumber(bucket[1]) + elapsed * rate)
  end
  levels[i] = level
  if level < 1 then wait = math.max(wait, (1 - level) / rate) end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  local rate, capacity = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('HSET', key, 'tokens', levels[i] - 1, 'updated', now)
  redis.call('PEXPIRE', key, math.ceil((capacity - levels[i] + 1) / rate * 1000) + 1000)
end
return '0'
"""


class RedisRateLimiter:
    """The two limits with buckets in Redis, shared by every gateway instance using it.

    Keys are `digibridge:rate:` plus a hash, so Redis never holds a session id (the only
    key to a conversation) or an address in the clear. When Redis cannot be reached,
    requests are admitted: a rate limit is not worth refusing a person's question.
    """

    def __init__(
        self,
        redis: Redis,
        session_rate: int,
        address_rate: int,
        prefix: str = KEY_PREFIX,
        clock: Clock = time.monotonic,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self._rates = {"a": address_rate, "s": session_rate}
        self._script = redis.register_script(_ADMIT_LUA)
        self._clock = clock
        self._skip_until = -math.inf

    @classmethod
    def from_url(
        cls, url: str, session_rate: int, address_rate: int, prefix: str = KEY_PREFIX
    ) -> RedisRateLimiter:
        # Short timeouts (a slow Redis must not make every chat message slow), and a
        # connection that died with a restarted Redis is retried, not a pause of the limits.
        redis = Redis.from_url(url, **redis_options())
        return cls(redis, session_rate, address_rate, prefix)

    def key(self, kind: str, value: str) -> str:
        """`kind` "a" (address) or "s" (session); the value itself is only hashed."""
        digest = hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass"))
        return f"{self.prefix}{kind}:{digest.hexdigest()[:32]}"

    async def admit(self, address: str, session: str | None) -> float:
        """0 and the request is counted, or the seconds to wait (and nothing is counted)."""
        keys: list[str] = []
        args: list[float] = []
        for kind, value in (("a", address), ("s", session)):
            per_minute = self._rates[kind]
            if value and per_minute > 0:
                keys.append(self.key(kind, value))
                args += [per_minute / 60.0, _capacity(per_minute)]
        if not keys or self._clock() < self._skip_until:
            return 0.0
        try:
            return float(await self._script(keys=keys, args=args))
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            # Once per pause, and never the session or the message: logs are kept longer.
            self._skip_until = self._clock() + REDIS_RETRY_SECONDS
            logger.warning(
                "Web chat rate limits off for %.0f s: Redis failed (%s)",
                REDIS_RETRY_SECONDS,
                type(error).__name__,
            )
            return 0.0

    async def close(self) -> None:
        await self.redis.close()


RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)


async def close_rate_limiter(app: web.Application) -> None:
    """For `app.on_cleanup`: releases the limiter's Redis connections, if any."""
    limiter = app.get(RATE_LIMITER)
    if limiter is not None:
        await limiter.close()


def _sender_and_language(body: bytes) -> tuple[str | None, str | None]:
    """The session and language a JSON body names, read without judging it: the handler
    gives the errors. Any body that does not parse (too deeply nested included) names
    nothing, so it counts against the address only."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None, None
    if not isinstance(data, dict):
        return None, None
    sender, language = data.get("sender"), data.get("language")
    # Longer senders are refused by the handlers; as keys they would only fill memory.
    valid_sender = isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_CHARS
    return (
        sender if valid_sender else None,
        language if isinstance(language, str) and len(language) <= 35 else None,
    )


@web.middleware
async def rate_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """429 TOO_FAST, in the user's language, for a session or address over its allowance.

    Must come after `forwarded_middlewares(settings)` so `request.remote` is the client's.
    """
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None or (request.method, request.path) not in LIMITED_ROUTES:
        return await handler(request)
    hint = parse_accept_language(request.headers.get("Accept-Language", ""))
    sender = None
    if request.method == "POST":
        try:
            body = await read_body(request)  # cached: the handler reads it again for free
        except web.HTTPRequestEntityTooLarge:
            return too_large(request)
        except ChatRequestError as error:  # sent too slowly
            return error_response(error.status, error.code, error.message)
        sender, language = _sender_and_language(body)
        if language:
            hint = [language, *hint]
    wait = await limiter.admit(request.remote or "unknown", sender)
    if wait <= 0:
        return await handler(request)
    language = hint_language(hint)
    response = error_response(429, "too_fast", translate(language, texts.TOO_FAST))
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def too_large(request: web.Request) -> web.Response:
    """413 for a body over the gateway's size limit, said in the user's language."""
    settings: Settings = request.app[SETTINGS]
    language = hint_language(parse_accept_language(request.headers.get("Accept-Language", "")))
    return error_response(
        413,
        "request_too_large",
        translate(language, texts.MESSAGE_TOO_LONG, max_chars=settings.max_message_chars),
    )
