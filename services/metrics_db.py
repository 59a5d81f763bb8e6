"""Gauges read from the database when ``/metrics`` is scraped: what is true of the data, not
of one process (open tasks by SLA state, live instances, the due-work backlog, the outbox),
and this process's connection pool.

A scrape costs a few grouped counts on indexed columns; nothing is written and no request
path pays for it. If the database does not answer, ``flowdesk_database_up`` is 0 and the
other database gauges are left out (``/ready`` says why).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import timezone

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from services.context import Flowdesk
from store import queries as q
from store.tables import DueWork, Notification

log = logging.getLogger("flowdesk.metrics")

due = DueWork.__table__
outbox = Notification.__table__
# The outbox's states once it has a ``state`` column; before that, sent or not by ``sent_at``.
NOTIFICATION_STATES = ("pending", "held", "sending", "sent", "failed", "dead")
SLA_STATES = ("none", "ok", "at_risk", "breached", "paused")

NAMES = ("flowdesk_database_up", "flowdesk_open_tasks", "flowdesk_instances_live",
         "flowdesk_due_work_backlog", "flowdesk_due_work_oldest_age_seconds",
         "flowdesk_notifications", "flowdesk_db_pool_checked_out", "flowdesk_db_pool_size",
         "flowdesk_workflow_cache_entries", "flowdesk_workflow_cache_bytes")


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


class DatabaseGauges:
    """A prometheus_client collector over one Flowdesk's database."""

    def __init__(self, fd: Flowdesk) -> None:
        self.fd = fd

    def describe(self) -> list[Metric]:
        return []  # names are only known at collect time for the labelled ones; see NAMES

    def collect(self) -> Iterator[Metric]:
        yield from self._pool()
        up = _gauge("flowdesk_database_up", "1 if the database answered this scrape")
        try:
            families = list(self._from_database())
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _from_database(self) -> Iterator[Metric]:
        now = self.fd.now()
        with self.fd.uow(read_only=True) as conn:
            by_sla: dict[str, int] = {}
            for state, count in conn.execute(
                    select(q.tasks.c.sla_state, func.count())
                    .where(q.IS_ACTIVE)
                    .group_by(q.tasks.c.sla_state)).tuples():
                by_sla[state or "none"] = by_sla.get(state or "none", 0) + count
            live = conn.execute(
                select(q.instances.c.status, func.count())
                .where(q.instances.c.status.not_in(("completed", "cancelled")))
                .group_by(q.instances.c.status)).tuples().all()
            backlog, oldest = conn.execute(
                select(func.count(), func.min(due.c.due_at))
                .where(due.c.state == "pending", due.c.due_at < now)).one()
            notifications = self._notifications(conn)
        tasks = _gauge("flowdesk_open_tasks", "Open human tasks by SLA state", ["sla_state"])
        for state in sorted(set(SLA_STATES) | set(by_sla)):
            tasks.add_metric([state], by_sla.get(state, 0))
        yield tasks
        instances = _gauge("flowdesk_instances_live", "Instances not yet ended, by status",
                           ["status"])
        for status, count in live:
            instances.add_metric([status], count)
        yield instances
        b = _gauge("flowdesk_due_work_backlog", "Due-work rows past their time, not yet fired")
        b.add_metric([], backlog)
        yield b
        age = _gauge("flowdesk_due_work_oldest_age_seconds",
                     "How long the oldest row of the backlog has been due (0: none)")
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield age
        n = _gauge("flowdesk_notifications", "Outbox rows by delivery state", ["state"])
        for state in sorted(set(NOTIFICATION_STATES) | set(notifications)):
            n.add_metric([state], notifications.get(state, 0))
        yield n

    @staticmethod
    def _notifications(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
        if "state" in outbox.c:
            return dict(conn.execute(select(outbox.c.state, func.count())
                                     .group_by(outbox.c.state)).tuples().all())
        sent, total = conn.execute(select(func.count(outbox.c.sent_at), func.count())).one()
        return {"sent": sent, "pending": total - sent}

    def _pool(self) -> Iterator[Metric]:
        pool = self.fd.engine.pool
        pid = str(os.getpid())
        for name, doc, read in (
                ("flowdesk_db_pool_checked_out", "Connections in use, in this process",
                 "checkedout"),
                ("flowdesk_db_pool_size", "Connections the pool keeps, in this process",
                 "size")):
            method = getattr(pool, read, None)
            if method is None:
                continue
            gauge = _gauge(name, doc, ["pid"])
            gauge.add_metric([pid], method())
            yield gauge
        cached = _gauge("flowdesk_workflow_cache_entries",
                        "Live workflows kept between calls, in this process (bounded by "
                        "the workflow_cache_size setting)", ["pid"])
        cached.add_metric([pid], len(self.fd.workflows))
        yield cached
        weight = _gauge("flowdesk_workflow_cache_bytes",
                        "Approximate memory of the cached workflows, in this process (bounded "
                        "by FLOWDESK_WORKFLOW_CACHE_MB)", ["pid"])
        weight.add_metric([pid], self.fd.workflows.nbytes)
        yield weight


def registry_for(fd: Flowdesk) -> CollectorRegistry:
    """A registry holding only this database's gauges (``metrics.exposition`` appends it)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseGauges(fd))
    return registry
