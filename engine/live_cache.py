"""Live workflow objects kept between calls, keyed by instance id and row version.

Rebuilding a workflow from JSON costs more than running a user task, so after a successful save
the host parks the object here. ``take`` removes it: one caller owns a live workflow at a time,
and anything that fails simply never puts it back (evicted on error or rollback by construction).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class WorkflowCache:
    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._items: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: Any, version: int) -> Any | None:
        """The parked workflow for exactly this version, removed from the cache, or None."""
        with self._lock:
            entry = self._items.pop(key, None)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, key: Any, version: int, workflow: Any) -> None:
        with self._lock:
            self._items[key] = (version, workflow)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def evict(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
