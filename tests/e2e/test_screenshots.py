"""Screenshots of the sign-in page, the inbox and the reports page for the README (docs/screenshots/), taken at
1280×800 and 390×844 on a seeded inbox: complaints of customers of different tiers (priority)
whose register-within-4-hours SLA is ok, at risk, breached or paused."""
from __future__ import annotations

import pytest

from .conftest import ADMIN, AGENT, shoot, sign_in, sized_page

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

POLICY = {"process_key": "complaint_handling", "target": "task", "target_ref": "register_complaint",
          "clock": "resolution", "duration": "PT4H", "warning": {"percent": 80},
          "pause_when": ["waiting_customer"]}


@pytest.fixture(scope="module")
def seeded(live) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    live.ok("PUT", "/admin/sla-policies/complaint_register_resolution", json=POLICY)
    customers = {tier: live.ok("POST", "/customers", json={
        "code": f"C-{n}", "name": name, "tier": tier})["id"]
        for n, (tier, name) in enumerate([("VIP", "王芳"), ("钻石", "陈静"), ("金卡", "刘洋")])}
    cases = {
        "breached": live.started_ago("TB20261123001", 5, customers["VIP"]),
        "at_risk": live.started_ago("TB20261123002", 3.5, customers["钻石"]),
        "ok": live.started_ago("TB20261123003", 0.5, customers["金卡"]),
        "paused": live.started_ago("TB20261123004", 1),
        "fresh": live.start_complaint("TB20261123005"),
    }
    live.ok("POST", f"/tasks/{cases['paused']['task_id']}/waiting",
            json={"reason": "waiting_customer"})
    for state in ("breached", "at_risk", "ok", "paused"):  # the agent's own work
        live.ok("POST", f"/tasks/{cases[state]['task_id']}/assign", json={"user": AGENT})
    live.fire_due_work()
    for state in ("breached", "at_risk", "ok", "paused"):
        assert live.task(cases[state]["task_id"])["sla_state"] == state
    return cases


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots(browser, live, seeded, size):  # type: ignore[no-untyped-def]
    with sized_page(browser, live, size) as page:
        page.goto("/login")
        expect(page.get_by_label("用户名")).to_be_focused()
        shoot(page, f"login-{size}")

        sign_in(page)  # "my tasks" first
        rows = page.locator("tr[data-task-id]")
        expect(rows).to_have_count(4)
        expect(rows.first).to_contain_text("紧急")  # VIP: priority 90, sorted first
        for text in ("已超时", "即将超时", "正常", "已暂停"):
            expect(page.locator("#task-list")).to_contain_text(text)
        if size == "desktop":
            breached = seeded["breached"]["task_id"]
            page.locator(f'tr[data-task-id="{breached}"]').get_by_role(
                "button", name="登记投诉", exact=True).click()
            detail = page.locator("#detail")
            detail.get_by_label("客户姓名").fill("王芳")
            detail.get_by_label("联系方式").fill("13800001111")
            detail.get_by_label("投诉渠道").select_option(label="24小时客服热线")
            page.get_by_role("heading", level=1).focus()
            detail.evaluate("el => { el.scrollTop = 0; }")
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, f"inbox-{size}")


def test_overdue_and_due_today_views(browser, live, seeded):  # type: ignore[no-untyped-def]
    with sized_page(browser, live) as page:
        sign_in(page)
        page.get_by_role("link", name="已超时").click()
        rows = page.locator("tr[data-task-id]")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-task-id", str(seeded["breached"]["task_id"]))
        expect(rows.first).to_contain_text("已超时")
        with page.expect_response(lambda r: "/api/v1/tasks?" in r.url
                                  and "due_today=true" in r.url):
            page.get_by_role("link", name="今日到期").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("今日到期")
        due_today = {t["id"] for t in live.ok("GET", "/tasks?due_today=true")["items"]}
        # the rows drawn from that answer, not the overdue list still on the page
        for task_id in due_today:
            expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_be_visible()
        expect(rows).to_have_count(len(due_today))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_reports_screenshots(browser, live, seeded, size):  # type: ignore[no-untyped-def]
    from services.identity import set_password
    set_password(live.fd, ADMIN, "shots-pass-2026")
    with sized_page(browser, live, size) as page:
        sign_in(page, ADMIN, "shots-pass-2026")
        page.goto("/reports")
        expect(page.locator('#reports[aria-busy="false"][data-loaded="1"]')).to_have_count(1)
        expect(page.locator("#table-backlog tbody tr")).to_have_count(1)
        expect(page.locator("#chart-backlog canvas")).to_be_attached()
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, f"reports-{size}", full_page=size == "desktop")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_new_case_screenshots(browser, live, seeded, size):  # type: ignore[no-untyped-def]
    """新建案件 with a process chosen, a customer found (tier shown) and the form half filled."""
    with sized_page(browser, live, size) as page:
        sign_in(page)
        page.goto("/cases/new")
        page.get_by_label("案件类型").select_option(label="投诉处理")
        page.get_by_label("查找客户").fill("王")
        page.get_by_role("button", name="查找", exact=True).click()
        expect(page.locator("#customer-results li")).to_have_count(1)
        expect(page.locator("#customer-results")).to_contain_text("等级 VIP")
        page.get_by_label("投诉渠道").select_option(label="24小时客服热线")
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, f"new-case-{size}", full_page=True)
