"""``GET /metrics`` (Prometheus text format) and ``GET /ready`` (the readiness probe).

``/metrics`` is not for everyone (route names, volumes, group names): with
``FLOWDESK_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>`` (else 401); without
one it answers only the networks in ``FLOWDESK_METRICS_ALLOW`` (CIDR list, default
``127.0.0.1/32,::1/128``; else 403). ``/ready`` and ``/health`` are open, as probes expect:
they say nothing beyond which check failed.
"""
from __future__ import annotations

import hmac
import ipaddress

from flask import Flask, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from api import language, request_log
from api.auth import client_address
from api.errors import Forbidden, Unauthorized
from services import error_texts, metrics, readiness
from services.context import Flowdesk
from services.metrics_db import registry_for


def allowed_networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in spec.split(",") if part.strip()]


def _refuse(error: type[Unauthorized] | type[Forbidden], code: str, **params: str) -> None:
    raise error(error_texts.render(code, params, language.request_language()))


def check_access(fd: Flowdesk) -> None:
    token = fd.settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                                 token.encode()):
            _refuse(Unauthorized, "metrics.token_required")
        return
    client = client_address()
    try:
        address = ipaddress.ip_address(client.split("%")[0])
    except ValueError:
        _refuse(Forbidden, "metrics.network_refused", client=client)
    if not any(address in net for net in allowed_networks(fd.settings.metrics_allow)):
        _refuse(Forbidden, "metrics.network_refused", client=client)


def install(app: Flask) -> None:
    fd: Flowdesk = app.extensions["flowdesk"]
    allowed_networks(fd.settings.metrics_allow)  # a wrong list stops the start, not a scrape
    database_gauges = registry_for(fd)

    @app.get("/metrics")
    def prometheus_metrics():  # type: ignore[no-untyped-def]
        """The process's counters (every worker's) and the database's gauges."""
        check_access(current_app.extensions["flowdesk"])
        request_log.settle(current_app)  # the requests answered so far are counted
        return Response(metrics.exposition(database_gauges), mimetype=None,
                        content_type=CONTENT_TYPE_LATEST)

    @app.get("/ready")
    def ready():  # type: ignore[no-untyped-def]
        """Readiness: 200 when every check passes, else 503 naming the failing ones."""
        checks = readiness.check(current_app.extensions["flowdesk"])
        ok = all(c["ok"] for c in checks.values())
        failing = sorted(name for name, c in checks.items() if not c["ok"])
        response = jsonify(status="ready" if ok else "not ready", failing=failing,
                           checks=checks)
        response.status_code = 200 if ok else 503
        return response
