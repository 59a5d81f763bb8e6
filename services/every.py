"""``AtMostEvery``: "not more often than this" for work the ticker is asked to do on every tick
(the heartbeat, the housekeeping, the notification pipeline)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class AtMostEvery:
    """``due(now)`` is true at most once per ``period`` (the first call always), and marks the
    time when it is. ``now`` is whatever clock the caller keeps: ``fd.now()`` with a
    ``timedelta`` (a fake clock in tests drives it), or ``time.monotonic()`` with seconds."""

    period: Any
    last: Any = None

    def due(self, now: Any) -> bool:
        if self.last is not None and now - self.last < self.period:
            return False
        self.last = now
        return True
