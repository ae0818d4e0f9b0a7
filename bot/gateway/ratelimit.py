"""Slowing down one web chat session or one address that sends too fast, and no one else.

Token buckets: each key (a session id, a client address) holds up to a third of a minute's
allowance and refills steadily, so a person typing or pressing buttons never notices, while
a script hammering the API gets a polite 429 in the user's language. Buckets live in memory:
one gateway process is one limiter, which is what `digibridge up` runs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.gateway.chat_api import error_response
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import DEFAULT_LANGUAGE, negotiate, parse_accept_language
from bot.settings import Settings

Clock = Callable[[], float]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BURST_MINUTES = 1 / 3  # a full bucket holds 20 seconds' worth of requests
MAX_KEYS = 50_000  # beyond this, buckets that have refilled are forgotten
# Routes whose requests name a session (`sender` in the JSON body or the query string).
SESSION_ROUTES = frozenset({"/api/chat", "/api/forget", "/api/history"})
# The web chat's API; not other routes (a Telegram webhook comes from Telegram's servers).
WEB_ROUTES = SESSION_ROUTES | {"/api/ui"}


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
        return max(1.0, math.ceil(self.per_minute * BURST_MINUTES))

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


@dataclass
class WebRateLimiter:
    """The web chat's two limits: per session and per client address."""

    sessions: TokenBuckets
    addresses: TokenBuckets

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> WebRateLimiter:
        return cls(
            TokenBuckets(settings.web_session_rate, clock),
            TokenBuckets(settings.web_address_rate, clock),
        )

    def admit(self, address: str, session: str | None) -> float:
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


RATE_LIMITER = web.AppKey("rate_limiter", WebRateLimiter)


async def _sender_and_language(request: web.Request) -> tuple[str | None, list[str]]:
    """The session and language hint a request names, read without judging it: the
    handler gives the errors. The body stays cached for the handler."""
    hint = parse_accept_language(request.headers.get("Accept-Language", ""))
    data: object = dict(request.query)
    if request.method == "POST":
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            data = None
    if not isinstance(data, dict):
        return None, hint
    sender, language = data.get("sender"), data.get("language")
    if isinstance(language, str) and len(language) <= 35:
        hint = [language, *hint]
    return (sender if isinstance(sender, str) and sender else None), hint


@web.middleware
async def rate_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """429 TOO_FAST, in the user's language, for a session or address over its allowance."""
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None or request.path not in WEB_ROUTES or request.method == "OPTIONS":
        return await handler(request)
    try:
        sender, hint = (
            await _sender_and_language(request)
            if request.path in SESSION_ROUTES
            else (None, parse_accept_language(request.headers.get("Accept-Language", "")))
        )
    except web.HTTPRequestEntityTooLarge:
        return too_large(request)
    wait = limiter.admit(request.remote or "unknown", sender)
    if wait <= 0:
        return await handler(request)
    language = negotiate(hint) or DEFAULT_LANGUAGE
    response = error_response(429, "too_fast", translate(language, texts.TOO_FAST))
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def too_large(request: web.Request) -> web.Response:
    """413 for a body over the gateway's size limit, said in the user's language."""
    settings: Settings = request.app["settings"]
    language = (
        negotiate(parse_accept_language(request.headers.get("Accept-Language", "")))
        or DEFAULT_LANGUAGE
    )
    return error_response(
        413,
        "request_too_large",
        translate(language, texts.MESSAGE_TOO_LONG, max_chars=settings.max_message_chars),
    )
