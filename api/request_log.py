"""Per request: its id, one structured log line, and the HTTP metrics.

The id comes from the caller's ``X-Request-Id`` (kept to letters, digits and ``._:-``, at most
64 characters) or is made here; it goes back in the response's ``X-Request-Id`` and into every
audit row the request writes (``services.request_context``). The log line names the route as
Flask matched it (``/api/v1/tasks/<int:task_id>``, not the raw path), so lines and metrics
group by route; it is JSON when ``FLOWDESK_LOG_FORMAT=json``, else one readable line.

Counting a finished request and writing its line (a log record, its format, the write; the
metrics files) took a sixth of a task list's time. The server (``host.server``) hands that to
one background thread (``account_in_background``) that takes them in batches, so the answer
leaves first; lines keep their order and their time, and ``/metrics`` waits for what is
queued (``settle``) before it reports. Without it (tests, embedding programs) it is done on the request's thread.
"""
from __future__ import annotations

import atexit
import collections
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from flask import Flask, Response, current_app, g, request

from services import metrics
from services.request_context import reset_request_id, set_request_id

log = logging.getLogger("flowdesk.requests")

HEADER = "X-Request-Id"
MAX_ID = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
UNMATCHED = "<unmatched>"  # a 404 with no route: one label, whatever the path was
_ACCOUNT, _JSON, _BACKGROUND = ("FLOWDESK_ACCOUNT_REQUEST", "FLOWDESK_LOG_JSON",
                                "flowdesk.request_accounting")


class Finished(NamedTuple):
    """What is counted and logged of one answered request."""

    method: str
    route: str
    status: int
    seconds: float
    user: str | None
    request_id: str
    at: float  # time.time() when it was answered: the log record's time
    json_format: bool


def request_id_from(raw: str | None) -> str:
    """The caller's id made safe for logs and headers, or a new one."""
    cleaned = _UNSAFE.sub("", raw)[:MAX_ID] if raw else ""
    return cleaned or os.urandom(16).hex()


def _begin() -> None:
    # the real objects behind Flask's proxies, once: every request passes here
    req, ctx_g = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    ctx_g.request_started = time.perf_counter()
    ctx_g.request_id = request_id_from(req.headers.get(HEADER))
    ctx_g.request_id_token = set_request_id(ctx_g.request_id)


def _finish(response: Response) -> Response:
    req, ctx_g = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    started = ctx_g.get("request_started")
    if started is None:  # a request that failed before _begin ran
        return response
    seconds = time.perf_counter() - started
    response.headers[HEADER] = ctx_g.request_id
    rule = req.url_rule
    user = ctx_g.get("user")
    config = current_app.config
    config[_ACCOUNT](Finished(req.method, rule.rule if rule is not None else UNMATCHED,
                              response.status_code, seconds, getattr(user, "username", None),
                              ctx_g.request_id, time.time(), config[_JSON]))
    return response


def account(done: Finished) -> None:
    """Count the request and write its line (when INFO is kept for ``flowdesk.requests``)."""
    metrics.count_request(done.method, done.route, done.status, done.seconds)
    if not log.isEnabledFor(logging.INFO):
        return
    fields = {"method": done.method, "route": done.route, "status": done.status,
              "duration_ms": round(done.seconds * 1000, 1), "user": done.user,
              "request_id": done.request_id}
    record = log.makeRecord(log.name, logging.INFO, __file__, 0,
                            format_line(fields, json_format=done.json_format), (), None,
                            extra={"request": fields})
    record.created = done.at
    record.msecs = (done.at - int(done.at)) * 1000
    log.handle(record)


def format_line(fields: dict, json_format: bool) -> str:
    if json_format:
        return json.dumps({"event": "request", **fields}, ensure_ascii=False)
    return (f"{fields['method']} {fields['route']} {fields['status']} "
            f"{fields['duration_ms']}ms user={fields['user'] or '-'} "
            f"request_id={fields['request_id']}")


class _Background:
    """One daemon thread that accounts finished requests in the order they finished.

    A request only appends to a deque: waking a thread per request made the request's thread
    hand the CPU (and, holding the GIL, everything else) to the logger on a busy 2-core host.
    The thread wakes every ``PERIOD`` seconds, or at once when ``settle`` or ``stop`` asks."""

    PERIOD = 0.2

    def __init__(self) -> None:
        self.pending: collections.deque[Finished] = collections.deque()
        self.wake = threading.Event()
        self.settled: collections.deque[threading.Event] = collections.deque()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="flowdesk-request-log",
                                       daemon=True)
        self.thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while True:
            self.wake.wait(self.PERIOD)
            self.wake.clear()
            waiting = [self.settled.popleft() for _ in range(len(self.settled))]
            self._drain()
            for reached in waiting:  # all appended before they asked is accounted
                reached.set()
            if self.stopping:
                self._drain()
                return

    def _drain(self) -> None:
        pending = self.pending
        while pending:
            try:
                account(pending.popleft())
            except Exception:  # noqa: BLE001 - a failing handler must not stop the counting
                logging.getLogger(__name__).exception("could not account a request")

    def settle(self, timeout: float) -> bool:
        reached = threading.Event()
        self.settled.append(reached)
        self.wake.set()
        return reached.wait(timeout)

    def stop(self) -> None:
        """Account what is queued, then end the thread (at exit: no line is lost)."""
        if self.thread.is_alive():
            self.stopping = True
            self.wake.set()
            self.thread.join(timeout=5)


def account_in_background(app: Flask) -> None:
    """From now on, the app's finished requests are counted and logged on a background
    thread."""
    if app.extensions.get(_BACKGROUND) is None:
        background = app.extensions[_BACKGROUND] = _Background()
        app.config[_ACCOUNT] = background.pending.append


def settle(app: Flask, timeout: float = 2.0) -> None:
    """Wait (a bounded time: a stuck log stream must not hang the caller) until every request
    the app answered so far is counted: ``/metrics`` then reports them."""
    background = app.extensions.get(_BACKGROUND)
    if background is not None:
        background.settle(timeout)


def _clear(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        reset_request_id(token)


def install(app: Flask, *checks: Callable[[], None]) -> None:
    """Register the hooks; call before anything else registers a ``before_request``, so the
    id is there for them and the time counts their work. ``checks`` (refusals every request
    gets) run in the same hook, in order, right after: each Flask hook costs a few µs."""
    app.config[_JSON] = app.extensions["flowdesk"].settings.log_format.lower() == "json"
    app.config[_ACCOUNT] = account  # on the request's thread until account_in_background

    def begin_and_check() -> None:
        _begin()
        for check in checks:
            check()

    app.before_request(begin_and_check)
    app.after_request(_finish)
    app.teardown_request(_clear)
