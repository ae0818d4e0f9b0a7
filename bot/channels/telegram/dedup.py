"""Answering an update once, even when Telegram delivers it twice.

Telegram redelivers a webhook call it thinks failed, and a restart may fetch an update
again; both carry the same `update_id`. Remembering the most recent ids is enough: ids grow,
and a redelivery comes soon after the first delivery.
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_REMEMBERED = 10_000


class RecentUpdates:
    """The last `size` update ids seen."""

    def __init__(self, size: int = DEFAULT_REMEMBERED) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self._size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen, False for a repeat (then it is remembered anew)."""
        if update_id in self._seen:
            self._seen.move_to_end(update_id)
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
