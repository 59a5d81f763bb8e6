"""Fire due work: claim due rows from the database and fire each (the host's ticker calls this).

Correctness lives in the database, so any number of ``flowdesk serve`` and ``flowdesk worker``
processes on one PostgreSQL fire each row exactly once:

* a batch of due rows is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (on SQLite, the
  transaction's write lock does the same), and each row is fired in a savepoint of that same
  transaction, which also marks it done: a row is either fired and done, or neither;
* the instance row is locked (``SKIP LOCKED``: a busy instance is tried on the next tick), so
  the work of one instance runs serially;
* a row that raises is retried with backoff (``due_work.record_failure``), then fails for good:
  its instance goes to ``error`` with an incident an admin can retry.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import RowMapping, bindparam, or_, select

from services import audit, due_work, event_delivery, metrics, migrations, timers
from services.context import Flowdesk
from services.instance_errors import stop_in_error
from services.sla import escalations
from services.timers import Fired
from store.fast_sql import Prepared
from store.tables import DueWork
from store.uow import UnitOfWork

log = logging.getLogger("flowdesk.scheduler")
due = DueWork.__table__

Handler = Callable[[UnitOfWork, Flowdesk, RowMapping, datetime, str], Fired]
HANDLERS: dict[str, Handler] = {"timer": timers.fire_timer, "start": timers.fire_start,
                                "sla": escalations.fire_sla,
                                "throw": event_delivery.fire_throw,
                                "deliver": event_delivery.fire_delivery,
                                migrations.DUE_KIND: migrations.fire_migration}

# A BPMN timer is due once its instant has passed (SpiffWorkflow's own test is strict, so one
# fired at the very instant would not move); an SLA event at its instant: a clock whose time
# used reaches its duration is breached then (``engine.sla``), not one tick later.
DUE_NOW = (due.c.state == "pending", due.c.due_at <= bindparam("now"),
           or_(due.c.due_at < bindparam("now"), due.c.kind == "sla"))
CLAIM = (select(due).where(*DUE_NOW).order_by(due.c.due_at, due.c.id)
         .limit(bindparam("limit")).with_for_update(skip_locked=True))
# Asked first, outside any transaction (``fd.read_alone``): a claim is a write transaction, and
# on SQLite an idle ticker took the one write lock four times a second for nothing (a request
# that wanted it meanwhile slept in the busy handler).
ANY_DUE = Prepared(select(due.c.id).where(*DUE_NOW).limit(1))


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due(fd: Flowdesk, limit: int | None = None, node: str | None = None) -> int:
    """Fire everything due now, batch after batch, including what firing made due (a breach
    arms its first escalation level at once); returns how many rows were fired."""
    limit = limit or fd.settings.scheduler_batch
    node = node or node_name()
    total = 0
    while True:
        fired, claimed, progressed = _run_batch(fd, limit, node)
        total += fired
        if not claimed or not progressed:
            return total


def _run_batch(fd: Flowdesk, limit: int, node: str) -> tuple[int, int, bool]:
    fired = progressed = 0
    if not fd.read_alone(ANY_DUE, {"now": fd.now()}):
        return 0, 0, False
    with fd.uow() as conn:
        now = fd.now()
        rows = conn.execute(CLAIM, {"now": now, "limit": limit}).mappings().all()
        for row in rows:
            outcome = _fire_one(conn, fd, row, now, node)
            if outcome != "busy":
                progressed += 1
            if outcome == "fired":
                fired += 1
    return fired, len(rows), progressed > 0


# Refusals that the same row meets again on every try: it fails on the first (a thrown
# message that several cases wait for, none named: the model's correlation needs mending).
FINAL_AT_ONCE = frozenset({"event.ambiguous"})


def _fire_one(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
              node: str) -> Fired:
    handler = HANDLERS.get(row["kind"])
    try:
        with conn.savepoint():
            if handler is None:
                raise LookupError(f"no handler for due work of kind {row['kind']!r}")
            outcome = handler(conn, fd, row, now, node)
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
        return _failed(conn, fd, row, now, exc)
    if outcome == "fired":
        metrics.observe_lateness(conn, row["kind"], row["due_at"], now)
    return outcome


def _failed(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
            exc: Exception) -> Fired:
    """A row that raised: retried later with backoff, or its instance stops in error."""
    log.exception("due work %s (%s) failed", row["id"], row["kind"], exc_info=exc)
    if row["instance_id"] is not None:
        fd.workflows.evict(row["instance_id"])
    message = f"{type(exc).__name__}: {exc}"
    final = getattr(exc, "code", None) in FINAL_AT_ONCE
    if due_work.record_failure(conn, row["id"], row["attempts"], message, now, final=final):
        _fail_instance(conn, row, message, now, attempts=row["attempts"] + 1)
    return "failed"


def _fail_instance(conn: UnitOfWork, row: RowMapping, message: str, now: datetime,
                   attempts: int) -> None:
    """Retries are used up: the instance stops in ``error`` with an incident to retry."""
    if row["instance_id"] is None:
        return
    times = "once" if attempts == 1 else f"{attempts} times"
    stop_in_error(conn, row["instance_id"], now, kind=f"{row['kind']}_failed",
                  bpmn_id=(row["payload"] or {}).get("bpmn_id"), task_name=row["label"],
                  message=f"Due work {row['id']} failed {times}: {message}")
    audit.record(conn, now, timers.SCHEDULER, "due_work.failed", instance_id=row["instance_id"],
                 after={"due_work_id": row["id"], "error": message})
