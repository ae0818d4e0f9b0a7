"""Duplicate updates answered once, one chat's updates in order (dedup.py, ordering.py)."""

import asyncio

from telegram import Update

from bot.channels.telegram.chats import ChatLanguages, ChatTagger, sender_id
from bot.channels.telegram.dedup import RecentUpdates
from bot.channels.telegram.ordering import ChatOrderedProcessor


def test_an_update_id_is_new_only_once():
    recent = RecentUpdates(size=3)
    assert recent.first_time(1) and recent.first_time(2)
    assert not recent.first_time(1)
    assert recent.first_time(3) and recent.first_time(4)
    assert len(recent) == 3


def update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "text": "hi",
            },
        },
        None,
    )


def test_one_chat_in_order_other_chats_concurrently():
    events: list[str] = []

    async def work(name: str, seconds: float) -> None:
        events.append(f"{name} start")
        await asyncio.sleep(seconds)
        events.append(f"{name} end")

    async def main() -> None:
        processor = ChatOrderedProcessor()
        async with processor:
            await asyncio.gather(
                processor.process_update(update(1, 10), work("a1", 0.2)),
                processor.process_update(update(2, 10), work("a2", 0.0)),
                processor.process_update(update(3, 20), work("b1", 0.05)),
            )
            assert processor.chats_in_progress == 0

    asyncio.run(main())
    # a2 waits for a1 even though it is quick; b1 doesn't wait for a1.
    assert events.index("a1 end") < events.index("a2 start")
    assert events.index("b1 end") < events.index("a1 end")


def test_a_failing_update_does_not_block_its_chat():
    done: list[str] = []

    async def fail() -> None:
        raise RuntimeError("boom")

    async def ok() -> None:
        done.append("ok")

    async def main() -> None:
        processor = ChatOrderedProcessor()
        results = await asyncio.gather(
            processor.process_update(update(1, 10), fail()),
            processor.process_update(update(2, 10), ok()),
            return_exceptions=True,
        )
        assert isinstance(results[0], RuntimeError)

    asyncio.run(main())
    assert done == ["ok"]


def test_logs_name_chats_by_a_keyed_hash():
    tag = ChatTagger("123:token")
    assert tag(42) == tag(42) != tag(43)
    assert "42" not in tag(42) and len(tag(42)) == 10
    assert ChatTagger("456:other")(42) != tag(42)
    assert sender_id(42) == "tg:42"


def test_chat_languages_are_bounded_and_forgotten():
    languages = ChatLanguages(size=2)
    languages.remember(1, "fr")
    languages.remember(2, "ar")
    languages.remember(3, "sw")
    assert languages.get(1) is None and languages.get(3) == "sw"
    languages.forget(3)
    assert 3 not in languages
