"""Rasa's stores made to fail honestly and recover by themselves (inside the Rasa server).

Two things in Rasa 3.6 go wrong when the tracker store's database stops and starts again:

- Rasa's agent wraps every tracker store in `FailSafeTrackerStore`, which answers a failed
  read with "no conversation" and a failed write by saving to memory. A message during an
  outage is then answered as if the conversation were new (its language and topic
  forgotten), and when the read failed but the write works (the database just came back)
  that new conversation is written over the stored one. We raise instead: the message
  fails, the gateway says "I'm having trouble", and the stored conversation stays as it was.
- Rasa's SQL engine keeps pooled connections that died with the server, so the first
  message on each after a restart fails. SQLAlchemy's `pool_pre_ping` replaces them.

And one when a Rasa server is killed in the middle of a turn: its ticket in the Redis lock
store stays for Rasa's 60 s, and the other server waits that long before it takes the
conversation, while the person is told "I'm having trouble" for a minute. The gateway
already runs one turn at a time per conversation and holds its lock for the whole Rasa call
(`bot.core.locks`), so Rasa's lock is a second guard: TICKET_LOCK_SECONDS, longer than a
normal turn and shorter than the reply timeout, is enough, and then only the message that
was in flight on the killed server is answered "I'm having trouble".

A short lifetime exposes a flaw of Rasa's ticket lock: a message waiting behind the killed
server's ticket holds a ticket of the same lifetime, and when both expire between two of
its looks, its own ticket is gone, `now_serving` never equals it again and it waits until
the gateway gives up, for every later message of that conversation too. A ticket is free
when no live ticket before it remains, whether or not its own has expired.
"""

from __future__ import annotations

import os
from typing import Any

TICKET_LOCK_SECONDS = 5


def shorten_ticket_locks() -> None:
    """Rasa's own setting (`TICKET_LOCK_LIFETIME`); call before Rasa is imported, as Rasa
    reads it once, at import. An operator's own value is kept."""
    os.environ.setdefault("TICKET_LOCK_LIFETIME", str(TICKET_LOCK_SECONDS))


def free_tickets_whose_turn_came() -> None:
    """Rasa's `TicketLock.is_locked`, with a waiter's own expired ticket no longer a wait."""
    from rasa.core.lock import TicketLock

    def is_locked(self: TicketLock, ticket_number: int) -> bool:
        return any(t.number < ticket_number and not t.has_expired() for t in self.tickets)

    TicketLock.is_locked = is_locked  # type: ignore[method-assign]


def harden_tracker_store() -> None:
    """Applies both changes; call before Rasa creates its agent."""
    from rasa.core import agent, tracker_store

    class FailingTrackerStore(tracker_store.FailSafeTrackerStore):
        """Rasa's wrapper, but a failure of the tracker store is raised, never hidden."""

        def on_tracker_store_error(self, error: Exception) -> None:
            raise error

        def on_tracker_store_retrieve_error(self, error: Exception) -> None:
            raise error

    engine_kwargs = tracker_store.create_engine_kwargs

    def pinging_engine_kwargs(url: Any) -> dict[str, Any]:
        return {**engine_kwargs(url), "pool_pre_ping": True}

    agent.FailSafeTrackerStore = FailingTrackerStore  # what Agent wraps its store in
    tracker_store.create_engine_kwargs = pinging_engine_kwargs  # what SQLTrackerStore uses
