"""The admin console (/admin) in a real browser: a calendar edited and previewed, an SLA policy's
duration changed for running clocks (the agent's inbox shows the new due time), a case
cancelled by id; a staff user gets 403 and a visitor is sent to sign in. Also takes
docs/screenshots/admin-desktop.png (1280×800) and admin-phone.png (390×844)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from .conftest import ADMIN, AGENT, DESKTOP, PHONE, SCREENSHOTS, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

ADMIN_PASSWORD = "admin-pass-2026"
POLICY_NAME = "complaint_register_resolution"
POLICY = {"process_key": "complaint_handling", "target": "task", "target_ref": "register_complaint",
          "clock": "resolution", "duration": "PT4H", "warning": {"percent": 80}}


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    from api.services.identity import create_token, set_password
    set_password(live.fd, ADMIN, ADMIN_PASSWORD)
    live.agent_token = create_token(live.fd, AGENT, "e2e-admin")
    return live


def admin_sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin")
    page.wait_for_url(re.compile(r"/login\?next=(/|%2F)admin$"))  # not signed in: off to the sign-in page
    page.get_by_label("用户名").fill(ADMIN)
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin")
    expect(page).to_have_title(re.compile("管理控制台"))


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_admin_edits_a_calendar_and_an_sla_policy_for_running_clocks(browser, live, page):  # type: ignore[no-untyped-def]
    live.ok("PUT", f"/admin/sla-policies/{POLICY_NAME}", json=POLICY)
    instance = live.ok("POST", "/instances", token=live.agent_token, json={
        "process_key": "complaint_handling", "business_key": "TB-E2E-ADMIN-1"})
    task_id = instance["open_tasks"][0]["id"]
    before = live.task(task_id)["due_at"]
    assert before

    # the agent sees the due time in the inbox (the task waits in the Agent group)
    agent_ctx = browser.new_context(base_url=live.base, viewport=DESKTOP,
                                    timezone_id="Asia/Shanghai")
    agent_ctx.set_default_timeout(10_000)
    try:
        agent = agent_ctx.new_page()
        sign_in(agent)
        agent.goto("/inbox?view=unassigned")
        due = agent.locator(f'tr[data-task-id="{task_id}"] time')
        expect(due).to_have_attribute("datetime", before)
        shown_before = due.inner_text()

        admin_sign_in(page)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

        # a new calendar; a bad window is reported beside Monday
        page.get_by_label("新日历名称").fill("e2e_office")
        page.get_by_role("button", name="新建日历").click()
        editor = page.locator("#calendar-editor")
        expect(editor.get_by_role("heading", name="新日历「e2e_office」")).to_be_focused()
        editor.get_by_label("时区").fill("Asia/Shanghai")
        editor.get_by_label("法定节假日国家/地区").fill("CN")
        for day in ("周一", "周二", "周三", "周四", "周五"):
            editor.get_by_label(day).fill("09:00-12:00, 13:00-18:00")
        editor.get_by_label("周一").fill("09:00-12:00, 13:00-25:00")
        editor.get_by_role("button", name="保存").click()
        monday = editor.get_by_label("周一")
        expect(monday).to_have_attribute("aria-invalid", "true")
        expect(monday).to_be_focused()
        expect(editor.locator("#cal-day-mon-error")).to_contain_text("25:00")
        monday.fill("09:00-12:00, 13:00-18:00")
        editor.get_by_label("额外休息日").fill("2026-12-31")
        editor.get_by_role("button", name="保存").click()
        expect(page.get_by_role("status")).to_contain_text("已保存「e2e_office」(版本 1)")
        expect(page.locator('tr[data-calendar="e2e_office"]')).to_contain_text("Asia/Shanghai")
        saved = live.ok("GET", "/admin/calendars/e2e_office")["config"]
        assert saved["windows"]["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
        assert saved["extra_holidays"] == ["2026-12-31"]

        # the preview: National Day week is skipped (30 Sep 16:00 + 10 office hours)
        editor = page.locator("#calendar-editor")
        editor.get_by_label("起始时间").fill("2025-09-30T16:00")
        editor.get_by_label("增加时长").fill("PT10H")
        editor.get_by_role("button", name="预览").click()
        expect(editor.locator(".preview-windows li")).to_have_count(5)
        expect(editor.locator("#cal-preview-sum time")).to_have_attribute(
            "datetime", re.compile(r"^2025-10-09T10:00:00"))
        expect(editor.locator(".preview-sum")).to_contain_text("PT10H =")

        # the SLA policy: 4 hours → 2 hours, also for the running clock
        row = page.locator(f'tr[data-policy="{POLICY_NAME}"]')
        expect(row).to_contain_text("PT4H")
        expect(row).to_contain_text("register_complaint")
        row.get_by_role("button", name=f"编辑「{POLICY_NAME}」").click()
        policy_editor = page.locator("#policy-editor")
        duration = policy_editor.get_by_label("时限")
        duration.fill("four hours")
        policy_editor.get_by_role("button", name="保存").click()
        expect(duration).to_have_attribute("aria-invalid", "true")
        expect(policy_editor.locator("#policy-duration-error")).not_to_be_empty()
        duration.fill("PT2H")
        policy_editor.get_by_label(re.compile("也用于运行中的计时")).check()
        policy_editor.get_by_role("button", name="保存").click()
        expect(page.get_by_role("status")).to_contain_text("重新计算了 1 个运行中的时效计时")
        expect(row).to_contain_text("PT2H")

        after = live.task(task_id)["due_at"]
        assert _iso(before) - _iso(after) == timedelta(hours=2)
        clock_row = page.locator(f'#clock-list tr[data-task="{task_id}"]')
        expect(clock_row.locator("time")).to_have_attribute("datetime", re.compile(
            "^" + re.escape(_iso(after).strftime("%Y-%m-%dT%H:%M"))))
        expect(page.locator("#timer-list")).to_contain_text("sla")

        # the agent's inbox shows the new due time
        agent.reload()
        expect(due).to_have_attribute("datetime", after)
        assert due.inner_text() != shown_before

        # cancel a case by its id
        other = live.ok("POST", "/instances", token=live.agent_token, json={
            "process_key": "complaint_handling", "business_key": "TB-E2E-ADMIN-2"})
        cancel_id = page.get_by_label("按编号取消案件")
        cancel_id.fill("abc")
        page.get_by_role("button", name="取消案件").click()
        expect(cancel_id).to_have_attribute("aria-invalid", "true")
        cancel_id.fill(str(other["id"]))
        page.get_by_role("button", name="取消案件").click()
        expect(page.get_by_role("status")).to_have_text(f"已取消案件 {other['id']}。")
        assert live.ok("GET", f"/instances/{other['id']}")["status"] == "cancelled"
        expect(page.locator("#incident-list")).to_contain_text("暂无")
    finally:
        agent_ctx.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_admin_screenshots(browser, live, size):  # type: ignore[no-untyped-def]
    live.ok("PUT", f"/admin/sla-policies/{POLICY_NAME}", json=POLICY)
    context = browser.new_context(base_url=live.base, viewport=DESKTOP if size == "desktop"
                                  else PHONE, timezone_id="Asia/Shanghai", device_scale_factor=1)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        admin_sign_in(page)
        expect(page.locator("#policy-list")).to_have_attribute("aria-busy", "false")
        expect(page.locator("#clock-list")).to_have_attribute("aria-busy", "false")
        if size == "desktop":
            page.locator('tr[data-calendar="e2e_office"]').get_by_role("button").click()
            page.get_by_label("增加时长").fill("PT10H")
            page.get_by_role("button", name="预览").click()
            expect(page.locator(".preview-windows li")).to_have_count(5)
        page.evaluate("window.scrollTo(0, 0)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"admin-{size}.png"), animations="disabled",
                        caret="hide")
    finally:
        context.close()


def test_staff_get_403_and_visitors_are_sent_to_sign_in(live, page):  # type: ignore[no-untyped-def]
    page.goto("/admin")
    assert re.search(r"/login\?next=(/|%2F)admin$", page.url)
    sign_in(page)
    response = page.goto("/admin")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问管理控制台")
    expect(page.locator("main")).to_contain_text(AGENT)
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp
    page.goto("/admin?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("The admin console is for admins")
