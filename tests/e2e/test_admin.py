"""The admin console (/admin) in a real browser, its calendars, SLA policies and groups: a
calendar edited and previewed, an SLA policy's duration changed for running clocks (the agent's
inbox shows the new due time), an escalation level edited, a calendar's what-if before saving,
group display names; a staff user gets 403 and a visitor is sent to sign in. The cases,
breaches and incidents views are test_admin_cases.py. Also takes docs/screenshots/admin-desktop.png
(1280×800) and admin-phone.png (390×844)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from tests.conftest import RESOURCES

from .conftest import ADMIN, AGENT, shoot, sign_in, sized_page

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

ADMIN_PASSWORD = "admin-pass-2026"
POLICY_NAME = "complaint_register_resolution"
POLICY = {"process_key": "complaint_handling", "target": "task", "target_ref": "register_complaint",
          "clock": "resolution", "duration": "PT4H", "warning": {"percent": 80}, "calendar": None,
          "warn_in_business_hours": False, "escalations": [], "pause_when": [], "enabled": True}


def admin_ready(live):  # type: ignore[no-untyped-def]
    """The module's server with the admin's password, a token for the agent, and the
    'parallel' process (its script divides by 'ratio': a case in error on demand)."""
    from services.definitions import deploy_path
    from services.identity import create_token, set_password
    set_password(live.fd, ADMIN, ADMIN_PASSWORD)
    live.agent_token = create_token(live.fd, AGENT, "e2e-admin")
    deploy_path(live.fd, RESOURCES / "parallel", "e2e")
    return live


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    return admin_ready(live)


def admin_sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin")
    page.wait_for_url(re.compile(r"/login\?next=(/|%2F)admin$"))  # not signed in: off to the sign-in page
    page.get_by_label("用户名").fill(ADMIN)
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin")
    expect(page).to_have_title(re.compile("管理控制台"))


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_admin_edits_a_calendar_and_an_sla_policy_for_running_clocks(browser, live, page):  # type: ignore[no-untyped-def]
    live.ok("PUT", f"/admin/sla-policies/{POLICY_NAME}", json=POLICY)
    instance = live.ok("POST", "/instances", token=live.agent_token, json={
        "process_key": "complaint_handling", "business_key": "TB-E2E-ADMIN-1"})
    task_id = instance["open_tasks"][0]["id"]
    before = live.task(task_id)["due_at"]
    assert before

    # the agent sees the due time in the inbox (the task waits in the Agent group)
    with sized_page(browser, live) as agent:
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
        # in the page's language, beside the field; an empty weekend day reads 休息
        expect(editor.locator("#cal-day-mon-error")).to_have_text(
            "结束时间「25:00」不是 00:00 到 24:00 之间的时间（写成 HH:MM，如 18:00）")
        expect(editor.get_by_label("周六")).to_have_attribute("placeholder", "休息")
        expect(editor.get_by_label("周六")).to_have_value("")
        monday.fill("09:00-12:00, 13:00-18:00")
        editor.get_by_label("额外休息日").fill("2026-12-31")
        makeup = editor.get_by_label("调休日工作时间")  # shorter hours on make-up working days
        makeup.fill("09:00-25:00")
        editor.get_by_role("button", name="保存").click()
        expect(makeup).to_have_attribute("aria-invalid", "true")
        expect(editor.locator("#cal-makeup-windows-error")).to_contain_text("25:00")
        makeup.fill("09:00-15:00")
        editor.get_by_role("button", name="保存").click()
        expect(page.get_by_role("status")).to_contain_text("已保存「e2e_office」(版本 1)")
        expect(page.locator('tr[data-calendar="e2e_office"]')).to_contain_text("Asia/Shanghai")
        saved = live.ok("GET", "/admin/calendars/e2e_office")["config"]
        assert saved["windows"]["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
        assert saved["extra_holidays"] == ["2026-12-31"]
        assert saved["makeup_windows"] == [["09:00", "15:00"]]

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
        expect(row).to_contain_text("4 小时")
        expect(row).to_contain_text("任务 · 登记投诉")  # the task by its name, not its id
        expect(row).to_contain_text("投诉")  # the process's name, not its key
        row.get_by_role("button", name=f"编辑「{POLICY_NAME}」").click()
        policy_editor = page.locator("#policy-editor")
        duration = policy_editor.get_by_label("时限")
        duration.fill("four hours")
        policy_editor.get_by_role("button", name="保存").click()
        expect(duration).to_have_attribute("aria-invalid", "true")
        expect(policy_editor.locator("#policy-duration-error")).not_to_be_empty()
        duration.fill("2 小时")
        policy_editor.get_by_label(re.compile("也用于运行中的计时")).check()
        policy_editor.get_by_role("button", name="保存").click()
        # running clocks move: the what-if comes first, nothing is saved yet
        impact = policy_editor.locator("#policy-impact")
        expect(impact).to_contain_text("1 个运行中的计时会改变")
        expect(impact).to_contain_text("1 个提前到期, 最多提前 2 小时")
        assert live.task(task_id)["due_at"] == before
        policy_editor.get_by_role("button", name="确认保存并重新计算").click()
        expect(page.get_by_role("status")).to_contain_text("重新计算了 1 个运行中的时效计时")
        expect(row).to_contain_text("2 小时")

        after = live.task(task_id)["due_at"]
        assert parse_iso(before) - parse_iso(after) == timedelta(hours=2)
        clock_row = page.locator(f'#clock-list tr[data-task="{task_id}"]')
        expect(clock_row.locator("time")).to_have_attribute("datetime", re.compile(
            "^" + re.escape(parse_iso(after).strftime("%Y-%m-%dT%H:%M"))))
        expect(page.locator("#timer-list")).to_contain_text("SLA 事件")  # the kind, in Chinese

        # the agent's inbox shows the new due time
        agent.reload()
        expect(due).to_have_attribute("datetime", after)
        assert due.inner_text() != shown_before

        # cancel a case by its id
        other = live.ok("POST", "/instances", token=live.agent_token, json={
            "process_key": "complaint_handling", "business_key": "TB-E2E-ADMIN-2"})
        cancel_form = page.locator("#cancel-form")
        cancel_id = cancel_form.get_by_label("按编号取消案件")
        cancel_id.fill("abc")
        cancel_form.get_by_role("button", name="取消案件").click()
        expect(cancel_id).to_have_attribute("aria-invalid", "true")
        cancel_id.fill(str(other["id"]))
        cancel_form.get_by_role("button", name="取消案件").click()
        page.get_by_role("dialog").get_by_role("button", name="确认取消").click()
        expect(page.get_by_role("status")).to_have_text(f"已取消案件 {other['id']}。")
        assert live.ok("GET", f"/instances/{other['id']}")["status"] == "cancelled"
        expect(page.locator("#incident-list")).to_contain_text("暂无")


def test_admin_changes_an_escalation_level_in_the_policy_editor(live, page):  # type: ignore[no-untyped-def]
    """Levels and actions are edited, added and removed in the form; the API has the change."""
    name = "e2e_escalating"
    live.ok("PUT", f"/admin/sla-policies/{name}", json={
        **POLICY, "escalations": [{"after": "PT0S", "actions": [
            {"type": "notify", "to": "Supervisor"}]}]})
    admin_sign_in(page)
    page.locator(f'tr[data-policy="{name}"]').get_by_role(
        "button", name=f"编辑「{name}」").click()
    editor = page.locator("#policy-editor")
    level = editor.locator('.policy-level[data-level="0"]')
    expect(level.get_by_label("超时多久后")).to_have_value("0 分钟")
    level.get_by_label("超时多久后").fill("1 小时")
    level.get_by_label("动作").select_option("add_candidates")
    level.get_by_label("用户组").fill("ComplaintGroup")
    editor.get_by_role("button", name="添加升级级别").click()
    second = editor.locator(".policy-level").nth(1)
    expect(second.locator("legend")).to_have_text("第 2 级升级")
    second.get_by_label("超时多久后").fill("30 分钟")  # shorter than level 1: refused
    second.get_by_label("通知对象").fill("supervisor")
    editor.get_by_role("button", name="添加升级级别").click()
    editor.locator(".policy-level").nth(2).get_by_role("button", name="删除此级").click()
    expect(editor.locator(".policy-level")).to_have_count(2)
    editor.get_by_role("button", name="保存").click()
    after = second.get_by_label("超时多久后")
    expect(after).to_have_attribute("aria-invalid", "true")
    after.fill("2 小时")
    editor.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text(f"已保存「{name}」")
    stored = live.ok("GET", f"/admin/sla-policies/{name}")["config"]
    assert stored["escalations"] == [
        {"after": "PT1H", "actions": [{"type": "add_candidates", "group": "ComplaintGroup"}]},
        {"after": "PT2H", "actions": [{"type": "notify", "to": "supervisor"}]}]
    assert stored["warning"] == {"percent": 80} and stored["duration"] == "PT4H"
    live.ok("DELETE", f"/admin/sla-policies/{name}")


def test_groups_show_their_display_names_and_admins_edit_them(live, page):  # type: ignore[no-untyped-def]
    admin_sign_in(page)
    user_row = page.locator(f'#user-list tr[data-user="{AGENT}"]')
    expect(user_row).to_contain_text("前台客服")  # Agent, as people call it
    row = page.locator('#group-list tr[data-group="Supervisor"]')
    name = row.get_by_label("「Supervisor」的显示名称")
    expect(name).to_have_value("主管")
    name.fill("值班主管")
    row.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("用户组「Supervisor」现在显示为「值班主管」")
    groups = {g["name"]: g["display_name"] for g in live.ok("GET", "/admin/groups")}
    assert groups["Supervisor"] == "值班主管"
    live.ok("PATCH", "/admin/groups/Supervisor", json={"display_name": "主管"})


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_admin_screenshots(browser, live, size):  # type: ignore[no-untyped-def]
    live.ok("PUT", f"/admin/sla-policies/{POLICY_NAME}", json=POLICY)
    with sized_page(browser, live, size) as page:
        admin_sign_in(page)
        expect(page.locator("#policy-list")).to_have_attribute("aria-busy", "false")
        expect(page.locator("#clock-list")).to_have_attribute("aria-busy", "false")
        if size == "desktop":
            page.locator('tr[data-calendar="e2e_office"]').get_by_role("button").click()
            page.get_by_label("增加时长").fill("PT10H")
            page.get_by_role("button", name="预览").click()
            expect(page.locator(".preview-windows li")).to_have_count(5)
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, f"admin-{size}")


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


def test_a_calendar_saved_for_running_clocks_shows_its_what_if_first(live, page):  # type: ignore[no-untyped-def]
    """As for a policy: the clocks that would move and by how much, nothing saved until the
    admin confirms (POST /admin/calendars/{name}/preview behind it)."""
    calendar = "e2e_whatif"
    always = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    live.ok("PUT", f"/admin/calendars/{calendar}", json={
        "timezone": "Asia/Shanghai", "mode": "business", "country": None, "windows": always})
    policy = "e2e_whatif_step_one"
    live.ok("PUT", f"/admin/sla-policies/{policy}", json={
        **POLICY, "process_key": "three_steps", "target_ref": "step_one", "calendar": calendar})
    steps = live.ok("POST", "/instances", json={"process_key": "three_steps"})
    task_id = steps["open_tasks"][0]["id"]
    before = live.task(task_id)["due_at"]
    try:
        admin_sign_in(page)
        page.locator(f'tr[data-calendar="{calendar}"]').get_by_role("button").click()
        editor = page.locator("#calendar-editor")
        for day in ("周一", "周二", "周三", "周四", "周五", "周六", "周日"):
            editor.get_by_label(day).fill("09:00-10:00")  # one hour a day: the clock runs later
        editor.get_by_label(re.compile("也用于运行中的计时")).check()
        editor.get_by_role("button", name="保存").click()
        impact = editor.locator("#cal-impact")
        expect(impact).to_contain_text("1 个运行中的计时会改变")
        expect(impact).to_contain_text("1 个推迟到期")
        assert live.ok("GET", f"/admin/calendars/{calendar}")["version"] == 1  # nothing saved
        assert live.task(task_id)["due_at"] == before
        editor.get_by_role("button", name="确认保存并重新计算").click()
        expect(page.get_by_role("status")).to_contain_text("重新计算了 1 个运行中的时效计时")
        assert live.ok("GET", f"/admin/calendars/{calendar}")["version"] == 2
        assert parse_iso(live.task(task_id)["due_at"]) > parse_iso(before)
    finally:
        live.ok("DELETE", f"/admin/sla-policies/{policy}")
