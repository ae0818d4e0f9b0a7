"""Erasing a person removes every row about them from every table and the tracker store,
also while one of their messages is still being answered."""

import secrets
import threading
import time

import pytest

from bot.core.erasure import NON_PERSONAL_TABLES, personal_tables
from tests.integration.erasure_check import rows_mentioning, table_names


def _databases(stack) -> list[str]:
    return [
        f"sqlite:///{stack.data_dir / 'digibridge.sqlite3'}",
        f"sqlite:///{stack.data_dir / 'tracker.sqlite3'}",
    ]


def test_every_project_table_is_erasable_or_holds_nobody(stack):
    tables = table_names(_databases(stack)[0]) - {"alembic_version"}
    erasable = {t.name for t in personal_tables()}
    assert tables == erasable | NON_PERSONAL_TABLES, (
        "a table that is neither erased by person_id nor known to hold nobody"
    )


def test_forget_leaves_no_row_anywhere(stack):
    sender = secrets.token_urlsafe(16)
    stack.ask("answer in Russian please", sender=sender)
    stack.ask("how do I make a strong password", sender=sender)
    found = {}
    for url in _databases(stack):
        found.update(rows_mentioning(url, sender))
    assert set(found) >= {"events", "conversations"}, found
    response = stack.forget(sender)
    assert response.status_code == 200 and response.json()["erased"] is True
    for url in _databases(stack):
        assert rows_mentioning(url, sender) == {}, url


@pytest.mark.parametrize("delay", [0.05, 0.1, 0.2])
def test_forget_while_a_reply_is_in_flight_leaves_nothing_behind(stack, delay):
    sender = secrets.token_urlsafe(16)
    stack.ask("bonjour", sender=sender)  # the conversation exists and speaks French
    reply = {}
    turn = threading.Thread(
        target=lambda: reply.update(r=stack.chat("réponds en russe s'il te plaît", sender))
    )
    turn.start()
    time.sleep(delay)
    erased = stack.forget(sender)
    turn.join(30)
    assert erased.status_code == 200 and reply["r"].status_code == 200
    for url in _databases(stack):
        assert rows_mentioning(url, sender) == {}, (delay, url)
    (after,) = stack.ask("👍", sender=sender)
    assert after["language"] == "en", "the erased conversation's language came back"
