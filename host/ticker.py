"""The ticker: calls ``services.due_runner.run_due`` on an APScheduler thread, then the
notification pipeline (``services.notify.pipeline``, at most every ``notify_interval``, 1 s:
fanning out a second's events in one pass instead of four costs the requests less, as
each commit of the ticker's connection empties SQLite's page cache of theirs), and the
housekeeping (``services.housekeeping``, at most every few minutes). It only ticks; which rows
fire, and that each fires once across nodes, is decided in the database."""
from __future__ import annotations

import logging
import threading
import time

from services.context import Flowdesk
from services.due_runner import node_name, run_due
from services.every import AtMostEvery
from services.housekeeping import Housekeeping
from services.notify import pipeline as notifications
from services.metrics import TICKS_SKIPPED
from services.readiness import Heartbeat

log = logging.getLogger("flowdesk.scheduler")
SKIPPED = "maximum number of running instances reached"


class SkippedTicks(logging.Filter):
    """APScheduler warns each time a tick is due while the last one still runs (a long batch
    of due work): expected, not an alarm. Counted as ``flowdesk_ticks_skipped_total``
    instead of logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if SKIPPED in record.getMessage():
            TICKS_SKIPPED.inc()
            return False
        return True


_SKIPPED_TICKS = SkippedTicks()
# Between two fan-out batches (services.notify.fanout.BATCH): the requests have the GIL and
# the database to themselves for a moment.
PAUSE_SECONDS = 0.002


def _let_requests_in() -> None:
    time.sleep(PAUSE_SECONDS)


class Ticker:
    """Calls ``run_due`` every ``interval`` seconds on an APScheduler background thread."""

    def __init__(self, fd: Flowdesk, interval: float | None = None) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        self.fd = fd
        self.interval = interval or fd.settings.scheduler_interval
        self.node = node_name()
        self._lock = threading.Lock()
        self.housekeeping = Housekeeping()
        self._notify_every = AtMostEvery(fd.settings.notify_interval)  # on time.monotonic()
        self.heartbeat = Heartbeat()
        executor_log = logging.getLogger("apscheduler.scheduler")
        if _SKIPPED_TICKS not in executor_log.filters:
            executor_log.addFilter(_SKIPPED_TICKS)
        self._scheduler = BackgroundScheduler(daemon=True)
        self._scheduler.add_job(self.tick, "interval", seconds=self.interval, max_instances=1,
                                coalesce=True, id="flowdesk-ticker")

    def tick(self) -> int:
        if not self._lock.acquire(blocking=False):
            return 0
        try:
            return run_due(self.fd, node=self.node)
        except Exception:  # noqa: BLE001 - the next tick tries again; the DB holds the truth
            log.exception("tick failed")
            return 0
        finally:
            self._notify()
            self._clean_up()
            self._lock.release()

    def _notify(self) -> None:
        if not self._notify_every.due(time.monotonic()):
            return
        try:
            notifications.run(self.fd, between_batches=_let_requests_in)
        except Exception:  # noqa: BLE001 - the outbox keeps what was not sent
            log.exception("notifications failed")

    def _beat(self) -> None:
        """The heartbeat ``/ready`` reads (``services.readiness``), every few seconds."""
        try:
            self.heartbeat.beat(self.fd)
        except Exception:  # noqa: BLE001 - /ready reports a stale heartbeat; ticks go on
            log.exception("heartbeat failed")

    def _clean_up(self) -> None:
        self._beat()
        try:
            self.housekeeping.run_if_due(self.fd)
        except Exception:  # noqa: BLE001 - a later run deletes what this one did not
            log.exception("housekeeping failed")

    def start(self) -> "Ticker":
        self._scheduler.start()
        log.info("ticker started on %s, every %.2f s", self.node, self.interval)
        return self

    def stop(self) -> None:
        self._scheduler.shutdown(wait=True)
