"""Retries and rate limits against the fake Bot API (transport.py): a 429 waits its
`retry_after`, a 5xx is retried, and nothing is ever sent twice."""

import asyncio
import time

import httpx
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot

from bot.channels.telegram.transport import ChatRateLimiter, RetryingRequest
from tests.telegram.fake_bot_api import TOKEN


def run_with_bot(bot_api, action, **limiter_options):
    async def main():
        bot = ExtBot(
            TOKEN,
            base_url=bot_api.base_url,
            request=RetryingRequest(backoff=0.05),
            rate_limiter=ChatRateLimiter(**limiter_options),
        )
        async with bot:
            return await action(bot)

    return asyncio.run(asyncio.wait_for(main(), 30))


def test_a_429_is_retried_after_retry_after_and_not_before(bot_api):
    bot_api.rate_limit(2, retry_after=1)
    started = time.monotonic()

    async def send(bot):
        await asyncio.gather(bot.send_message(1, "one"), bot.send_message(2, "two"))

    run_with_bot(bot_api, send)
    assert sorted(s.text for s in bot_api.sent) == ["one", "two"]
    assert bot_api.early == []
    assert time.monotonic() - started >= 1
    for chat, limited_at, retry_after in bot_api.rate_limited:
        (sent,) = bot_api.sent_to(chat)
        assert sent.at >= limited_at + retry_after


def test_5xx_is_retried_with_backoff_and_sent_once(bot_api):
    bot_api.fail(2, status=502)
    run_with_bot(bot_api, lambda bot: bot.send_message(7, "hello"))
    assert [s.text for s in bot_api.sent] == ["hello"]
    assert [c.status for c in bot_api.calls_of("sendMessage")] == [502, 502, 200]


def test_one_message_a_second_in_a_private_chat_other_chats_unaffected(bot_api):
    async def send(bot):
        await asyncio.gather(
            bot.send_message(5, "first"), bot.send_message(5, "second"), bot.send_message(6, "x")
        )

    run_with_bot(bot_api, send)
    first, second = bot_api.sent_to(5)
    (other,) = bot_api.sent_to(6)
    assert second.at - first.at >= 0.9
    assert other.at - first.at < 0.5


def network_error(cause: Exception) -> NetworkError:
    error = TimedOut() if isinstance(cause, httpx.TimeoutException) else NetworkError("x")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("method", "cause", "retried"),
    [
        ("sendMessage", httpx.ConnectError("refused"), True),
        ("sendMessage", httpx.ConnectTimeout("slow"), True),
        ("sendMessage", httpx.ReadTimeout("no answer"), False),  # may have been sent
        ("sendMessage", httpx.RemoteProtocolError("cut"), False),
        ("answerCallbackQuery", httpx.ReadTimeout("no answer"), True),
        ("getMe", httpx.RemoteProtocolError("cut"), True),
    ],
)
def test_only_requests_telegram_cannot_have_acted_on_are_retried(method, cause, retried):
    assert RetryingRequest._may_retry(method, network_error(cause)) is retried


def test_connection_refused_gives_up_after_the_retries(bot_api):
    async def main():
        request = RetryingRequest(retries=2, backoff=0.01)
        await request.initialize()
        try:
            with pytest.raises(NetworkError):
                await request.post("http://127.0.0.1:9/bot123:X/sendMessage", None)
        finally:
            await request.shutdown()

    asyncio.run(main())
