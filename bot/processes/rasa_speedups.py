"""Work Rasa 3.6 repeats on every turn, done once or bounded (inside the Rasa server).

Rasa turns every stored event back into an object by looking its class up by name
(`Event.resolve_by_type`), and that lookup walks the whole class tree of events each time:
once per event of the conversation, every turn, so a long conversation pays for its length
again at each message. The classes do not change once Rasa is imported; a table built on
first use answers the same, and a name it does not know (an event class defined later)
rebuilds it before giving Rasa's own answer.

Rasa also sends the action server every event of the conversation's session with each
action call, encoded to JSON and decoded again there (about 36 ms at the 250th message).
Our actions read the latest message, the slots and the events since the person's previous
message (`bot.conversation.observe.before_turn`), so the call carries those events only and
costs the same at the 250th message as at the 5th.

The policies, too, turn every event of the session into dialogue states at each
prediction, and Rasa copies them all for a debug log line, only to look at the last few:
MemoizationPolicy at its `max_history` (3), RulePolicy at our rules' two steps. Where no
slot influences the conversation and there are no forms (so a dialogue state holds only
the last intent and action), they predict from a tracker of the last few user messages.

And Rasa checks every action server response against its response schema with
`jsonschema.validate`, which first checks the schema itself against the JSON Schema
meta-schema: 12% of the Rasa server's time under load. The schema never changes, so it is
checked once; a response that fails is handed to Rasa's own check for its error.

Last, the SQL tracker store reads and decodes every event of the session at each message
(28% of the Rasa server's time at the 250th message), and saves what lies beyond the count
of stored events. Where the older events are plain (messages, actions, slots), a turn loads
the newest RETRIEVED_EVENTS with each slot's latest value before them, and saves the events
added since it loaded them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Reversible
from typing import Any

# The action call carries the events from the person's previous message on.
ACTION_CALL_USER_MESSAGES = 2
# The policies see the last four user messages: more than max_history (3) or any rule.
PREDICTION_USER_MESSAGES = 4
# The events a turn loads from the tracker store: about 14 of our turns, more than the above.
RETRIEVED_EVENTS = 100
# Events whose effect on a tracker is over once newer events follow, but for a slot's value.
PLAIN_EVENTS = ("user", "bot", "action", "slot", "session_started", "user_featurization")


def cache_event_types() -> None:
    """Call before Rasa loads any tracker."""
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    original = events.Event.resolve_by_type
    table: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = table.get(type_name)
        if found is None:
            # First use, or a class defined since: rebuild; the first class of a name wins,
            # as in Rasa's own walk.
            table.clear()
            for cls in reversed(all_subclasses(events.Event)):
                table[cls.type_name] = cls
            found = table.get(type_name)
        return found if found is not None else original(type_name, default)

    events.Event.resolve_by_type = staticmethod(resolve_by_type)


def recent_events(events: Reversible[Any], users: int = ACTION_CALL_USER_MESSAGES) -> list[Any]:
    """The events from the `users`-th last user message on (all of them when there are
    fewer), with the `action_listen` before it: what came just before, as Rasa stored it."""
    tail, seen = [], 0
    for event in reversed(events):
        if seen == users:
            if getattr(event, "action_name", None) == "action_listen":
                tail.append(event)
            break
        tail.append(event)
        if event.type_name == "user":
            seen += 1
    return tail[::-1]


def send_actions_recent_events() -> None:
    """Rasa's action call with the recent events only (Rasa 3.6's `_action_call_format`
    otherwise); call before Rasa runs an action."""
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
        call = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": state,
            "version": rasa.__version__,
        }
        if not self._is_selective_domain_enabled() or (
            domain.does_custom_action_explicitly_need_domain(self.name())
        ):
            call["domain"] = domain.as_dict()
        return call

    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]


def states_are_recent_only(domain: Any) -> bool:
    """Whether a dialogue state depends on the recent events only (no slot that influences
    the conversation, no form): then an old event can't change a prediction."""
    return not domain.form_names and not any(s.influence_conversation for s in domain.slots)


def predict_from_recent_events() -> None:
    """Rasa's next-action prediction, on a tracker of the recent events where that predicts
    the same; call before Rasa predicts."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    original = MessageProcessor._predict_next_with_tracker

    def _predict_next_with_tracker(self: MessageProcessor, tracker: Any) -> Any:
        if tracker.followup_action or not states_are_recent_only(self.domain):
            return original(self, tracker)
        recent = recent_events(tracker.events, PREDICTION_USER_MESSAGES)
        if len(recent) == len(tracker.events):
            return original(self, tracker)
        view = DialogueStateTracker.from_events(tracker.sender_id, recent, self.domain.slots)
        return original(self, view)

    MessageProcessor._predict_next_with_tracker = _predict_next_with_tracker  # type: ignore[method-assign]


def validate_action_results_once() -> None:
    """Rasa's check of an action server's response, with the schema checked once; call
    before Rasa runs an action."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    original = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        return validator.is_valid(result) or original(self, result)

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def retrieve_recent_events() -> None:
    """Rasa's SQL tracker store, loading a session's newest events where that yields the
    same tracker state; call before Rasa creates its tracker store."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    original_retrieve = SQLTrackerStore._retrieve
    original_additional_events = SQLTrackerStore._additional_events
    event = SQLTrackerStore.SQLEvent

    def recent_rows(store: SQLTrackerStore, session: Any, sender_id: str) -> list[Any] | None:
        """The slots' latest values and the newest events; None: load them all. The
        session's events are listed by id and kind first, by the index on the sender (a
        query with a limit may walk the primary key of every conversation instead)."""
        query = store._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        listed = query.with_entities(event.id, event.type_name, event.action_name).all()
        if len(listed) <= RETRIEVED_EVENTS:
            return None
        older, newest = listed[:-RETRIEVED_EVENTS], listed[-RETRIEVED_EVENTS:]
        if any(kind not in PLAIN_EVENTS for _, kind, _ in older):
            return None
        slots = {name: number for number, kind, name in older if kind == "slot"}
        ids = [*slots.values(), *(number for number, _, _ in newest)]
        return session.query(event).filter(event.id.in_(ids)).order_by(event.id).all()

    async def _retrieve(
        self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if (
            fetch_events_from_all_sessions
            or not self.domain
            or not states_are_recent_only(self.domain)
        ):
            return await original_retrieve(self, sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = recent_rows(self, session, sender_id)
            stored = None if rows is None else [json.loads(row.data) for row in rows]
        if stored is None:
            return await original_retrieve(self, sender_id, fetch_events_from_all_sessions)
        tracker = DialogueStateTracker.from_dict(sender_id, stored, self.domain.slots)
        tracker.events_loaded_from_store = len(stored)  # type: ignore[attr-defined]
        return tracker

    def _additional_events(self: SQLTrackerStore, session: Any, tracker: Any) -> Any:
        loaded = getattr(tracker, "events_loaded_from_store", None)
        if loaded is None:
            return original_additional_events(self, session, tracker)
        return itertools.islice(tracker.events, loaded, len(tracker.events))

    original_save = SQLTrackerStore.save

    async def save(self: SQLTrackerStore, tracker: Any) -> None:
        await original_save(self, tracker)
        if getattr(tracker, "events_loaded_from_store", None) is not None:
            tracker.events_loaded_from_store = len(tracker.events)  # saved up to here

    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    SQLTrackerStore._additional_events = _additional_events  # type: ignore[method-assign]
    SQLTrackerStore.save = save  # type: ignore[method-assign]
