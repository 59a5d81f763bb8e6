"""Flowdesk's own connector worker: the external tasks of ``flowdesk.`` topics, done here.

A service task with ``<spiffworkflow:serviceTaskOperator id="http">`` is an external task of the
topic ``flowdesk.http`` whose input is the operator's evaluated parameters. This worker fetches
and locks such tasks like any outside worker (``services.external_tasks``), makes the call with
no transaction open (``connectors.http.perform``: secrets swapped in for the wire only), and
answers in a new unit of work: complete with ``{result_variable: {status, body, headers}}``, or
a failure. A retryable failure (5xx, 408, 429, a timeout, no connection) comes back after the
call's backoff while its ``retries`` last; then, or at once for a failure no retry can mend (a
4xx, an unknown secret, bad parameters), the task becomes an incident and the instance stops
in ``error`` until an admin retries it, which allows one more attempt.

The host runs ``run_once`` in a loop on a thread of its own (``host.connector_worker``), so a
slow API never delays timers.
"""
from __future__ import annotations

import json
import math

import httpx

from engine.external_tasks import HTTP_TOPIC

from services import external_tasks, secrets
from services.connectors.http import HttpOutcome, perform
from services.context import Flowdesk
from services.errors import Conflict
from services.principal import Principal, system

CONNECTOR: Principal = system("connector", "worker")
LOCK_MS = 120_000  # longer than any call may take (timeout at most 30 s, answer read included)
DEFAULT_RETRIES = 3  # engine.http_call's default, for a call whose parameters did not parse


def run_once(fd: Flowdesk, worker_id: str, max_tasks: int = 4,
             client: httpx.Client | None = None) -> int:
    """Fetch up to ``max_tasks`` http tasks, call each and answer it; returns how many."""
    tasks = external_tasks.fetch_and_lock(fd, CONNECTOR, worker_id, [
        {"name": HTTP_TOPIC, "lock_duration": LOCK_MS}], max_tasks, internal=True)
    resolve = secrets.resolver(fd)
    for task in tasks:
        outcome = perform(task["input"] or {}, resolve, client=client)
        try:
            answer(fd, worker_id, task, outcome)
        except Conflict:  # the process withdrew the task meanwhile (a timer, a cancel)
            continue
    return len(tasks)


def answer(fd: Flowdesk, worker_id: str, task: dict, outcome: HttpOutcome) -> None:
    """Complete the task, or fail it with what is left of its retries."""
    if outcome.ok:
        external_tasks.complete(fd, CONNECTOR, task["id"], worker_id, outcome.variables())
        return
    allowed = outcome.call.retries if outcome.call is not None else DEFAULT_RETRIES
    # ``retries`` on the row: attempts still allowed (None before the first failure)
    failed = 1 if task["retries"] is None else allowed + 2 - task["retries"]
    delay = outcome.retry_delay(failed)
    left = 0 if delay is None else allowed + 1 - failed
    external_tasks.failure(
        fd, CONNECTOR, task["id"], worker_id, outcome.error or f"HTTP {outcome.status}",
        json.dumps({"status": outcome.status, "body": outcome.body}, ensure_ascii=False,
                   default=str)[:2000],
        retries=max(left, 0), retry_timeout=math.ceil((delay or 0) * 1000))
