"""The process's own counters and histograms for ``GET /metrics`` (prometheus_client).

Counted in Python where the events happen, after the unit of work commits (a rolled-back step
counts nothing), so no hot path runs an extra statement. Gauges that describe the database's
state (open tasks by SLA state, due-work backlog, the outbox) are read at scrape time instead
(``services.metrics_db``).

With several worker processes ``flowdesk serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before any
worker imports this module, and prometheus_client keeps these values in files there that a
scrape of any worker adds up (``exposition``).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from prometheus_client import (REGISTRY, CollectorRegistry, Counter, Histogram,
                               generate_latest)
from prometheus_client.multiprocess import MultiProcessCollector

from store.uow import UnitOfWork

NO_GROUP = ""  # the label of a task offered to nobody's group (an assignee only)

HTTP_REQUESTS = Counter("flowdesk_http_requests", "HTTP requests answered, by route and status",
                        ["method", "route", "status"])
HTTP_SECONDS = Histogram("flowdesk_http_request_duration_seconds",
                         "Time to answer an HTTP request, by route",
                         ["method", "route"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
INSTANCES_STARTED = Counter("flowdesk_instances_started", "Process instances started",
                            ["process"])
INSTANCES_COMPLETED = Counter("flowdesk_instances_completed",
                              "Process instances that reached their end", ["process"])
INSTANCES_ERRORED = Counter("flowdesk_instances_errored",
                            "Engine steps that stopped an instance with an incident",
                            ["process"])
TASKS_OPENED = Counter("flowdesk_tasks_opened", "Human tasks opened, by process and group",
                       ["process", "group"])
TASKS_COMPLETED = Counter("flowdesk_tasks_completed",
                          "Human tasks completed, by process and group", ["process", "group"])
SLA_BREACHES = Counter("flowdesk_sla_breaches", "SLA clocks that breached, by policy",
                       ["policy"])
TIMER_LATENESS = Histogram("flowdesk_due_work_lateness_seconds",
                           "How late due work fired (fired at - due at), by kind",
                           ["kind"], buckets=(.1, .25, .5, 1, 2, 5, 10, 30, 60, 300, 900))
TICKS_SKIPPED = Counter("flowdesk_ticks_skipped",
                        "Scheduler ticks skipped because the previous one was still running")

# Every request's counter and histogram children, by their labels: looking them up through
# ``labels()`` (checks, a lock, a dict) cost more than counting. Routes are Flask's rules and
# statuses a few dozen, so this stays small.
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    """One answered HTTP request: counted by route and status, timed by route."""
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = _REQUEST_CHILDREN.setdefault(key, (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_SECONDS.labels(method, route)))
    children[0].inc()
    children[1].observe(seconds)


_CHILDREN: dict[tuple[Any, tuple[str, ...]], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """``metric.labels(*labels)``, looked up once: labels are processes, groups, policies and
    kinds, a bounded set (the same reason as ``_REQUEST_CHILDREN``)."""
    key = (metric, labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN.setdefault(key, metric.labels(*labels))
    return child


def _after(uow: UnitOfWork, action) -> None:  # type: ignore[no-untyped-def]
    uow.after_commit(action)


def count_step(uow: UnitOfWork, process: str, status: str, errored: bool,
               opened: Iterable[dict], started: bool = False) -> None:
    """One engine step's outcome: the instance started / ended / stopped in error, and the
    human tasks it opened (their rows, for the group)."""
    groups = [row.get("candidate_group") or NO_GROUP for row in opened]
    if not (started or groups or errored or status == "completed"):
        return

    def count() -> None:
        if started:
            _child(INSTANCES_STARTED, process).inc()
        if status == "completed":
            _child(INSTANCES_COMPLETED, process).inc()
        if errored:
            _child(INSTANCES_ERRORED, process).inc()
        for group in groups:
            _child(TASKS_OPENED, process, group).inc()
    _after(uow, count)


def count_task_completed(uow: UnitOfWork, process: str, group: str | None) -> None:
    _after(uow, lambda: _child(TASKS_COMPLETED, process, group or NO_GROUP).inc())


def count_breach(uow: UnitOfWork, policy: str) -> None:
    _after(uow, lambda: _child(SLA_BREACHES, policy).inc())


def observe_lateness(uow: UnitOfWork, kind: str, due_at: datetime, fired_at: datetime) -> None:
    """fired_at - due_at of a due-work row that fired (never negative)."""
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=timezone.utc)
    if fired_at.tzinfo is None:
        fired_at = fired_at.replace(tzinfo=timezone.utc)
    late = max(0.0, (fired_at - due_at).total_seconds())
    _after(uow, lambda: _child(TIMER_LATENESS, kind).observe(late))


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(*extra: CollectorRegistry) -> bytes:
    """The text format of this process's metrics (all workers' in multiprocess mode), then
    each extra registry's (the database gauges)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    return text + b"".join(generate_latest(r) for r in extra)
