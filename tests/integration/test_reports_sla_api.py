"""The SLA and backlog reports, plain-day ranges in the team's time zone, and Excel downloads.

One policy (first response within 30 minutes, around the clock) on the three-step process;
tasks claimed in time or late on two days, one left open; then counted per day and week, by
group and age, and downloaded as .xlsx (opened again with openpyxl).
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from engine.clock import FakeClock
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

SHANGHAI = timezone(timedelta(hours=8))
RESPOND = {"process_key": "three_steps", "target": "lane", "target_ref": "Agent",
           "clock": "first_response", "duration": "PT30M"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def start_task(server, tokens) -> int:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", tokens["admin"], json={"process_key": "three_steps"})
    assert started.ok, started.text
    return started.json()["open_tasks"][0]["id"]


@pytest.fixture
def worked(server, tokens, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """Mon 2 Mar: one claim in time, one late; Tue 3 Mar: one in time; Thu 5 Mar: one open."""
    admin, agent = tokens["admin"], tokens["agent"]
    clock.set(at(2, 10))
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).status_code == 201
    assert server.call("PUT", "/api/v1/admin/sla-policies/respond_30m", admin, json=RESPOND).ok
    first = start_task(server, tokens)
    clock.set(at(2, 10, 20))
    assert server.post(f"/api/v1/tasks/{first}/claim", agent).ok      # met
    late = start_task(server, tokens)
    clock.set(at(2, 11))
    assert server.post(f"/api/v1/tasks/{late}/claim", agent).ok       # breached at 10:50
    clock.set(at(3, 10))
    third = start_task(server, tokens)
    clock.set(at(3, 10, 10))
    assert server.post(f"/api/v1/tasks/{third}/claim", agent).ok      # met
    clock.set(at(5, 9))
    start_task(server, tokens)                                        # open, unclaimed
    clock.set(at(5, 10))


def items(server, token: str, path: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = server.get(path, token)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_sla_met_and_breached_per_day_and_week(server, tokens, worked) -> None:  # type: ignore[no-untyped-def]
    supervisor = tokens["supervisor"]
    assert items(server, supervisor, "/api/v1/reports/sla") == [
        {"period": "2026-03-02", "sla_met": 1, "sla_breached": 1, "met_pct": 50.0},
        {"period": "2026-03-03", "sla_met": 1, "sla_breached": 0, "met_pct": 100.0}]
    assert items(server, supervisor, "/api/v1/reports/sla?period=week") == [
        {"period": "2026-03-02", "sla_met": 2, "sla_breached": 1, "met_pct": 66.7}]
    # plain days are the team's days, "to" inclusive
    only_tuesday = items(server, supervisor, "/api/v1/reports/sla?from=2026-03-03&to=2026-03-03")
    assert [r["period"] for r in only_tuesday] == ["2026-03-03"]
    assert [r["period"] for r in items(server, supervisor, "/api/v1/reports/sla?to=2026-03-02")] \
        == ["2026-03-02"]
    # a full ISO datetime keeps its meaning ("to" exclusive)
    iso = items(server, supervisor, "/api/v1/reports/sla?from=2026-03-02T10:30:00%2B08:00"
                                    "&to=2026-03-03T10:00:00%2B08:00")
    assert iso == [{"period": "2026-03-02", "sla_met": 0, "sla_breached": 1, "met_pct": 0.0}]
    assert items(server, supervisor, "/api/v1/reports/sla?agent=nobody") == []
    assert items(server, supervisor, "/api/v1/reports/sla?process_key=other") == []


def test_backlog_by_group_and_age(server, tokens, worked) -> None:  # type: ignore[no-untyped-def]
    supervisor = tokens["supervisor"]
    assert items(server, supervisor, "/api/v1/reports/backlog") == [
        {"group": "Agent", "group_name": "前台客服", "under_1d": 1, "d1_3": 2, "d3_7": 1, "over_7d": 0, "total": 4}]
    mine = items(server, supervisor, "/api/v1/reports/backlog?agent=agent")
    assert [(r["under_1d"], r["total"]) for r in mine] == [(0, 3)]
    assert items(server, supervisor, "/api/v1/reports/backlog?group=Finance") == []
    agents = items(server, supervisor, "/api/v1/reports/agents?from=2026-03-02&to=2026-03-02")
    assert [(r["agent"], r["tasks_served"], r["sla_met"], r["sla_breached"]) for r in agents] \
        == [("agent", 2, 1, 1)]
    assert server.get("/api/v1/reports/backlog", tokens["agent"]).status_code == 403


def test_excel_download_has_chinese_headings_and_real_dates(server, tokens, worked) -> None:  # type: ignore[no-untyped-def]
    response = server.get("/api/v1/reports/sla?format=xlsx&from=2026-03-01&to=2026-03-31",
                          tokens["supervisor"])
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="sla.xlsx"' in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("日期（周一为周）", "SLA 达标", "SLA 超时", "达标率（%）")
    assert rows[1] == (datetime(2026, 3, 2), 1, 1, 50.0)
    assert sheet["A2"].is_date

    backlog = server.get("/api/v1/reports/backlog?format=xlsx", tokens["supervisor"])
    rows = list(openpyxl.load_workbook(io.BytesIO(backlog.content)).active.iter_rows(
        values_only=True))
    assert rows == [("处理组代码", "处理组", "1 天内", "1–3 天", "3–7 天", "7 天以上", "合计"),
                    ("Agent", "前台客服", 1, 2, 1, 0, 4)]


@pytest.mark.parametrize("query", ["from=2026-13-01", "to=2026-03-02T10:00:00",
                                   "from=yesterday", "format=pdf", "period=month"])
def test_bad_ranges_and_formats_are_422(server, tokens, query: str) -> None:  # type: ignore[no-untyped-def]
    response = server.get(f"/api/v1/reports/sla?{query}", tokens["supervisor"])
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
