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
"""

from __future__ import annotations

from collections.abc import Reversible
from typing import Any

# The action call carries the events from the person's previous message on.
ACTION_CALL_USER_MESSAGES = 2
# The policies see the last four user messages: more than max_history (3) or any rule.
PREDICTION_USER_MESSAGES = 4


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
