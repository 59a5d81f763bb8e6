"""Watching the engine: ``/metrics`` (parsed as Prometheus parses it, counters that move when
a case runs, the token and network guard), ``/ready`` (200, database gone, stale ticker,
backlog), the request id from header to audit row, and the JSON request log line."""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, select

from api.app import create_app
from api.request_log import account_in_background, settle
from services.readiness import write_heartbeat
from store.tables import AuditEntry, DueWork
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: (name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


def scrape(server, **kw) -> dict:  # type: ignore[no-untyped-def]
    response = server.get("/metrics", **kw)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(response.text)


def test_metrics_parse_and_move_when_a_case_runs(server, tokens) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    before = scrape(server)
    started = server.post("/api/v1/instances", agent, json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text
    task = started.json()["open_tasks"][0]
    done = server.post(f"/api/v1/tasks/{task['id']}/complete", agent,
                       json={"data": {"accepted": True, "note": "ok"}})
    assert done.status_code == 200, done.text
    after = scrape(server)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    group = task["candidate_group"] or ""
    assert moved("flowdesk_instances_started_total", process="three_steps") == 1
    assert moved("flowdesk_tasks_completed_total", process="three_steps", group=group) == 1
    assert moved("flowdesk_tasks_opened_total", process="three_steps", group=group) >= 1
    assert moved("flowdesk_http_requests_total", method="POST", route="/api/v1/instances",
                 status="201") == 1
    assert moved("flowdesk_http_requests_total", method="POST",
                 route="/api/v1/tasks/<int:task_id>/complete", status="200") == 1
    assert moved("flowdesk_http_request_duration_seconds_count", method="POST",
                 route="/api/v1/instances") == 1
    # the database's gauges, read at scrape time
    assert value(after, "flowdesk_database_up") == 1
    assert value(after, "flowdesk_open_tasks", sla_state="none") >= 1
    assert value(after, "flowdesk_instances_live", status="running") >= 1
    assert ("flowdesk_due_work_backlog", frozenset()) in after
    assert ("flowdesk_notifications", frozenset({("state", "sent")})) in after
    assert any(name == "flowdesk_db_pool_checked_out" for name, _ in after)
    # the instance's workflow stays cached in this process after its steps
    assert value(after, "flowdesk_workflow_cache_entries", pid=str(os.getpid())) >= 1
    assert value(after, "flowdesk_workflow_cache_bytes", pid=str(os.getpid())) > 1000


@pytest.mark.app_config(metrics_token="s3cret-metrics")
def test_metrics_with_a_token_needs_the_token(server) -> None:  # type: ignore[no-untyped-def]
    refused = server.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "FLOWDESK_METRICS_TOKEN" in refused.json()["detail"]
    assert server.get("/metrics", "wrong").status_code == 401
    assert "flowdesk_http_requests" in server.get("/metrics", "s3cret-metrics").text


@pytest.mark.app_config(metrics_allow="10.0.0.0/8, fd00::/8")
def test_metrics_without_a_token_answer_only_allowed_networks(server) -> None:  # type: ignore[no-untyped-def]
    refused = server.get("/metrics")
    assert refused.status_code == 403
    assert "127.0.0.1" in refused.json()["detail"]
    assert "网络" in refused.json()["detail"]  # Chinese by default
    english = server.get("/metrics?lang=en", headers={"Accept-Language": "en"})
    assert "networks" in english.json()["detail"]


@pytest.mark.app_config(scheduler_enabled=False)
def test_ready_without_a_scheduler_needs_the_database_only(server) -> None:  # type: ignore[no-untyped-def]
    ready = server.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["failing"] == []
    assert set(ready.json()["checks"]) == {"database", "backlog"}


@pytest.mark.app_config(scheduler_enabled=True, ready_max_tick_age=30)
def test_ready_fails_when_the_ticker_goes_stale(server, fd, clock) -> None:  # type: ignore[no-untyped-def]
    never = server.get("/ready")
    assert never.status_code == 503 and never.json()["failing"] == ["scheduler"]
    write_heartbeat(fd, clock.now())
    assert server.get("/ready").status_code == 200
    clock.advance(seconds=31)
    stale = server.get("/ready")
    assert stale.status_code == 503, stale.text
    assert stale.json()["failing"] == ["scheduler"]
    assert stale.json()["checks"]["scheduler"]["age_seconds"] == 31


@pytest.mark.app_config(scheduler_enabled=False, ready_max_backlog=1)
def test_ready_fails_when_due_work_piles_up(server, fd, clock) -> None:  # type: ignore[no-untyped-def]
    with fd.uow() as conn:
        for n in range(2):
            conn.execute(insert(DueWork).values(
                kind="start", ref=f"r{n}", due_at=clock.now() - timedelta(minutes=5),
                state="pending", attempts=0, created_at=clock.now()))
    backlog = server.get("/ready")
    assert backlog.status_code == 503
    assert backlog.json()["failing"] == ["backlog"]
    assert backlog.json()["checks"]["backlog"]["due"] == 2
    metrics = scrape(server)
    assert value(metrics, "flowdesk_due_work_backlog") == 2
    assert value(metrics, "flowdesk_due_work_oldest_age_seconds") == 300


def test_ready_fails_when_the_database_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"database_url": f"sqlite:///{tmp_path}/no/such/dir/flowdesk.db",
                      "testing": True})
    try:
        gone = app.test_client().get("/ready")
        assert gone.status_code == 503
        assert gone.json["failing"] == ["database"]
        assert gone.json["checks"]["database"]["ok"] is False
        # /metrics still answers, saying the database did not
        metrics = samples(app.test_client().get("/metrics").get_data(as_text=True))
        assert value(metrics, "flowdesk_database_up") == 0
    finally:
        app.extensions["flowdesk"].dispose()


