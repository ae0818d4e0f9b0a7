"""The production configuration: PostgreSQL for content and conversations, Redis as Rasa's
lock store. Also: state survives a restart, and a dead child stops the whole service."""

import os
import signal
import subprocess
import threading
import time

import psycopg2
import pytest
import redis
import requests

from bot.content.files import load_catalogue
from bot.training import build_project, rasa_environment
from tests.conftest import postgres_database
from tests.integration.erasure_check import rows_mentioning
from tests.integration.stack import STARTUP_TIMEOUT, session_id, start_stack

REDIS = os.environ.get("DIGIBRIDGE_TEST_REDIS", "redis://127.0.0.1:6379/7")


@pytest.fixture
def database():
    with postgres_database() as url:
        yield url


def _rows(url, query, *params):
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_postgres_and_redis_hold_state_across_a_restart(model, database, tmp_path):
    lock_store = redis.Redis.from_url(REDIS)
    commands_before = lock_store.info("stats")["total_commands_processed"]
    env = {
        "DIGIBRIDGE_DATABASE_URL": database,
        "DIGIBRIDGE_TRACKER_STORE_URL": database,
        "DIGIBRIDGE_LOCK_STORE_URL": REDIS,
    }
    stack = start_stack(tmp_path / "first", env)
    try:
        (switched,) = stack.ask("en français s'il vous plaît", sender="citizen")
        assert (switched["topic"], switched["language"]) == ("change_language", "fr")
        # Rasa takes and releases the conversation's lock in Redis for each message.
        assert lock_store.info("stats")["total_commands_processed"] > commands_before + 2
    finally:
        assert stack.stop(signal.SIGINT) == 0, stack.log_tail()  # Ctrl-C
    assert _rows(database, "SELECT count(*) FROM answers")[0][0] >= 8 * 57
    citizen = f"web:{session_id('citizen')}"
    assert _rows(database, "SELECT count(*) FROM events WHERE sender_id = %s", citizen)[0][0]
    assert not list((tmp_path / "first").glob("*.sqlite3")), "nothing may fall back to SQLite"

    stack = start_stack(tmp_path / "second", env)
    try:
        (answer,) = stack.ask("how do I make a strong password", sender="citizen")
        assert (answer["topic"], answer["language"]) == ("strong_passwords", "fr")
        assert stack.forget("citizen").status_code == 200
        assert rows_mentioning(database, session_id("citizen")) == {}
        # An action server that keeps crashing (five times in a minute) stops the whole.
        deadline = time.monotonic() + 150
        while stack.process.poll() is None:
            assert time.monotonic() < deadline, stack.log_tail()
            _kill_child(stack.process.pid, "bot.processes.action_server")
        assert stack.process.wait(timeout=60) == 1
        assert "5 times in 60 s; stopping" in stack.log_tail()
    finally:
        stack.stop(timeout=30)


def test_two_instances_share_one_database_one_redis_and_one_limit(model, database, tmp_path):
    env = {
        "DIGIBRIDGE_DATABASE_URL": database,
        "DIGIBRIDGE_TRACKER_STORE_URL": database,
        "DIGIBRIDGE_LOCK_STORE_URL": REDIS,
        "DIGIBRIDGE_REDIS_URL": REDIS,
        "DIGIBRIDGE_TRUSTED_PROXIES": "127.0.0.1",
        "DIGIBRIDGE_WEB_SESSION_RATE": "6",  # a burst of two requests, then one every 10 s
        "DIGIBRIDGE_WEB_ADDRESS_RATE": "6",
    }
    stacks: dict[str, object] = {}

    def start(name):
        stacks[name] = start_stack(tmp_path / name, env)

    threads = [threading.Thread(target=start, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(STARTUP_TIMEOUT + 60)
    try:
        a, b = stacks["a"], stacks["b"]
        assert _rows(database, "SELECT count(*) FROM alembic_version") == [(1,)]
        loads = [s.log.read_text(errors="replace").count("content loaded") for s in (a, b)]
        assert sorted(loads) == [0, 1], "the shipped content is loaded exactly once"
        topics = len(load_catalogue())
        assert _rows(database, "SELECT count(*) FROM topics") == [(topics,)]

        def chat(stack, address, sender="shared-session", message="hello"):
            return requests.post(
                f"{stack.base_url}/api/chat",
                json={"sender": session_id(sender), "message": message},
                headers={"X-Forwarded-For": address},
                timeout=30,
            )

        # One session's allowance holds across both instances (counted in Redis).
        assert chat(a, "203.0.113.1").status_code == 200
        assert chat(b, "203.0.113.2").status_code == 200
        refused = chat(a, "203.0.113.3")
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_fast"
        assert int(refused.headers["Retry-After"]) >= 1
        # Behind the trusted proxy, one address flooding does not refuse another.
        for expected in (200, 200, 429):
            ui = requests.get(
                f"{a.base_url}/api/ui", headers={"X-Forwarded-For": "198.51.100.9"}, timeout=30
            )
            assert ui.status_code == expected
        other = requests.get(
            f"{b.base_url}/api/ui", headers={"X-Forwarded-For": "198.51.100.10"}, timeout=30
        )
        assert other.status_code == 200 and other.json()["language"] == "en"
        # A conversation held on one instance continues on the other.
        assert chat(a, "192.0.2.1", "travelling", "en français s'il vous plaît").status_code == 200
        (answer,) = chat(b, "192.0.2.2", "travelling", "how do I back up my phone").json()[
            "messages"
        ]
        assert (answer["topic"], answer["language"]) == ("backup_files", "fr")
    finally:
        for stack in stacks.values():
            assert stack.stop() == 0, stack.log_tail()


def _kill_child(parent_pid: int, pattern: str) -> None:
    found = subprocess.run(
        ["pgrep", "-P", str(parent_pid), "-f", pattern], capture_output=True, text=True
    ).stdout.split()
    if found:  # none while the supervisor waits to restart it
        os.kill(int(found[0]), 9)
    time.sleep(0.5)


def test_rasa_data_validate_passes(model):
    build = build_project()
    result = subprocess.run(
        [
            os.sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--domain",
            str(build / "domain.yml"),
            "--data",
            "data/nlu",
            "data/rules.yml",
            "data/stories.yml",
            str(build / "topic_rules.yml"),
        ],
        capture_output=True,
        text=True,
        env=rasa_environment(),
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
