"""The gateway is the only way in, secrets stay out of process lists, and no message text
reaches the logs, whatever the message looks like."""

import secrets

import pytest
import requests

from tests.integration.conftest import ADMIN_TOKEN

CANARIES = [
    "canary qz7wk8 password check",
    "/canary_qz7wk8",
    '/help{"canary": qz7wk8',
    "/restart qz7wk8",
    "qz7wk8 " + "x" * 1900,
]


def _children_command_lines(stack) -> list[str]:
    lines = []
    for pid in stack.children():
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            lines.append(f.read().replace(b"\0", b" ").decode())
    return lines


def _children_environments(stack) -> list[str]:
    found = []
    for pid in stack.children():
        with open(f"/proc/{pid}/environ", "rb") as f:
            found.append(f.read().decode(errors="replace"))
    return found


def test_no_secret_is_on_a_command_line_and_children_get_only_what_they_need(stack):
    lines = _children_command_lines(stack)
    assert len(lines) == 2
    status = requests.get(f"{stack.rasa_url}/status", timeout=10)
    assert status.status_code == 401, "Rasa's API needs the token"
    for line in lines:
        assert "--auth-token" not in line and "token" not in line.lower(), line
    for environment in _children_environments(stack):
        assert ADMIN_TOKEN not in environment, "a child inherited a secret it has no use for"
        assert "TELEGRAM_BOT_TOKEN" not in environment


def test_rasa_takes_messages_only_from_the_gateway(stack):
    body = {"sender": "web:" + secrets.token_urlsafe(16), "message": "hello"}
    forged = requests.post(f"{stack.rasa_url}/webhooks/gateway/webhook", json=body, timeout=30)
    assert forged.status_code == 401 and forged.json() == {"error": "unauthorised"}
    wrong = requests.post(
        f"{stack.rasa_url}/webhooks/gateway/webhook",
        json=body,
        headers={"X-DigiBridge-Secret": "guess"},
        timeout=30,
    )
    assert wrong.status_code == 401
    rest = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
    assert rest.status_code == 404, "Rasa's own REST channel is off"


def test_the_action_server_acts_only_for_rasa(stack):
    call = {
        "next_action": "action_answer_topic",
        "sender_id": "web:forged",
        "tracker": {"sender_id": "web:forged", "slots": {}, "latest_message": {}, "events": []},
        "domain": {},
        "version": "3.6.2",
    }
    response = requests.post(f"{stack.actions_url}/webhook", json=call, timeout=30)
    assert response.status_code == 401 and response.json() == {"error": "unauthorised"}
    assert requests.get(f"{stack.actions_url}/health", timeout=10).status_code == 200


@pytest.mark.parametrize("message", CANARIES)
def test_message_text_never_reaches_the_logs(stack, message):
    response = stack.chat(message, sender="canary")
    assert response.status_code in (200, 413)
    assert "qz7wk8" not in stack.log.read_text(errors="replace")
