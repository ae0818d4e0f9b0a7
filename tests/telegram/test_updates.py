"""Duplicate updates answered once (in one process and across instances), one chat's
updates in order, and who is speaking (dedup.py, ordering.py, chats.py)."""

import asyncio
import uuid

from telegram import Update

from bot.channels.telegram.chats import ChatTagger, speaker_of
from bot.channels.telegram.dedup import RecentUpdates, RedisUpdateLog
from bot.channels.telegram.ordering import ChatOrderedProcessor

REDIS = "redis://127.0.0.1:6379/0"


def test_an_update_id_is_new_only_once():
    async def main():
        recent = RecentUpdates(size=3)
        assert await recent.first_time(1) and await recent.first_time(2)
        assert not await recent.first_time(1)
        assert await recent.first_time(3) and await recent.first_time(4)
        assert len(recent) == 3

    asyncio.run(main())


def test_two_instances_on_one_redis_answer_an_update_once():
    async def main():
        tag = uuid.uuid4().hex
        first, second = RedisUpdateLog(REDIS, tag), RedisUpdateLog(REDIS, tag)
        try:
            assert await first.first_time(7)
            assert not await second.first_time(7)
            assert await second.first_time(8)
        finally:
            await first.close()
            await second.close()

    asyncio.run(main())


def test_redis_down_still_answers():
    async def main():
        log = RedisUpdateLog("redis://127.0.0.1:1/0", "x")
        assert await log.first_time(1)
        await log.close()

    asyncio.run(main())


def update(update_id: int, chat_id: int, user_id: int | None = None, kind="private") -> Update:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat_id, "type": kind},
        "text": "hi",
    }
    if user_id is not None:
        message["from"] = {
            "id": user_id, "is_bot": False, "first_name": "A", "language_code": "fr"
        }  # fmt: skip
    return Update.de_json({"update_id": update_id, "message": message}, None)


def test_each_group_member_has_their_own_conversation():
    private = speaker_of(update(1, 5, 5))
    assert (private.person_id, private.conversation_id, private.address) == ("tg:5", "tg:5", "5")
    assert private.hint == ("fr",)
    first = speaker_of(update(2, -100, 5, "group"))
    second = speaker_of(update(3, -100, 6, "group"))
    assert (first.person_id, first.conversation_id) == ("tg:5", "tg:-100:5")
    assert (second.person_id, second.conversation_id) == ("tg:6", "tg:-100:6")
    assert speaker_of(update(4, -100)) is None  # a channel post: nobody to answer


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
