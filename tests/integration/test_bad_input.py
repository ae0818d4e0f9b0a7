"""Bad input through the web chat's API: a clear answer or a 4xx with a JSON error (code
and a message in the user's language), never a 500, a hang or a traceback."""

import socket
import time

import pytest
import requests

from bot.i18n import texts
from bot.i18n.catalogs import translate
from tests.integration.stack import session_id

SENDER = session_id("bad-input")


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"sender": SENDER, "message": ""}, 400, "empty_message", "Please type a message."),
        (
            {"sender": SENDER, "message": "   \n  ", "language": "fr"},
            400,
            "empty_message",
            "Veuillez écrire un message.",
        ),
        (
            {"sender": SENDER, "message": "a" * 10_000},
            413,
            "message_too_long",
            "Your message is too long. Please keep it under 2000 characters.",
        ),
        ({"sender": SENDER}, 400, "empty_message", "Please type a message."),
        (
            {"message": "hello"},
            400,
            "invalid_sender",
            "`sender` must be a random id of 22 to 128 letters, digits, '-' or '_'.",
        ),
        (
            {"sender": SENDER, "message": "hi", "language": 7},
            400,
            "invalid_language",
            '`language` must be a BCP 47 tag such as "fr".',
        ),
    ],
)
def test_bad_messages_get_a_json_error(stack, body, status, code, message):
    response = requests.post(f"{stack.base_url}/api/chat", json=body, timeout=30)
    assert (response.status_code, response.json()) == (
        status,
        {"error": {"code": code, "message": message}},
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sender": "x", "message": ',
        b"\xff\xfe\x00garbage",
        b"[]",
        b"",
        b"[" * 20_000 + b"]" * 20_000,
        b'{"a":' * 6_000 + b"1" + b"}" * 6_000,
    ],
    ids=["truncated", "binary", "array", "empty", "nested-arrays", "nested-objects"],
)
def test_malformed_or_deeply_nested_json_gets_a_json_error(stack, raw):
    response = requests.post(
        f"{stack.base_url}/api/chat",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "invalid_json", "message": "The request body must be a JSON object."}},
    )
    assert "Traceback" not in stack.log.read_text(errors="replace")


def test_an_oversized_request_is_refused_with_json(stack):
    body = b'{"sender": "x", "message": "' + b"a" * 200_000 + b'"}'
    response = requests.post(
        f"{stack.base_url}/api/chat",
        data=body,
        headers={"Accept-Language": "es"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "request_too_large",
        "message": translate("es", texts.MESSAGE_TOO_LONG, max_chars=2000),
    }


def test_a_client_sending_its_body_slowly_is_let_go(stack):
    host, port = stack.base_url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        answer = client.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    "message",
    ["\x00\x01\x02 \ufffd\ufffd binary\x7f \x1b[31m", "😀🎉🙏", "🙂", "?!?!", "1234567890"],
)
def test_odd_messages_get_an_answer(stack, message):
    response = stack.chat(message, sender="odd")
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert messages and all(m["text"] and m["language"] for m in messages)


@pytest.mark.parametrize("typed", ["/restart", "/session_start", "/", '/help{"family": '])
def test_commands_rasa_would_act_on_silently_are_understood_as_text(stack, typed):
    (message,) = stack.ask(typed, sender=f"slash{typed[:6]}")
    assert message["text"] and message["language"] == "en"


def test_the_service_keeps_answering_after_bad_input(stack):
    (message,) = stack.ask("bonjour", sender="after-bad")
    assert (message["topic"], message["language"]) == ("greet", "fr")


def test_wrong_method_and_unknown_path_are_json_errors(stack):
    response = requests.get(f"{stack.base_url}/api/chat", timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    response = requests.get(f"{stack.base_url}/api/nothing", timeout=10)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_the_page_is_served_with_a_strict_policy(stack):
    response = requests.get(stack.base_url + "/", timeout=10)
    assert response.status_code == 200 and "DigiBridge" in response.text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert requests.get(stack.base_url + "/static/chat.js", timeout=10).status_code == 200
