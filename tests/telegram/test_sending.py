"""One answer into a chat (sending.py): parts in order, keyboard under the last, a failed
part stops the rest, and HTML that Telegram refuses still gets through as plain text."""

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Defaults, ExtBot

from bot.channels.telegram import sending
from bot.channels.telegram.transport import RetryingRequest
from tests.telegram.fake_bot_api import TOKEN

MENU = InlineKeyboardMarkup([[InlineKeyboardButton("Menu", callback_data="/help")]])


def send(bot_api, *args, **kwargs):
    async def main():
        bot = ExtBot(
            TOKEN,
            base_url=bot_api.base_url,
            request=RetryingRequest(retries=0),
            defaults=Defaults(parse_mode="HTML"),
        )
        async with bot:
            return await sending.send_answer(bot, *args, **kwargs)

    return asyncio.run(asyncio.wait_for(main(), 30))


def test_parts_in_order_with_the_keyboard_under_the_last(bot_api):
    text = "\n\n".join(["First <part> & more. " * 150, "Second part. " * 150])
    assert send(bot_api, 5, text, MENU, quote=77) is True
    first, second = bot_api.sent_to(5)
    assert first.text.startswith("First <part> & more.") and second.text.startswith("Second")
    assert first.reply_markup is None and second.buttons[0]["text"] == "Menu"
    assert (first.reply_to, second.reply_to) == (77, None)


def test_a_keyboard_without_text_gets_the_empty_text(bot_api):
    assert send(bot_api, 5, "  ", MENU, empty_text="Choose a topic:") is True
    (only,) = bot_api.sent_to(5)
    assert only.text == "Choose a topic:"
    assert send(bot_api, 6, "", None, empty_text="Choose a topic:") is True
    assert bot_api.sent_to(6) == []


def test_a_part_that_fails_stops_the_rest(bot_api):
    bot_api.fail(1, status=500)
    text = "\n\n".join(["One. " * 900, "Two. " * 900])
    assert send(bot_api, 9, text) is False
    assert bot_api.sent_to(9) == []
    assert len(bot_api.calls_of("sendMessage")) == 1


def test_refused_html_is_sent_once_as_plain_text(bot_api, monkeypatch):
    monkeypatch.setattr(sending, "escape", lambda text: text)  # as if escaping were forgotten
    assert send(bot_api, 3, "a <b & c") is True
    (sent,) = bot_api.sent_to(3)
    assert (sent.text, sent.parse_mode) == ("a <b & c", None)
