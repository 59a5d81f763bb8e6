"""Live workflow objects kept between calls, keyed by instance id and row version.

Rebuilding a workflow from JSON costs more than running a user task, so after a successful save
the host parks the object here. ``take`` removes it: one caller owns a live workflow at a time,
and anything that fails simply never puts it back (evicted on error or rollback by construction).

Bounded by entries and by weight: the caller weighs each workflow by its saved state's length
(a live workflow takes about three times that in memory), so a server whose cases are large
models keeps fewer of them, and each worker's memory stays put however many cases are open.
The least recently parked go first.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class WorkflowCache:
    def __init__(self, size: int = 2048, max_weight: int | None = None) -> None:
        self._size = size
        self._max_weight = max_weight
        self._items: OrderedDict[Any, tuple[int, Any, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def take(self, key: Any, version: int) -> Any | None:
        """The parked workflow for exactly this version, removed from the cache, or None."""
        with self._lock:
            entry = self._pop(key)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, key: Any, version: int, workflow: Any, weight: int = 0) -> None:
        with self._lock:
            self._pop(key)
            self._items[key] = (version, workflow, weight)
            self._weight += weight
            while len(self._items) > self._size or (
                    self._max_weight is not None and self._weight > self._max_weight):
                self._weight -= self._items.popitem(last=False)[1][2]

    def _pop(self, key: Any) -> tuple[int, Any, int] | None:
        entry = self._items.pop(key, None)
        if entry is not None:
            self._weight -= entry[2]
        return entry

    def evict(self, key: Any) -> None:
        with self._lock:
            self._pop(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    @property
    def weight(self) -> int:
        """The parked workflows' weights added up (their saved states' lengths)."""
        return self._weight

    def __len__(self) -> int:
        return len(self._items)
