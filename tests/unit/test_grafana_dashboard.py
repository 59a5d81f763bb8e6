"""docs/grafana/flowdesk.json is valid JSON, and every query in it asks for a metric Flowdesk
exports (services.metrics' counters and histograms, services.metrics_db's gauges), so a
renamed metric cannot leave an empty panel behind."""
from __future__ import annotations

import json
import re
from pathlib import Path

from services.metrics import REGISTRY  # prometheus_client's, where services.metrics registers
from services.metrics_db import NAMES

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "flowdesk.json"
METRIC = re.compile(r"\bflowdesk_[a-z0-9_]+")


def exported() -> set[str]:
    """Every sample name Flowdesk exports (a counter's ``_total``, a histogram's ``_bucket``,
    ``_sum`` and ``_count``)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
                "gauge": ("",)}
    names = set(NAMES)
    for collector in set(REGISTRY._names_to_collectors.values()):  # noqa: SLF001
        for family in getattr(collector, "describe", list)():
            if family.name.startswith("flowdesk_"):
                names.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return names


def expressions(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        return found + [e for value in node.values() for e in expressions(value)]
    if isinstance(node, list):
        return [e for value in node for e in expressions(value)]
    return []


def unknown_metrics(exprs: list[str]) -> set[str]:
    return {name for expr in exprs for name in METRIC.findall(expr)} - exported()


def test_every_query_of_the_dashboard_names_an_exported_metric() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = expressions(dashboard)
    assert len(exprs) >= 12
    assert all(METRIC.search(expr) for expr in exprs)
    assert unknown_metrics(exprs) == set()


def test_a_metric_nobody_exports_is_caught() -> None:
    assert unknown_metrics(["rate(flowdesk_http_requests_total[5m])"]) == set()
    assert unknown_metrics(["rate(flowdesk_http_requests[5m])"]) == {"flowdesk_http_requests"}
    assert unknown_metrics(["flowdesk_no_such_gauge"]) == {"flowdesk_no_such_gauge"}


def test_the_dashboard_covers_what_the_issue_asks_for() -> None:
    used = set(METRIC.findall(DASHBOARD.read_text(encoding="utf-8")))
    for wanted in ("flowdesk_http_requests_total", "flowdesk_http_request_duration_seconds_bucket",
                   "flowdesk_instances_started_total", "flowdesk_open_tasks",
                   "flowdesk_sla_breaches_total", "flowdesk_due_work_backlog",
                   "flowdesk_due_work_lateness_seconds_bucket", "flowdesk_notifications",
                   "flowdesk_db_pool_checked_out"):
        assert wanted in used
