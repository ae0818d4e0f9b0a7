import json

import pytest

from bot.gateway.chat_api import ChatRequestError, clean_text, parse_chat_request, to_api_message


def parse(body, accept="", max_chars=2000):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_chat_request(raw, accept, max_chars)


def test_a_valid_request():
    chat = parse({"sender": "abc", "message": "  hello  ", "language": "pt-BR"}, "fr")
    assert (chat.sender, chat.message, chat.language_hint) == ("abc", "hello", ["pt-BR", "fr"])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        ([1, 2], 400, "invalid_json"),
        ({"message": "hi"}, 400, "invalid_sender"),
        ({"sender": "", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "x" * 129, "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "a", "message": 5}, 400, "invalid_message"),
        ({"sender": "a", "message": "   \n\t "}, 400, "empty_message"),
        ({"sender": "a", "message": "\x00\x01\x02"}, 400, "empty_message"),
        ({"sender": "a", "message": "x" * 2001}, 413, "message_too_long"),
        ({"sender": "a", "message": "hi", "language": ["fr"]}, 400, "invalid_language"),
    ],
)
def test_bad_requests_get_a_clear_error(body, status, code):
    with pytest.raises(ChatRequestError) as error:
        parse(body)
    assert (error.value.status, error.value.code) == (status, code)
    assert error.value.message


def test_errors_are_in_the_users_language():
    with pytest.raises(ChatRequestError) as error:
        parse({"sender": "a", "message": " ", "language": "ar"})
    assert error.value.message == "من فضلك اكتب رسالة."  # from locales/ar


def test_control_characters_are_removed_but_line_breaks_kept():
    assert clean_text("a\x00b\x07c\nd\te\u202e") == "abc\nd\te\u202e"


def test_rasa_messages_become_api_messages():
    custom = {
        "text": "t",
        "buttons": [{"title": "A", "payload": "/a"}],
        "topic": "greet",
        "language": "fr",
    }
    assert to_api_message({"recipient_id": "x", "custom": custom}, "en") == custom
    assert to_api_message({"text": "plain"}, "sw") == {
        "text": "plain",
        "buttons": [],
        "topic": None,
        "language": "sw",
    }
    assert to_api_message({"image": "x"}, "en") is None
