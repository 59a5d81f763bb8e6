"""Per request: its id, one structured log line, and the HTTP metrics.

The id comes from the caller's ``X-Request-Id`` (kept to letters, digits and ``._:-``, at most
64 characters) or is made here; it goes back in the response's ``X-Request-Id`` and into every
audit row the request writes (``services.request_context``). The log line names the route as
Flask matched it (``/api/v1/tasks/<int:task_id>``, not the raw path), so lines and metrics
group by route; it is JSON when ``FLOWDESK_LOG_FORMAT=json``, else one readable line.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, current_app, g, request

from services import metrics
from services.request_context import reset_request_id, set_request_id

log = logging.getLogger("flowdesk.requests")

HEADER = "X-Request-Id"
MAX_ID = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
UNMATCHED = "<unmatched>"  # a 404 with no route: one label, whatever the path was


def request_id_from(raw: str | None) -> str:
    """The caller's id made safe for logs and headers, or a new one."""
    cleaned = _UNSAFE.sub("", raw or "")[:MAX_ID]
    return cleaned or uuid.uuid4().hex


def route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get(HEADER))
    g.request_id_token = set_request_id(g.request_id)


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # a request that failed before _begin ran
        return response
    seconds = time.perf_counter() - started
    response.headers[HEADER] = g.request_id
    path = route()
    metrics.HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    metrics.HTTP_SECONDS.labels(request.method, path).observe(seconds)
    if log.isEnabledFor(logging.INFO):  # the line is built only when someone keeps it
        user = g.get("user")
        fields = {"method": request.method, "route": path, "status": response.status_code,
                  "duration_ms": round(seconds * 1000, 1),
                  "user": getattr(user, "username", None), "request_id": g.request_id}
        log.info(format_line(fields, json_format=_json_format()), extra={"request": fields})
    return response


def _json_format() -> bool:
    return current_app.extensions["flowdesk"].settings.log_format.lower() == "json"


def format_line(fields: dict, json_format: bool) -> str:
    if json_format:
        return json.dumps({"event": "request", **fields}, ensure_ascii=False)
    return (f"{fields['method']} {fields['route']} {fields['status']} "
            f"{fields['duration_ms']}ms user={fields['user'] or '-'} "
            f"request_id={fields['request_id']}")


def _clear(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        reset_request_id(token)


def install(app: Flask) -> None:
    """Register the hooks; call before anything else registers a ``before_request``, so the
    id is there for them and the time counts their work."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_clear)
