"""Inside the Rasa server, a tracker store failure fails the message (the gateway then says
"I'm having trouble") instead of answering from an empty conversation."""

import asyncio

import pytest
from rasa.core import agent, tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot.processes.rasa_stores import harden_tracker_store


class DownStore(tracker_store.InMemoryTrackerStore):
    async def retrieve(self, sender_id):
        raise OperationalError("SELECT", {}, OSError("connection refused"))

    async def save(self, tracker):
        raise OperationalError("INSERT", {}, OSError("connection refused"))


@pytest.fixture
def hardened(monkeypatch):
    # Registered first, so the test's changes to Rasa's modules are undone after it.
    monkeypatch.setattr(agent, "FailSafeTrackerStore", agent.FailSafeTrackerStore)
    monkeypatch.setattr(tracker_store, "create_engine_kwargs", tracker_store.create_engine_kwargs)
    harden_tracker_store()


def test_rasa_alone_hides_a_failed_read_as_a_new_conversation():
    store = agent.Agent._create_tracker_store(DownStore(Domain.empty()), Domain.empty())
    assert asyncio.run(store.retrieve("someone")) is None  # what the fix is for


def test_a_failed_read_or_write_is_raised(hardened):
    store = agent.Agent._create_tracker_store(DownStore(Domain.empty()), Domain.empty())
    with pytest.raises(OperationalError):
        asyncio.run(store.retrieve("someone"))
    with pytest.raises(OperationalError):
        asyncio.run(store.save(DialogueStateTracker("someone", [])))


def test_the_sql_engine_checks_a_pooled_connection_before_using_it(hardened):
    kwargs = tracker_store.create_engine_kwargs("postgresql://rasa@127.0.0.1/rasa")
    assert kwargs["pool_pre_ping"] is True
    assert kwargs["pool_size"] > 0  # Rasa's own settings are kept


@pytest.fixture
def fair_tickets(monkeypatch):
    from rasa.core.lock import TicketLock

    from bot.processes.rasa_stores import free_tickets_whose_turn_came

    monkeypatch.setattr(TicketLock, "is_locked", TicketLock.is_locked)
    free_tickets_whose_turn_came()


def _waiter_behind_an_expired_ticket(conversation: str) -> tuple[object, int]:
    """A killed server's ticket and the next message's, both expired before its next look."""
    import time

    from rasa.core.lock_store import InMemoryLockStore

    store = InMemoryLockStore()
    store.issue_ticket(conversation, 0.2)  # the killed server's, never finished
    waiting = store.issue_ticket(conversation, 0.3)
    time.sleep(0.4)
    return store, waiting


def test_rasa_alone_keeps_a_waiter_whose_ticket_expired_waiting_forever():
    store, waiting = _waiter_behind_an_expired_ticket("kill")
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(store._acquire_lock("kill", waiting, 0.05), 1.0))


def test_a_waiter_whose_ticket_expired_goes_on_once_no_live_ticket_is_before_it(fair_tickets):
    store, waiting = _waiter_behind_an_expired_ticket("kill")
    lock = asyncio.run(asyncio.wait_for(store._acquire_lock("kill", waiting, 0.05), 1.0))
    assert not lock.is_locked(waiting)
    behind = store.issue_ticket("kill", 30)  # a later message still waits for a live one
    first_live = store.issue_ticket("other", 30)
    assert store.get_lock("kill").is_locked(behind) is False  # nothing live before it
    later = store.issue_ticket("other", 30)
    assert store.get_lock("other").is_locked(later)
    assert not store.get_lock("other").is_locked(first_live)
