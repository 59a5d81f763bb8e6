"""Each page checked by axe-core (Deque's accessibility engine, vendored in tests/e2e/vendor)
for WCAG 2.1 A and AA rules: labels, names, roles, landmarks, contrast, language. Any violation
of impact 'serious' or 'critical' fails, with the rule and the elements it found."""
from __future__ import annotations

import re

from pathlib import Path

import pytest

from tests.conftest import PROCESSES

from .conftest import ADMIN, new_context, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "a11y-pass-2026"


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    from services.definitions import deploy_path
    from services.identity import set_password
    set_password(live.fd, ADMIN, PASSWORD)
    deploy_path(live.fd, PROCESSES / "negative-review", "e2e")
    live.start_complaint("TB-A11Y-1")
    return live


@pytest.fixture
def context(browser, live):  # type: ignore[no-untyped-def]
    """As the conftest's, but the pages' CSP lets the test inject axe (an inline script)."""
    ctx = new_context(browser, live, bypass_csp=True)
    yield ctx
    ctx.close()


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async (tags) => {
        const found = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return found.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.help + ' -> '
                 + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""", TAGS)
    return list(result)


def _check(page, where: str) -> None:  # type: ignore[no-untyped-def]
    problems = _violations(page)
    assert not problems, f"{where}: " + "; ".join(problems)


def test_sign_in_and_inbox_pages(live, page):  # type: ignore[no-untyped-def]
    page.goto("/login")
    _check(page, "/login")
    sign_in(page)
    page.goto("/inbox?view=unassigned")
    row = page.locator("tr[data-task-id]").first
    expect(row).to_be_visible()
    row.get_by_role("button", name="领取").click()
    expect(page.locator("#detail form")).to_be_visible()
    page.locator("details.diagram > summary").click()
    expect(page.locator("details.diagram .djs-element").first).to_be_attached()
    for box in ("#task-list", "#detail"):  # nothing still loading while axe looks
        expect(page.locator(box)).to_have_attribute("aria-busy", "false")
    _check(page, "/inbox with a claimed task, its form and diagram")
    detail = page.locator("#detail")
    detail.locator("details.tool-waiting > summary").click()
    detail.locator("form.waiting-form").get_by_role("button", name="标记等待").click()
    expect(detail.locator('[data-state="waiting"]')).to_be_visible()  # and a toast
    for tool in ("tool-waiting", "tool-reassign", "tool-escalate"):
        detail.locator(f"details.{tool} > summary").click()
    expect(detail.locator("form.reassign-form select option").nth(1)).to_be_attached()
    expect(page.locator(".toast")).not_to_have_count(0)
    _check(page, "/inbox with a waiting task, its tools open and a toast")


def test_designer_pages(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, ADMIN, PASSWORD)
    page.goto("/designer")
    expect(page.locator('article[data-key="negative_review"]')).to_be_visible()
    expect(page.locator("#definitions")).to_have_attribute("aria-busy", "false")
    _check(page, "/designer")
    page.goto("/designer/negative_review")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)
    page.locator('.djs-element[data-element-id="send_sms"]').click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value("send_sms")
    _check(page, "/designer/negative_review with a user task selected")


def test_admin_console(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, ADMIN, PASSWORD)
    page.goto("/admin")
    for box in ("#calendar-list", "#policy-list", "#timer-list", "#clock-list", "#breach-list",
                "#instance-list", "#incident-list", "#user-list", "#group-list", "#token-list"):
        expect(page.locator(box)).to_have_attribute("aria-busy", "false")
    _check(page, "/admin")
    # the policy editor with its escalation levels, and its what-if for running clocks
    page.get_by_role("button", name="编辑「negative_review_phone_call」").click()
    editor = page.locator("#policy-editor")
    expect(editor.locator(".policy-level")).to_have_count(1)
    editor.get_by_label(re.compile("也用于运行中的计时")).check()
    editor.get_by_role("button", name="保存").click()
    expect(editor.locator("#policy-impact")).to_contain_text("个运行中的计时会改变")
    _check(page, "/admin policy editor")


def test_admin_case_panel_and_modify_dialog(live, page):  # type: ignore[no-untyped-def]
    """The case panel of a suspended case (badge, reason, variables) and the 修改流程位置
    dialog of a running one."""
    suspended = live.start_complaint("TB-A11Y-SUSPENDED")
    live.ok("POST", f"/instances/{suspended['id']}/suspend", json={"reason": "等待客户补充材料"})
    running = live.start_complaint("TB-A11Y-MOVE")
    sign_in(page, ADMIN, PASSWORD)
    page.goto("/admin")
    cases = page.locator("#instance-list")
    cases.get_by_role("button", name=f"操作案件 {suspended['case_no']}").click()
    panel = page.locator("#case-panel")
    expect(panel.locator('[data-state="suspended"]')).to_contain_text("等待客户补充材料")
    _check(page, "/admin case panel of a suspended case")
    cases.get_by_role("button", name=f"操作案件 {running['case_no']}").click()
    expect(panel).to_have_attribute("data-instance", str(running["id"]))
    panel.get_by_role("button", name="修改流程位置").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("启动位置")).to_be_focused()
    _check(page, "/admin 修改流程位置 dialog")


def test_reports_page(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, ADMIN, PASSWORD)
    page.goto("/reports")
    expect(page.locator('#reports[aria-busy="false"][data-loaded="1"]')).to_have_count(1)
    expect(page.locator("#chart-sla canvas")).to_be_attached()
    _check(page, "/reports")
