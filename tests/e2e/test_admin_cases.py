"""The admin console's case views in a real browser: a case cancelled from the cases view,
breached and at-risk SLA clocks listed, open incidents paged newest first, a case in error
retried from the incidents. Also takes docs/screenshots/admin-cases-desktop.png,
admin-cases-phone.png and admin-retry-desktop.png."""
from __future__ import annotations

import re

import pytest

from .conftest import shoot, sized_page
from .test_admin import POLICY, POLICY_NAME, admin_ready, admin_sign_in, parse_iso

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    return admin_ready(live)


def case_in_error(live) -> dict:  # type: ignore[no-untyped-def]
    """A 'parallel' case whose script failed (ratio 0): status error, one open incident."""
    instance = live.ok("POST", "/instances", json={
        "process_key": "parallel", "variables": {"refund": 100, "ratio": 0}})
    for task in instance["open_tasks"]:
        live.ok("POST", f"/tasks/{task['id']}/complete", json={"data": {}})
    failed = live.ok("GET", f"/instances/{instance['id']}")
    assert failed["status"] == "error"
    return failed


def test_admin_cancels_a_case_from_the_cases_view(live, page):  # type: ignore[no-untyped-def]
    case = live.ok("POST", "/instances", token=live.agent_token, json={
        "process_key": "complaint_handling", "business_key": "TB-E2E-ADMIN-3"})
    admin_sign_in(page)
    section = page.locator("#instances")
    section.get_by_label("状态").select_option(label="进行中")
    section.get_by_label("流程").select_option("complaint_handling")
    row = section.locator(f'tr[data-instance="{case["id"]}"]')
    expect(row).to_contain_text("进行中")
    expect(row).to_contain_text("TB-E2E-ADMIN-3")
    expect(row.get_by_role("button", name=re.compile("^重试"))).to_have_count(0)  # not in error
    cancel = row.get_by_role("button", name=f"取消案件 {case['case_no']}")

    # Esc dismisses the dialog; nothing happens and focus goes back to the button
    cancel.click()
    dialog = page.get_by_role("dialog", name=f"取消案件 {case['case_no']}?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("投诉处理")  # the process name, not its key
    reason = dialog.get_by_label("取消原因 (可选)")
    expect(reason).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(cancel).to_be_focused()
    assert live.ok("GET", f"/instances/{case['id']}")["status"] == "running"

    cancel.click()
    reason.fill("重复登记")
    dialog.get_by_role("button", name="确认取消").click()
    expect(page.get_by_role("status")).to_have_text(f"已取消案件 {case['id']}。")
    expect(row).to_have_count(0)  # no longer running
    section.get_by_label("状态").select_option(label="全部状态")
    expect(row).to_have_attribute("data-status", "cancelled")
    expect(row.locator(".case-status")).to_have_text("已取消")
    expect(row.get_by_role("button")).to_have_count(0)
    after = live.ok("GET", f"/instances/{case['id']}")
    assert after["status"] == "cancelled"
    assert after["audit"][-1]["after"] == {"status": "cancelled", "reason": "重复登记"}


def test_breached_and_at_risk_clocks_are_listed(live, page):  # type: ignore[no-untyped-def]
    live.ok("PUT", f"/admin/sla-policies/{POLICY_NAME}", json=POLICY)  # 4 h, warning at 80 %
    breached = live.started_ago("TB-E2E-ADMIN-LATE", 5)
    at_risk = live.started_ago("TB-E2E-ADMIN-SOON", 3.5)
    fresh = live.start_complaint("TB-E2E-ADMIN-FRESH")
    live.fire_due_work()
    admin_sign_in(page)
    section = page.locator("#breaches")
    late = section.locator(f'tr[data-task="{breached["task_id"]}"]')
    soon = section.locator(f'tr[data-task="{at_risk["task_id"]}"]')
    expect(late).to_have_attribute("data-sla", "breached")
    expect(late).to_contain_text("已超时")
    expect(late).to_contain_text("登记投诉")
    expect(late).to_contain_text(breached["case_no"])
    expect(late).to_contain_text(POLICY_NAME)
    due = live.task(breached["task_id"])["due_at"]
    expect(late.locator("time")).to_have_attribute("datetime", re.compile(
        "^" + re.escape(parse_iso(due).strftime("%Y-%m-%dT%H:%M"))))
    expect(late.locator("td.col-escalation")).to_have_text("—")  # the policy has no escalations
    expect(soon).to_contain_text("即将超时")
    expect(section.locator(f'tr[data-task="{fresh["task_id"]}"]')).to_have_count(0)  # in time
    section.get_by_label("显示").select_option(label="仅已超时")
    expect(soon).to_have_count(0)
    expect(late).to_be_visible()


def test_the_incidents_view_pages_through_open_incidents_newest_first(live, page):  # type: ignore[no-untyped-def]
    """Twenty to a page: enough failed cases for a second page, whose last row is the oldest."""
    open_before = live.ok("GET", "/admin/incidents?per_page=1")["total"]
    failed = [case_in_error(live) for _ in range(max(0, 21 - open_before))]
    total = live.ok("GET", "/admin/incidents?per_page=1")["total"]
    assert total >= 21
    oldest = live.ok("GET", f"/admin/incidents?per_page=1&page={total}")["items"][0]
    admin_sign_in(page)
    box, pager = page.locator("#incident-list"), page.locator("#incident-pager")
    expect(box.locator("tr[data-incident]")).to_have_count(20)
    if failed:  # the newest incident leads the first page
        expect(box.locator("tr[data-incident]").first).to_have_attribute(
            "data-instance", str(failed[-1]["id"]))
    pages = -(-total // 20)
    expect(pager.locator("#incident-page")).to_have_text(f"第 1 / {pages} 页, 共 {total} 个异常")
    expect(pager.get_by_role("button", name="上一页")).to_be_disabled()
    for page_no in range(2, pages + 1):  # each page drawn before the next click
        pager.get_by_role("button", name="下一页").click()
        expect(pager.locator("#incident-page")).to_contain_text(f"第 {page_no} / {pages} 页")
    expect(pager.locator("#incident-page")).to_have_text(
        f"第 {pages} / {pages} 页, 共 {total} 个异常")
    expect(pager.get_by_role("button", name="下一页")).to_be_disabled()
    expect(box.locator("tr[data-incident]").last).to_have_attribute(
        "data-incident", str(oldest["id"]))


def test_admin_retries_a_case_in_error_from_the_incidents_view(live, page):  # type: ignore[no-untyped-def]
    failed = case_in_error(live)
    admin_sign_in(page)
    # the cases view offers the retry too
    case_row = page.locator(f'#instance-list tr[data-instance="{failed["id"]}"]')
    expect(case_row.locator(".case-status")).to_have_text("异常")
    expect(case_row.get_by_role("button", name=f"重试案件 {failed['case_no']}")).to_be_visible()

    row = page.locator(f'#incident-list tr[data-instance="{failed["id"]}"]')
    expect(row).to_contain_text("Add up")
    expect(row).to_contain_text("ZeroDivisionError")
    row.get_by_role("button", name=f"重试案件 {failed['case_no']}").click()
    dialog = page.get_by_role("dialog", name=f"重试案件 {failed['case_no']}")
    expect(dialog).to_contain_text("ZeroDivisionError")
    variables = dialog.get_by_label("修正后的变量 (JSON, 可选)")
    expect(variables).to_be_focused()
    variables.fill("ratio = 2")  # not JSON: caught in the dialog
    dialog.get_by_role("button", name="重试").click()
    expect(variables).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#dialog-variables-error")).to_contain_text("JSON")
    variables.fill('{"ratio": 2}')
    dialog.get_by_role("button", name="重试").click()
    expect(page.get_by_role("status")).to_have_text(f"已重试案件 {failed['id']}, 状态: 已完成。")
    expect(row).to_have_count(0)
    expect(case_row.locator(".case-status")).to_have_text("已完成")
    after = live.ok("GET", f"/instances/{failed['id']}")
    assert after["status"] == "completed" and after["variables"]["total"] == 50


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_admin_case_views_screenshots(browser, live, size):  # type: ignore[no-untyped-def]
    case_in_error(live)
    with sized_page(browser, live, size) as page:
        admin_sign_in(page)
        for box in ("#breach-list", "#instance-list", "#incident-list"):
            expect(page.locator(box)).to_have_attribute("aria-busy", "false")
        expect(page.locator("#breach-list tr[data-sla]").first).to_be_visible()
        page.locator("#breaches-heading").evaluate("el => el.scrollIntoView()")
        shoot(page, f"admin-cases-{size}")
        if size == "desktop":
            page.locator("#incident-list tr[data-instance]").first.get_by_role(
                "button", name=re.compile("^重试案件")).click()
            expect(page.get_by_role("dialog")).to_be_visible()
            shoot(page, "admin-retry-desktop")
