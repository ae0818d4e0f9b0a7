"""Telegram delivery: a message the core sends a person unasked reaches their private chat,
as Telegram shows it (checked on the fake Bot API), never a group they are in."""

import asyncio

from bot.channels.telegram.service import telegram_channel
from bot.core.messages import Button, Reply
from bot.core.people import Speaker
from bot.gateway.keys import ASSISTANT
from bot.settings import Settings
from tests.telegram.fake_bot_api import TOKEN
from tests.unit.gateway_app import gateway_app

ALERT = Reply("Warsha ni kesho saa 4 asubuhi.", "sw", "workshop", (Button("Menyu", "/help"),))


def test_a_person_is_reached_in_their_private_chat(bot_api, tmp_path):
    async def go():
        settings = Settings(
            data_dir=tmp_path, telegram_bot_token=TOKEN, telegram_api_url=bot_api.base_url
        )
        assistant = gateway_app(settings, tmp_path)[ASSISTANT]
        channel = telegram_channel(settings, assistant)
        assistant.channels.add(channel)
        person = "tg:4242"
        group_speaker = Speaker("telegram", person, "tg:-900:4242", "-900")
        await asyncio.get_running_loop().run_in_executor(
            None, assistant.people.seen, group_speaker, "sw"
        )
        await channel.start()
        try:
            await asyncio.wait_for(channel.ready.wait(), 30)
            assert await assistant.deliver(person, [ALERT])
        finally:
            await channel.stop()

    asyncio.run(go())
    (sent,) = bot_api.wait_sent(4242, timeout=10)
    assert sent.text == ALERT.text
    assert [b["text"] for b in sent.buttons] == ["Menyu"]
    assert bot_api.sent_to(-900) == [], "a personal message never goes to a group"
