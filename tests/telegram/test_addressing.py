"""In groups the bot answers only when mentioned or replied to (addressing.py)."""

from telegram import Message

from bot.channels.telegram.addressing import is_addressed, without_mention
from tests.telegram.fake_bot_api import BOT_ID, BOT_USERNAME, FakeBotApi

fake = FakeBotApi()  # not started: only its update builders are used


def message(text, chat_type="group", **fields) -> Message:
    update = fake.message(-100, text, chat_type=chat_type, user_id=5, **fields)
    return Message.de_json(update["message"], None)


def test_private_messages_are_always_addressed():
    assert is_addressed(message("hello", chat_type="private"), BOT_USERNAME, BOT_ID)


def test_group_messages_need_a_mention_or_a_reply():
    assert not is_addressed(message("hello everyone"), BOT_USERNAME, BOT_ID)
    assert not is_addressed(message("ask @SomeoneElse"), BOT_USERNAME, BOT_ID)
    assert is_addressed(message(f"@{BOT_USERNAME.lower()} how do I pay?"), BOT_USERNAME, BOT_ID)
    reply = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -100, "type": "group"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "DigiBridge"},
        "text": "an earlier answer",
    }
    assert is_addressed(message("and then?", reply_to_message=reply), BOT_USERNAME, BOT_ID)


def test_other_bots_are_never_answered():
    bot_message = message("hello", chat_type="private")
    bot_message = Message.de_json(
        {**bot_message.to_dict(), "from": {"id": 9, "is_bot": True, "first_name": "B"}}, None
    )
    assert not is_addressed(bot_message, BOT_USERNAME, BOT_ID)


def test_an_anonymous_group_admin_is_a_person():
    anonymous = message(
        f"@{BOT_USERNAME} hello",
        sender_chat={"id": -100, "type": "group", "title": "Group"},
    )
    anonymous = Message.de_json(
        {**anonymous.to_dict(), "from": {"id": 1087968824, "is_bot": True, "first_name": "G"}},
        None,
    )
    assert is_addressed(anonymous, BOT_USERNAME, BOT_ID)


def test_the_mention_is_removed_before_asking():
    assert without_mention(f"@{BOT_USERNAME}, how do I pay?", BOT_USERNAME) == "how do I pay?"
    assert without_mention(f"how do I pay @{BOT_USERNAME}", BOT_USERNAME) == "how do I pay"
