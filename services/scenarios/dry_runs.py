"""The dry runs of one server process, kept in memory: at most ``limit`` at a time, each
forgotten (its store deleted) after ``idle_seconds`` without a request. A run belongs to the
designer who started it; others are told it does not exist.

The stores are throwaway SQLite databases (``store.throwaway.ThrowawayStores``), migrated and
made on the first dry run, deleted when the process exits.
"""
from __future__ import annotations

import atexit
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from services.context import Flowdesk
from services.errors import Conflict, NotFound, Unavailable
from services.principal import Principal, require_role
from services.scenarios.dry_run import DryRun
from store.throwaway import ThrowawayStores

LIMIT = 20
IDLE_SECONDS = 30 * 60
BUSY_SECONDS = 10.0  # a step waits this long for the run's previous step


class Stores(Protocol):
    def new(self) -> str: ...

    def discard(self, url: str) -> None: ...


class DryRuns:
    def __init__(self, stores: Stores | None = None, limit: int = LIMIT,
                 idle_seconds: float = IDLE_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if stores is None:
            stores = ThrowawayStores()
            atexit.register(stores.close)
        self.stores, self.limit, self.idle_seconds = stores, limit, idle_seconds
        self.monotonic = monotonic
        self._runs: dict[str, DryRun] = {}
        self._lock = threading.Lock()

    def create(self, real: Flowdesk, user: Principal, files: dict[str, bytes]) -> DryRun:
        """Deploy ``files`` (the draft) into a new store; InvalidModel when it would not
        deploy, Unavailable when this server already holds ``limit`` runs."""
        require_role(user, "designer", "admin")
        self.expire()
        with self._lock:
            if len(self._runs) >= self.limit:
                raise Unavailable.of("dry_run.too_many", limit=self.limit)
        url = self.stores.new()
        try:
            run = DryRun(real, url, user.username, files)
        except BaseException:
            self.stores.discard(url)
            raise
        run.id, run.last_used = secrets.token_urlsafe(12), self.monotonic()
        with self._lock:
            self._runs[run.id] = run
        return run

    @contextmanager
    def using(self, user: Principal, run_id: str) -> Iterator[DryRun]:
        """The run, held for one request (its steps happen one at a time)."""
        require_role(user, "designer", "admin")
        self.expire()
        with self._lock:
            run = self._runs.get(run_id)
        if run is None or (run.owner != user.username and not user.has_role("admin")):
            raise NotFound.of("dry_run.not_found", run=run_id)
        if not run.lock.acquire(timeout=BUSY_SECONDS):
            raise Conflict.of("dry_run.busy", run=run_id)
        try:
            yield run
        finally:
            run.last_used = self.monotonic()
            run.lock.release()

    def delete(self, user: Principal, run_id: str) -> None:
        with self.using(user, run_id) as run:
            with self._lock:
                self._runs.pop(run.id, None)
        self._drop(run)

    def expire(self) -> None:
        """Forget the runs idle longer than ``idle_seconds`` (not one in use)."""
        cutoff = self.monotonic() - self.idle_seconds
        with self._lock:
            idle = [r for r in self._runs.values() if r.last_used < cutoff and not r.lock.locked()]
            for run in idle:
                del self._runs[run.id]
        for run in idle:
            self._drop(run)

    def __len__(self) -> int:
        return len(self._runs)

    def close(self) -> None:
        with self._lock:
            runs, self._runs = list(self._runs.values()), {}
        for run in runs:
            self._drop(run)

    def _drop(self, run: DryRun) -> None:
        run.close()
        self.stores.discard(run.url)
