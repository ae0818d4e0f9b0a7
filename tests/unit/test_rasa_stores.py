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
