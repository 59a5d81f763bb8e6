"""SQLite's write-ahead log checkpointed on a background thread, off the request path.

Left to itself, SQLite checkpoints inside whichever commit pushes the log past
``wal_autocheckpoint`` pages: that commit copies the log into the database file and syncs it,
which stalled the request behind it for 5–400 ms on a virtual disk. A server process instead
runs a PASSIVE checkpoint every second on a connection of its own (PASSIVE never waits for
readers or writers, and the GIL is released while SQLite works), and its request connections
keep autocheckpoint only as a far-off backstop (``db.AUTOCHECKPOINT_PAGES``) for processes
that run no checkpointer, such as the CLI. Under non-stop writes a passive pass may never
reach the log's end, so SQLite never starts the log over and it grows to that backstop (about
40 MB in the benchmark); the backstop's checkpoint then runs in a request, but copies only the
pages the background passes have not.
"""
from __future__ import annotations

import logging
import sqlite3
import threading

from sqlalchemy import Engine

log = logging.getLogger("flowdesk.wal")


class WalCheckpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` every ``interval`` seconds until stopped."""

    def __init__(self, database_path: str, interval: float = 1.0) -> None:
        self.database_path = database_path
        self.interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flowdesk-wal-checkpoint",
                                        daemon=True)

    @classmethod
    def for_engine(cls, engine: Engine, interval: float = 1.0) -> WalCheckpointer | None:
        """A checkpointer for an engine on a SQLite file; None for anything else."""
        url = engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return cls(url.database, interval)

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        """One pass: (busy, pages in the log, pages copied into the database)."""
        busy, log_pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return busy, log_pages, copied

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        conn = sqlite3.connect(self.database_path, timeout=30, check_same_thread=False,
                               isolation_level=None)
        try:
            while not self._stopped.wait(self.interval):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error:  # noqa: PERF203 - a locked or busy pass: try next time
                    log.warning("WAL checkpoint of %s failed", self.database_path,
                                exc_info=True)
        finally:
            conn.close()
