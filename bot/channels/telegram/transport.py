"""Talking to the Bot API dependably: timeouts, retries that never send twice, rate limits.

- 429: python-telegram-bot's AIORateLimiter waits `retry_after` (holding every request)
  and retries; on top of its ~30 messages a second overall and 20 a minute per group, we
  keep to one message a second in each private chat, as Telegram asks.
- 5xx and network errors: retried here with exponential backoff, but only when Telegram
  cannot have acted on the request (a 5xx answer, or a connection that never carried it).
  A timeout while waiting for the answer to sendMessage is *not* retried: the message may
  have been sent, and a citizen seeing an answer twice is worse than a logged failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import NetworkError
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

# Seconds; Telegram answers in well under a second, a self-hosted server on a slow link may not.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
RETRIES = 4
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 8.0
RATE_LIMIT_RETRIES = 10
# Methods that change nothing on a second call, safe to retry after any network error.
IDEMPOTENT_METHODS = frozenset(
    {
        "getMe",
        "getUpdates",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "answerCallbackQuery",
        "editMessageText",
        "editMessageReplyMarkup",
        "setMyCommands",
        "sendChatAction",
    }
)
# httpx errors raised before the request left this machine in full.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError)
# Endpoints that put a message in a chat: the ones Telegram limits per chat.
_CHAT_MESSAGE_METHODS = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})


def _method(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest with timeouts set and safe retries of 5xx and network errors."""

    def __init__(
        self,
        *,
        retries: int = RETRIES,
        backoff: float = BACKOFF_FIRST,
        connection_pool_size: int = 64,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
        kwargs.setdefault("read_timeout", READ_TIMEOUT)
        kwargs.setdefault("write_timeout", WRITE_TIMEOUT)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self._retries = retries
        self._backoff = backoff

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        api_method = _method(url)
        delay = self._backoff
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                status, payload = await super().do_request(url, method, *args, **kwargs)
            except NetworkError as error:
                if last or not self._may_retry(api_method, error):
                    raise
                logger.warning(
                    "Bot API %s failed (%s); retry %d in %.1f s",
                    api_method,
                    type(error.__cause__ or error).__name__,
                    attempt + 1,
                    delay,
                )
            else:
                if status < 500 or last:
                    return status, payload
                logger.warning(
                    "Bot API %s answered HTTP %d; retry %d in %.1f s",
                    api_method,
                    status,
                    attempt + 1,
                    delay,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _may_retry(api_method: str, error: NetworkError) -> bool:
        if api_method in IDEMPOTENT_METHODS:
            return True
        return isinstance(error.__cause__, _NOT_SENT)


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter, plus at most `per_chat_rate` messages a second in each private chat."""

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        remembered_chats: int = 10_000,
        max_retries: int = RATE_LIMIT_RETRIES,
        **kwargs: Any,
    ) -> None:
        super().__init__(max_retries=max_retries, **kwargs)
        self._per_chat_rate = per_chat_rate
        self._remembered_chats = remembered_chats
        self._chat_limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chat_limiters.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, 1 / self._per_chat_rate)
            self._chat_limiters[chat_id] = limiter
            while len(self._chat_limiters) > self._remembered_chats:
                self._chat_limiters.popitem(last=False)
        self._chat_limiters.move_to_end(chat_id)
        return limiter

    async def process_request(  # noqa: PLR0913 - python-telegram-bot's signature
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if endpoint in _CHAT_MESSAGE_METHODS and isinstance(chat_id, int) and chat_id > 0:
            async with self._chat_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
