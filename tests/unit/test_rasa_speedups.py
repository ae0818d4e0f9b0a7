"""Rasa inside our server does less per turn and learns the same: event classes from a table,
action calls and predictions from the recent events, the response schema checked once, and
a session's newest events loaded from the tracker store with the slots' latest values."""

import asyncio
import json

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot.conversation.observe import before_turn
from bot.dialogue import build_domain
from bot.processes.rasa_speedups import (
    PREDICTION_USER_MESSAGES,
    RETRIEVED_EVENTS,
    cache_event_types,
    recent_events,
    retrieve_recent_events,
    send_actions_recent_events,
    states_are_recent_only,
    validate_action_results_once,
)


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


def _conversation(messages):
    """A session of `messages` answered turns, as Rasa stores them."""
    stored = [SessionStarted(), ActionExecuted("action_listen")]
    for number in range(messages):
        stored += [
            UserUttered(f"message {number}", {"name": "strong_passwords", "confidence": 0.9}),
            ActionExecuted("action_answer_topic"),
            BotUttered(f"answer {number}", {"custom": {"topic": f"topic_{number}"}}),
            SlotSet("last_topic", f"topic_{number}"),
            ActionExecuted("action_listen"),
        ]
    return stored


@pytest.fixture
def action_call(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_action_call_format", RemoteAction._action_call_format)
    send_actions_recent_events()
    domain = Domain.from_dict(build_domain())

    def call(stored):
        tracker = DialogueStateTracker.from_events("someone", stored, domain.slots)
        action = RemoteAction("action_answer_topic", EndpointConfig("http://127.0.0.1:1"))
        return action._action_call_format(tracker, domain), tracker

    return call


@pytest.mark.parametrize("messages", [0, 1, 2, 250])
def test_an_action_learns_the_same_about_the_turn_before_from_the_recent_events(
    action_call, messages
):
    call, tracker = action_call(_conversation(messages))
    everything = tracker.current_state(EventVerbosity.ALL)["events"]
    assert before_turn(call["tracker"]["events"]) == before_turn(everything)
    assert call["tracker"]["events"] == everything[-min(len(everything), 11) :]
    assert call["tracker"]["slots"] == tracker.current_slot_values()
    assert call["tracker"]["latest_message"] == tracker.current_state()["latest_message"]
    assert call["next_action"] == "action_answer_topic" and "domain" in call


def test_the_action_call_stays_the_same_size_as_a_conversation_grows(action_call):
    sizes = [len(json.dumps(action_call(_conversation(n))[0])) for n in (5, 200)]
    assert sizes[1] < 1.05 * sizes[0]  # only the numbers in the texts grow


@pytest.mark.parametrize("messages", [1, 4, 5, 250])
def test_the_policies_see_the_same_last_states_in_the_recent_events(messages):
    domain = Domain.from_dict(build_domain())
    assert states_are_recent_only(domain)
    stored = _conversation(messages)[:-1]  # what follows the last answer is being chosen
    full = DialogueStateTracker.from_events("someone", stored, domain.slots)
    recent = recent_events(full.events, PREDICTION_USER_MESSAGES)
    view = DialogueStateTracker.from_events("someone", recent, domain.slots)
    assert len(recent) == min(len(stored), 5 * PREDICTION_USER_MESSAGES)
    # Longer than MemoizationPolicy's max_history and any rule of ours
    assert view.past_states(domain)[-7:] == full.past_states(domain)[-7:]
    assert view.latest_message == full.latest_message
    assert view.latest_action_name == full.latest_action_name == "action_answer_topic"


def test_a_slot_that_steers_the_conversation_is_not_recent_only():
    domain = Domain.from_dict(
        {**build_domain(), "slots": {"mood": {"type": "bool", "mappings": [{"type": "custom"}]}}}
    )
    assert not states_are_recent_only(domain)


@pytest.fixture
def checked(monkeypatch):
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    validate_action_results_once()
    return RemoteAction("action_answer_topic", EndpointConfig("http://127.0.0.1:1"))


def test_a_valid_action_response_passes_the_check(checked):
    response = {
        "events": [{"event": "slot", "name": "last_topic", "value": "strong_passwords"}],
        "responses": [{"json_message": {"text": "Use a long passphrase."}}],
    }
    assert checked._validate_action_result(response) is True


def test_an_invalid_action_response_gets_rasas_own_error(checked):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        checked._validate_action_result({"events": "not a list"})


@pytest.fixture
def tracker_store(monkeypatch, tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore

    for name in ("_retrieve", "_additional_events", "save"):
        monkeypatch.setattr(SQLTrackerStore, name, getattr(SQLTrackerStore, name))
    retrieve_recent_events()
    domain = Domain.from_dict(build_domain())
    return SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "trackers.db")), domain


def _store_turn_by_turn(store, domain, stored):
    """Saves `stored` as Rasa does, a turn (up to an action_listen) at a time."""
    turn = []
    for event in stored:
        turn.append(event)
        if getattr(event, "action_name", None) == "action_listen":
            tracker = asyncio.run(store.retrieve("someone")) or DialogueStateTracker(
                "someone", domain.slots
            )
            for new in turn:
                tracker.update(new)
            asyncio.run(store.save(tracker))
            turn = []


def _with_languages(stored):
    """Sets the language once, early, as a conversation does, and the topic every turn."""
    return [stored[0], SlotSet("conversation_language", "sw"), *stored[1:]]


@pytest.mark.parametrize("messages", [3, 40, 120])
def test_a_turn_loads_the_recent_events_and_the_same_state(tracker_store, messages):
    store, domain = tracker_store
    stored = _with_languages(_conversation(messages))
    _store_turn_by_turn(store, domain, stored)
    loaded = asyncio.run(store.retrieve("someone"))
    everything = DialogueStateTracker.from_events("someone", stored, domain.slots)
    assert len(loaded.events) <= RETRIEVED_EVENTS + len(domain.slots)
    assert loaded.current_slot_values() == everything.current_slot_values()
    assert loaded.current_slot_values()["conversation_language"] == "sw"
    assert loaded.latest_message == everything.latest_message
    assert loaded.past_states(domain)[-7:] == everything.past_states(domain)[-7:]


def test_what_a_turn_adds_is_saved_once_and_in_order(tracker_store):
    store, domain = tracker_store
    stored = _with_languages(_conversation(40))
    _store_turn_by_turn(store, domain, stored)
    tracker = asyncio.run(store.retrieve("someone"))
    added = [UserUttered("one more"), ActionExecuted("action_answer_topic")]
    for event in added:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing saved twice
    full = asyncio.run(store.retrieve_full_tracker("someone"))
    assert [e.as_dict() for e in full.events] == [e.as_dict() for e in [*stored, *added]]


def test_an_event_with_a_lasting_effect_loads_the_whole_session(tracker_store):
    store, domain = tracker_store
    stored = _conversation(40)
    stored.insert(3, ConversationPaused())
    _store_turn_by_turn(store, domain, stored)
    loaded = asyncio.run(store.retrieve("someone"))
    assert len(loaded.events) == len(stored) and loaded.is_paused()
