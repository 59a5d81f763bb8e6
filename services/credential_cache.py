"""The principals this node looked up, reused while nobody's access has changed.

A request's credential (a token's or a session's digest) maps to the principal found for it,
tagged with the access epoch read *before* that lookup (``store.access_epoch``) and with the
time it may be trusted until: the credential's own expiry, and at most ``LIFETIME`` (so the
lookup, which also notices when a token's last use should be recorded, runs now and then even
while nothing changes). Only found principals are kept: an unknown credential is looked up
every time, so a token made a moment ago works at once. Bounded: when full, it starts over.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from services.principal import Principal

LIFETIME = timedelta(seconds=60)


class CredentialCache:
    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: dict[str, tuple[object, datetime, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, epoch: object, now: datetime) -> Principal | None:
        """The principal kept for this credential, if it was looked up at this epoch and
        may still be trusted at ``now``."""
        found = self._items.get(key)
        if found is None or found[0] != epoch or found[1] <= now:
            return None
        return found[2]

    def put(self, key: str, epoch: object, now: datetime, principal: Principal,
            expires_at: datetime | None = None) -> None:
        until = now + LIFETIME
        if expires_at is not None and expires_at < until:
            until = expires_at
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key] = (epoch, until, principal)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
