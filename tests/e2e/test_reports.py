"""The supervisors' reports page in a real browser: a supervisor opens it, every chart is drawn
(a canvas in each chart container, ECharts series with data), the SLA chart is narrowed to one
plain day, and the Excel download of that day is opened with openpyxl.

Arranged through the API on the server's shiftable clock, at noon Shanghai time so that the
days are certain: a complaint claimed in time two days ago (SLA met, by the agent, whom the
agents report names by display name), one claimed late yesterday (breached), one open now
(backlog)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from .conftest import AGENT, AGENT_PASSWORD, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUPERVISOR, PASSWORD = "lead", "lead-pass-2026"
RESPOND = {"process_key": "complaint_handling", "target": "lane", "target_ref": "Agent",
           "clock": "first_response", "duration": "PT30M"}
CHARTS = ("sla", "backlog", "agents", "complaint-rate", "satisfaction")


def _noon(days_ago: int) -> datetime:
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today - timedelta(days=days_ago), time(12), tzinfo=SHANGHAI)


def _at(live, when: datetime) -> None:  # type: ignore[no-untyped-def]
    live.clock.offset = when - datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def days(live) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from services.identity import create_token, ensure_user, set_password
    ensure_user(live.fd, SUPERVISOR, ["supervisor", "staff"], ["Agent"])
    set_password(live.fd, SUPERVISOR, PASSWORD)
    live.ok("PUT", "/admin/sla-policies/complaint_respond_30m", json=RESPOND)
    try:
        _at(live, _noon(2))
        met = live.start_complaint("TB-REPORT-MET")
        _at(live, _noon(2) + timedelta(minutes=10))
        live.ok("POST", f"/tasks/{met['task_id']}/claim", token=create_token(live.fd, AGENT))
        _at(live, _noon(1))
        late = live.start_complaint("TB-REPORT-LATE")
        _at(live, _noon(1) + timedelta(hours=1))
        live.ok("POST", f"/tasks/{late['task_id']}/claim")
    finally:
        live.clock.offset = timedelta(0)
    live.start_complaint("TB-REPORT-OPEN")
    return {"met": _noon(2).date().isoformat(), "breached": _noon(1).date().isoformat()}


def _loaded(page, times: int) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator(f'#reports[aria-busy="false"][data-loaded="{times}"]')).to_have_count(1)


def _series_points(page, name: str) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("""(id) => {
        const chart = echarts.getInstanceByDom(document.getElementById(id));
        return chart.getOption().series.reduce((n, s) => n + s.data.filter(
            (v) => v !== null && v !== 0).length, 0);
    }""", f"chart-{name}")


def test_supervisor_sees_charts_filters_a_day_and_downloads_excel(page, live, days, tmp_path):  # type: ignore[no-untyped-def]
    import openpyxl
    sign_in(page, SUPERVISOR, PASSWORD)
    page.get_by_role("link", name="报表").click()
    page.wait_for_url("**/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("主管报表")
    _loaded(page, 1)
    for name in CHARTS:
        expect(page.locator(f"#chart-{name} canvas").first).to_be_attached()
    for name in ("sla", "backlog", "agents", "complaint-rate"):
        assert _series_points(page, name) > 0, name
    sla_rows = page.locator("#table-sla tbody tr")
    expect(sla_rows).to_have_count(2)
    expect(page.locator("#table-backlog")).to_contain_text("前台客服")  # the group's display name
    expect(page.locator("#table-backlog")).not_to_contain_text("Agent")
    expect(page.locator("#f-group option", has_text="前台客服")).to_have_attribute("value", "Agent")
    agent_rows = page.locator("#table-agents tbody tr")  # display name, then the username
    expect(page.locator("#table-agents thead th").nth(0)).to_have_text("客服")
    expect(page.locator("#table-agents thead th").nth(1)).to_have_text("账号")
    expect(agent_rows.first.locator("td").nth(0)).to_have_text("admin")  # no name: username
    expect(agent_rows.nth(1).locator("td").nth(0)).to_have_text("Agent Li")
    expect(agent_rows.nth(1).locator("td").nth(1)).to_have_text(AGENT)
    assert page.evaluate("""() => echarts.getInstanceByDom(document.getElementById(
        "chart-agents")).getOption().xAxis[0].data""") == ["admin", "Agent Li"]
    expect(page.locator("#f-agent option", has_text="Agent Li")).to_have_attribute("value", AGENT)
    expect(page.locator("#chart-sla")).to_have_attribute("aria-label", "SLA 达标趋势图表, 共 2 项数据, 数值见下表")

    # yesterday only, as a plain day: the late claim, breached
    page.get_by_label("开始日期").fill(days["breached"])
    page.get_by_label("结束日期").fill(days["breached"])
    page.get_by_role("button", name="查询").click()
    _loaded(page, 2)
    assert f"from={days['breached']}" in page.url
    expect(sla_rows).to_have_count(1)
    expect(sla_rows.first.locator("td")).to_have_text([days["breached"], "0", "1", "0"])

    with page.expect_download() as download:
        page.locator('.downloads[data-report="sla"] a', has_text="Excel").click()
    assert download.value.suggested_filename == "sla.xlsx"
    saved = tmp_path / "sla.xlsx"
    download.value.save_as(saved)
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("日期（周一为周）", "SLA 达标", "SLA 超时")
    assert rows[1:] == [(datetime.fromisoformat(days["breached"]), 0, 1, 0.0)]


def test_staff_get_the_403_page_and_no_link(page, live, days):  # type: ignore[no-untyped-def]
    sign_in(page, AGENT, AGENT_PASSWORD)
    expect(page.locator("#reports-link")).to_have_count(0)
    response = page.goto("/reports")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("报表仅限主管和管理员")
