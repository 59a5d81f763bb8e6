"""One worker of a ``flowdesk serve`` does the node's background duties (the ticker, the
connector worker, SQLite's WAL checkpoints); the others only answer requests.

Several tickers would be *correct*: due work, http tasks, the outbox and housekeeping are claimed
in the database (``FOR UPDATE SKIP LOCKED``; SQLite's write lock), so nodes never fire a row
twice. But each extra ticker costs a few transactions four times a second for nothing, and on
SQLite each of those takes the write lock that requests wait for. So the workers of one server
start take an exclusive ``flock`` on a file of that start: the first gets it and starts the
duties; the others wait for it on a thread of their own, and when its holder dies (killed, out
of memory) the kernel releases the lock and one of them takes over at once. Across nodes the
database still decides.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger("flowdesk.node")

LOCK_ENV = "FLOWDESK_SERVE_DUTY_LOCK"  # set by host.server.run for its workers
_held: list[int] = []  # the lock's descriptor, open for the process's lifetime


def _take(path: str, wait: bool) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held.append(fd)
    return True


def start_once_per_node(start: Callable[[], None], lock_path: str | None = None) -> bool:
    """Call ``start`` now if this process holds the node's duty lock (or runs alone: no lock
    file given nor in ``LOCK_ENV``); otherwise on a standby thread once the lock comes free.
    True when the duties started now."""
    path = lock_path or os.environ.get(LOCK_ENV)
    if not path or _take(path, wait=False):
        start()
        return True

    def standby() -> None:
        _take(path, wait=True)  # the GIL is released while the kernel keeps us waiting
        log.info("worker %s takes over the node's duties", os.getpid())
        start()

    threading.Thread(target=standby, name="flowdesk-duty-standby", daemon=True).start()
    return False
