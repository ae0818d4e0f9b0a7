"""Bad input through /api/chat: a clear answer or a 4xx with a JSON error, never a 500."""

import pytest
import requests


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sender": "bad", "message": ""}, 400),
        ({"sender": "bad", "message": "   \n  "}, 400),
        ({"sender": "bad", "message": "a" * 10_000}, 413),
        ({"sender": "bad"}, 400),
        ({"message": "hello"}, 400),
    ],
)
def test_bad_messages_get_a_json_error(stack, body, status):
    response = requests.post(f"{stack.base_url}/api/chat", json=body, timeout=30)
    assert response.status_code == status
    assert response.json()["error"]["message"]


@pytest.mark.parametrize(
    "raw",
    [b'{"sender": "x", "message": ', b"\xff\xfe\x00garbage", b"[]", b""],
)
def test_malformed_json_gets_a_json_error(stack, raw):
    response = requests.post(
        f"{stack.base_url}/api/chat",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_an_oversized_request_is_refused_with_json(stack):
    body = b'{"sender": "x", "message": "' + b"a" * 200_000 + b'"}'
    response = requests.post(f"{stack.base_url}/api/chat", data=body, timeout=30)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


@pytest.mark.parametrize(
    "message",
    ["\x00\x01\x02 \ufffd\ufffd binary\x7f \x1b[31m", "😀🎉🙏", "🙂", "?!?!", "1234567890"],
)
def test_odd_messages_get_an_answer(stack, message):
    response = stack.chat(message, sender="odd")
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert messages and all(m["text"] for m in messages)


def test_the_service_keeps_answering_after_bad_input(stack):
    (message,) = stack.ask("bonjour", sender="after-bad")
    assert (message["topic"], message["language"]) == ("greet", "fr")


def test_wrong_method_and_unknown_path_are_json_errors(stack):
    assert requests.get(f"{stack.base_url}/api/chat", timeout=10).status_code == 405
    assert requests.get(f"{stack.base_url}/api/nothing", timeout=10).status_code == 404


def test_the_page_is_served_with_a_strict_policy(stack):
    response = requests.get(stack.base_url + "/", timeout=10)
    assert response.status_code == 200 and "DigiBridge" in response.text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert requests.get(stack.base_url + "/static/chat.js", timeout=10).status_code == 200
