"""What a person typed reaches Rasa as text unless it is one of our button payloads."""

import pytest

from bot.core.user_text import as_user_message, clean_text

INTENTS = frozenset({"help", "more", "answer", "change_language"})


@pytest.mark.parametrize(
    "payload",
    ["/help", '/help{"family": "skills"}', '/answer{"topic": "strong_passwords"}', "/more"],
)
def test_our_payloads_pass_unchanged(payload):
    assert as_user_message(payload, INTENTS) == payload


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ("//help me please", "help me please"),
        ('/help{"family": ', 'help{"family":'),
        ('/help{"family": ["x"]}', 'help{"family": ["x"]}'),
        ("/", "?"),
        ("hello /help", "hello /help"),
    ],
)
def test_anything_else_starting_with_a_slash_is_text(typed, sent):
    assert as_user_message(typed, INTENTS) == sent


def test_deeply_nested_payload_json_is_text_not_a_crash():
    typed = "/help" + "{" * 5000
    assert not as_user_message(typed, INTENTS).startswith("/")


def test_bidi_controls_and_zero_width_characters_are_removed():
    assert clean_text("\u202eabc\u202c \u200bhello\u2066") == "abc hello"
    assert clean_text("  line\nnext\t ") == "line\nnext"
