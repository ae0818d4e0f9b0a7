import json

import pytest

from bot.channels.web.chat_api import ChatRequestError, parse_chat_request
from bot.core.messages import Button, Reply

SENDER = "aB3_-x9QrT5mN7pL2kJ8vW"  # 22 characters, as the web chat makes them


def parse(body, accept="", max_chars=2000):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_chat_request(raw, accept, max_chars)


def test_a_valid_request():
    chat = parse({"sender": SENDER, "message": "  hello  ", "language": "pt-BR"}, "fr")
    assert (chat.sender, chat.message, chat.language_hint) == (SENDER, "hello", ["pt-BR", "fr"])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "invalid_json"),
        ([1, 2], 400, "invalid_json"),
        ({"message": "hi"}, 400, "invalid_sender"),
        ({"sender": "", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "user42", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "x" * 129, "message": "hi"}, 400, "invalid_sender"),
        ({"sender": SENDER, "message": 5}, 400, "invalid_message"),
        ({"sender": SENDER, "message": "   \n\t "}, 400, "empty_message"),
        ({"sender": SENDER, "message": "\x00\x01\x02"}, 400, "empty_message"),
        ({"sender": SENDER, "message": "x" * 2001}, 413, "message_too_long"),
        ({"sender": SENDER, "message": "hi", "language": ["fr"]}, 400, "invalid_language"),
    ],
)
def test_bad_requests_get_a_clear_error(body, status, code):
    with pytest.raises(ChatRequestError) as error:
        parse(body)
    assert (error.value.status, error.value.code) == (status, code)
    assert error.value.message


def test_errors_are_in_the_users_language():
    with pytest.raises(ChatRequestError) as error:
        parse({"sender": SENDER, "message": " ", "language": "ar"})
    assert error.value.message == "من فضلك اكتب رسالة."  # from locales/ar


def test_rasa_messages_become_replies():
    custom = {
        "text": "t",
        "buttons": [{"title": "A", "payload": "/a"}],
        "topic": "greet",
        "language": "fr",
    }
    reply = Reply.from_rasa({"recipient_id": "x", "custom": custom}, "en")
    assert reply == Reply("t", "fr", "greet", (Button("A", "/a"),))
    assert reply.as_json() == custom
    assert Reply.from_rasa({"text": "plain"}, "sw") == Reply("plain", "sw")
    assert Reply.from_rasa({"image": "x"}, "en") is None
