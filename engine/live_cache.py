"""Live workflow objects kept between calls, keyed by instance id and row version.

Rebuilding a workflow from JSON costs more than running a user task, so after a successful save
the host parks the object here. ``take`` removes it: one caller owns a live workflow at a time,
and anything that fails simply never puts it back (evicted on error or rollback by construction).

Bounded twice, least recently parked first out: by entries, and by approximate bytes, so a few
huge cases cannot grow the server's memory without end (issue 17: the serve tree stays small
at 100,000 open tasks). A live workflow's size is not cheap to measure, so the caller gives an
estimate (``services.engine_step``: its saved state's length times ``LIVE_PER_SAVED_BYTE``);
without one the cache assumes the mean of what it holds, or ``DEFAULT_BYTES``.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

DEFAULT_BYTES = 64 * 1024
LIVE_PER_SAVED_BYTE = 4  # a live SpiffWorkflow object takes a few times its JSON's size


class WorkflowCache:
    def __init__(self, size: int = 2048, max_bytes: int = 16 * 1024 * 1024) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._items: OrderedDict[Any, tuple[int, Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def take(self, key: Any, version: int) -> Any | None:
        """The parked workflow for exactly this version, removed from the cache, or None."""
        with self._lock:
            entry = self._items.pop(key, None)
            if entry is not None:
                self._bytes -= entry[2]
        if entry is None:
            return None
        if entry[0] != version:
            return None
        return entry[1]

    def put(self, key: Any, version: int, workflow: Any, nbytes: int | None = None) -> None:
        """Park ``workflow`` (about ``nbytes`` in memory); the oldest entries leave while
        either bound is exceeded (an entry larger than the byte bound is not kept at all)."""
        with self._lock:
            if nbytes is None:
                nbytes = self._bytes // len(self._items) if self._items else DEFAULT_BYTES
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._items[key] = (version, workflow, nbytes)
            self._bytes += nbytes
            while self._items and (len(self._items) > self._size
                                   or self._bytes > self._max_bytes):
                self._bytes -= self._items.popitem(last=False)[1][2]

    def evict(self, key: Any) -> None:
        with self._lock:
            entry = self._items.pop(key, None)
            if entry is not None:
                self._bytes -= entry[2]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """The approximate bytes of the parked workflows (a metrics gauge)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
