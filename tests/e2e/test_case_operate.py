"""A supervisor operates a case from its case page in a real browser (issue 17: the admin
console admits admins only): suspends it with a reason (the badge and the reason shown, the API
says suspended), resumes it, and corrects a variable; an agent's case page has no operations."""
from __future__ import annotations

import pytest

from .case_dialogs import suspend_with_reason
from .conftest import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

LEAD, LEAD_PASSWORD = "lead", "lead-pass-2026"


@pytest.fixture(scope="module")
def complaint(live):  # type: ignore[no-untyped-def]
    """A supervisor who may sign in, and a complaint waiting at its first task."""
    from services.identity import ensure_user, set_password
    ensure_user(live.fd, LEAD, ["staff", "supervisor"], ["Supervisor"], display_name="Lead Wang")
    set_password(live.fd, LEAD, LEAD_PASSWORD)
    case = live.start_complaint("TB-E2E-LEAD")
    live.ok("PATCH", f"/instances/{case['id']}/variables",
            json={"variables": {"remark": "电水壶底座漏水。"}, "reason": "登记备注"})
    return case


def test_a_supervisor_suspends_and_resumes_a_case_from_its_page(live, page, complaint):  # type: ignore[no-untyped-def]
    name = complaint["case_no"]
    sign_in(page, LEAD, LEAD_PASSWORD)
    page.goto(f"/cases/{complaint['id']}")
    operate = page.get_by_role("region", name="案件操作")
    heading = page.locator("#case-heading")
    expect(heading.locator(".case-status")).to_have_text("处理中")

    suspend_with_reason(page, operate, name, "等待客户寄回样品")
    expect(heading.locator(".case-status")).to_have_text("已挂起")
    note = operate.locator('[data-state="suspended"]')
    expect(note).to_contain_text("等待客户寄回样品")
    expect(note).to_contain_text(LEAD)
    expect(page.locator("#operate-heading")).to_be_focused()
    assert live.ok("GET", f"/instances/{complaint['id']}")["status"] == "suspended"

    operate.get_by_role("button", name="恢复").click()
    dialog = page.get_by_role("dialog", name=f"恢复案件 {name}")
    dialog.get_by_label("原因 (必填)").fill("样品已收到")
    dialog.get_by_role("button", name="恢复").click()
    expect(page.get_by_role("status")).to_have_text(f"已恢复案件 {name}。")
    expect(heading.locator(".case-status")).to_have_text("处理中")
    expect(note).to_have_count(0)
    expect(operate.get_by_role("button", name="挂起")).to_be_visible()
    trail = [(a["action"], a["actor"], a["after"]["reason"])
             for a in live.ok("GET", f"/instances/{complaint['id']}")["audit"]
             if a["action"] in ("instance.suspended", "instance.resumed")]
    assert trail == [("instance.suspended", LEAD, "等待客户寄回样品"),
                     ("instance.resumed", LEAD, "样品已收到")]

    # a variable corrected from the same section
    form = operate.locator("#variables-form")
    form.get_by_label("remark", exact=True).fill("电水壶底座漏水, 已换新。")
    form.get_by_label("原因 (必填)").fill("客户来电更正")
    form.get_by_role("button", name="保存变量").click()
    expect(page.get_by_role("status")).to_contain_text(name)
    expect(page.locator("#variables-heading")).to_be_focused()
    variables = live.ok("GET", f"/instances/{complaint['id']}")["variables"]
    assert variables["remark"] == "电水壶底座漏水, 已换新。"


def test_an_agent_gets_no_operations_on_the_case_page(live, page, complaint):  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto(f"/cases/{complaint['id']}")
    expect(page.locator("#case-heading .case-status")).to_be_visible()
    expect(page.locator("#summary")).to_be_visible()
    expect(page.locator("#operate")).to_have_count(0)
    expect(page.get_by_role("button", name="挂起")).to_have_count(0)
