"""A crashed action server or Rasa server is restarted while people keep chatting: each
message gets an answer or the trouble message in its own language within the reply
timeout, `/healthz` reports the part that is down, and everything recovers by itself."""

import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from bot.i18n import texts
from bot.i18n.catalogs import translate
from tests.integration.stack import start_stack

REPLY_TIMEOUT = 4.0
MESSAGES = [("how do I make a strong password", "en"), ("comment sauvegarder mes photos", "fr")]


@pytest.fixture(scope="module")
def restarting_stack(model, tmp_path_factory):
    stack = start_stack(
        tmp_path_factory.mktemp("resilience"),
        {"DIGIBRIDGE_REPLY_TIMEOUT": str(REPLY_TIMEOUT), "DIGIBRIDGE_WEB_SESSION_RATE": "0"},
    )
    yield stack
    assert stack.stop() == 0, stack.log_tail()


def _child(stack, module: str) -> int:
    found = subprocess.run(
        ["pgrep", "-P", str(stack.process.pid), "-f", module], capture_output=True, text=True
    ).stdout.split()
    assert len(found) == 1, found
    return int(found[0])


def _health(stack) -> tuple[int, dict]:
    response = requests.get(f"{stack.base_url}/healthz", timeout=10)
    return response.status_code, response.json()


def _chat_while(stack, stop: threading.Event, results: list) -> None:
    i = 0
    while not stop.is_set():
        text, language = MESSAGES[i % len(MESSAGES)]
        i += 1
        started = time.monotonic()
        response = stack.chat(text, sender=f"resilient-{language}")
        results.append((language, time.monotonic() - started, response.status_code,
                        response.json()))  # fmt: skip
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("module", "part"),
    [("bot.processes.action_server", "actions"), ("bot.processes.rasa_server", "rasa")],
)
def test_a_killed_child_is_restarted_and_nobody_is_left_in_silence(restarting_stack, module, part):
    stack = restarting_stack
    old = _child(stack, module)
    stop, results = threading.Event(), []
    client = threading.Thread(target=_chat_while, args=(stack, stop, results))
    client.start()
    try:
        time.sleep(1)
        logged_before = stack.log.stat().st_size
        os.kill(old, signal.SIGKILL)
        saw_down = False
        deadline = time.monotonic() + 180
        while True:
            assert time.monotonic() < deadline, stack.log_tail()
            status, body = _health(stack)
            if status == 503:
                assert body[part] == "down" and body["status"] == "unavailable", body
                saw_down = True
            elif saw_down:
                assert body == {"status": "ok", "gateway": "ok", "rasa": "ok", "actions": "ok"}
                break
            time.sleep(0.3)
        # A message already waiting when the child came back may still end in the trouble
        # message; the ones after it must be answered.
        recovered = len(results)
        while len(results) < recovered + 3 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        client.join(60)
    assert _child(stack, module) != old, "a new process took the dead one's place"
    with stack.log.open("rb") as log:  # what was logged since the kill, however long
        log.seek(logged_before)
        assert b"restarting in" in log.read()
    troubled = 0
    for language, seconds, status, body in results:
        assert seconds < REPLY_TIMEOUT + 2, (language, seconds, status)
        if status == 503:
            troubled += 1
            assert body == {
                "error": {"code": "unavailable", "message": translate(language, texts.TROUBLE)}
            }
        else:
            assert status == 200 and body["messages"][0]["language"] == language, body
    assert troubled, "no message was sent while the child was down"
    assert [r[2] for r in results[-2:]] == [200, 200], "the conversation continues after it"
    (answer,) = stack.ask("comment sauvegarder mes photos", sender="resilient-fr")
    assert (answer["topic"], answer["language"]) == ("backup_files", "fr")