def test_the_request_id_goes_back_and_into_the_audit_rows(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": "three_steps"},
                          headers={"X-Request-Id": "case-42 <b>;\"y\""})
    assert started.status_code == 201
    assert started.headers["X-Request-Id"] == "case-42by"
    with fd.uow(read_only=True) as conn:
        ids = conn.execute(select(AuditEntry.request_id).where(
            AuditEntry.instance_id == started.json()["id"],
            AuditEntry.action == "instance.started")).scalars().all()
    assert ids == ["case-42by"]
    made = server.get("/health").headers["X-Request-Id"]
    assert len(made) == 32 and made != server.get("/health").headers["X-Request-Id"]
    long = server.get("/health", headers={"X-Request-Id": "x" * 100})
    assert long.headers["X-Request-Id"] == "x" * 64


@pytest.mark.app_config(log_format="json")
def test_one_json_log_line_per_request(app, tokens, caplog) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="flowdesk.requests"):
        response = client.get("/api/v1/tasks/12345", headers={
            "Authorization": f"Bearer {tokens['agent']}", "X-Request-Id": "rid-1"})
    assert response.status_code == 404
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "flowdesk.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET" and line["route"] == "/api/v1/tasks/<int:task_id>"
    assert line["status"] == 404 and line["user"] == "agent"
    assert line["request_id"] == "rid-1" and line["duration_ms"] >= 0


def test_the_server_accounts_requests_on_a_background_thread(app, tokens, caplog) -> None:  # type: ignore[no-untyped-def]
    """As ``flowdesk serve`` runs it (``account_in_background``): the lines come from another
    thread, in the order the requests were answered, stamped with the time they were answered;
    ``/metrics`` counts every request answered before it."""
    account_in_background(app)
    client = app.test_client()
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    answered = []
    first = samples(client.get("/metrics").get_data(as_text=True))
    with caplog.at_level(logging.INFO, logger="flowdesk.requests"):
        for n in range(5):
            before = time.time()
            client.get("/api/v1/tasks", headers={**agent, "X-Request-Id": f"bg-{n}"})
            answered.append((before, time.time()))
        scrape = samples(client.get("/metrics").get_data(as_text=True))
        settle(app)
    records = [r for r in caplog.records if r.name == "flowdesk.requests"]
    mine = [r for r in records if "request_id=bg-" in r.getMessage()]
    assert [r.getMessage().rsplit("=", 1)[1] for r in mine] == [f"bg-{n}" for n in range(5)]
    assert all(r.threadName == "flowdesk-request-log" for r in mine)
    assert all(lo <= r.created <= hi for r, (lo, hi) in zip(mine, answered))
    listed = {"method": "GET", "route": "/api/v1/tasks", "status": "200"}
    assert value(scrape, "flowdesk_http_requests_total", **listed) - \
        value(first, "flowdesk_http_requests_total", **listed) == 5
