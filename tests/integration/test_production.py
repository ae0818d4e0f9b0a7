"""The production configuration: PostgreSQL for content and conversations, Redis as Rasa's
lock store. Also: state survives a restart, and a dead child stops the whole service."""

import os
import signal
import subprocess
import time
import uuid

import psycopg2
import pytest
import redis

from bot.training import rasa_environment
from tests.integration.stack import start_stack

POSTGRES = os.environ.get("DIGIBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("DIGIBRIDGE_TEST_REDIS", "redis://127.0.0.1:6379/7")


@pytest.fixture
def database():
    name = f"digibridge_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES}/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


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
    assert _rows(database, "SELECT count(*) FROM events WHERE sender_id = %s", "web:citizen")[0][0]
    assert not list((tmp_path / "first").glob("*.sqlite3")), "nothing may fall back to SQLite"

    stack = start_stack(tmp_path / "second", env)
    try:
        (answer,) = stack.ask("how do I make a strong password", sender="citizen")
        assert (answer["topic"], answer["language"]) == ("strong_passwords", "fr")
        _kill_child(stack.process.pid, "rasa_sdk")
        code = stack.process.wait(timeout=60)
        assert code == 1
        assert "action server exited" in stack.log_tail()
    finally:
        stack.stop(timeout=30)


def _kill_child(parent_pid: int, pattern: str) -> None:
    found = subprocess.run(
        ["pgrep", "-P", str(parent_pid), "-f", pattern], capture_output=True, text=True
    ).stdout.split()
    assert found, f"no child matching {pattern}"
    os.kill(int(found[0]), 9)
    time.sleep(0.5)


def test_rasa_data_validate_passes(model):
    result = subprocess.run(
        [
            os.sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "data/nlu",
            "data/rules.yml",
            "data/stories.yml",
        ],
        capture_output=True,
        text=True,
        env=rasa_environment(),
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
