"""Rasa's event classes, looked up from a table instead of the class tree, are the same."""

import pytest
from rasa.shared.core import events
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot.processes.rasa_speedups import cache_event_types


@pytest.fixture
def cached(monkeypatch):
    monkeypatch.setattr(events.Event, "resolve_by_type", events.Event.__dict__["resolve_by_type"])
    expected = {c.type_name: Event.resolve_by_type(c.type_name) for c in all_subclasses(Event)}
    cache_event_types()
    return expected


def test_every_event_name_resolves_to_rasas_class(cached):
    assert {name: Event.resolve_by_type(name) for name in cached} == cached


def test_unknown_names_behave_as_in_rasa(cached):
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_a_class_defined_after_the_table_is_found(cached):
    Event.resolve_by_type("user")  # the table is built

    class Later(ActionExecuted):
        type_name = "digibridge_later_event"

    assert Event.resolve_by_type("digibridge_later_event") is Later


def test_stored_events_round_trip(cached):
    stored = [SessionStarted(), ActionExecuted("action_listen"), UserUttered("hello")]
    assert [Event.from_parameters(e.as_dict()) for e in stored] == stored
