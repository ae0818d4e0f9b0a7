"""Work Rasa 3.6 repeats on every turn, done once (inside the Rasa server).

Rasa turns every stored event back into an object by looking its class up by name
(`Event.resolve_by_type`), and that lookup walks the whole class tree of events each time:
once per event of the conversation, every turn, so a long conversation pays for its length
again at each message. The classes do not change once Rasa is imported; a table built on
first use answers the same, and a name it does not know (an event class defined later)
rebuilds it before giving Rasa's own answer.
"""

from __future__ import annotations

from typing import Any


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
