"""The core reaches a known person unasked, on their channel: the web chat keeps the message
until the page fetches it; Telegram sends it to the person's private chat."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bot.core.messages import Button, Reply
from bot.core.people import Speaker
from bot.gateway.keys import ASSISTANT
from bot.settings import Settings
from tests.unit.gateway_app import gateway_app

SESSION = "Qm9uam91ciB0b3V0IGxlIG1"
ALERT = Reply(
    "Atelier demain à 10 h", "fr", "workshop", (Button("Menu", '/answer{"topic": "help"}'),)
)


def test_a_web_session_gets_a_delivered_message_once(tmp_path):
    async def go():
        app = gateway_app(Settings(data_dir=tmp_path), tmp_path)
        assistant = app[ASSISTANT]
        person = f"web:{SESSION}"
        assert not await assistant.deliver(person, [ALERT]), "unknown people are not reached"
        await asyncio.get_running_loop().run_in_executor(
            None, assistant.people.seen, Speaker("web", person, person, SESSION), "fr"
        )
        assert await assistant.deliver(person, [ALERT])
        async with TestClient(TestServer(app)) as client:
            first = await client.post("/api/inbox", json={"sender": SESSION})
            assert first.status == 200
            assert await first.json() == {"messages": [ALERT.as_json()]}
            again = await client.post("/api/inbox", json={"sender": SESSION})
            assert await again.json() == {"messages": []}
            await assistant.deliver(person, [ALERT])
            erased = await client.post("/api/forget", json={"sender": SESSION})
            assert erased.status == 200
            after = await client.post("/api/inbox", json={"sender": SESSION})
            assert await after.json() == {"messages": []}, "erasure covers waiting messages"

    asyncio.run(go())
