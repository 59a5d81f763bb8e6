"""Operating one case from the admin console's case panel in a real browser (issue 17): suspend
with a reason (the badge and the reason shown, the agent's inbox refusing to complete its
task), resume (the task completes), a complaint moved back to an earlier task with the
修改流程位置 dialog (a refusal shown in the dialog first), and a variable corrected with the
form's refusal shown at its field."""
from __future__ import annotations

import pytest

from tests.complaint_paths import PATHS

from .case_dialogs import suspend_with_reason
from .conftest import AGENT, sign_in, sized_page
from .test_admin import admin_ready, admin_sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    return admin_ready(live)


def _open_panel(page, case: dict):  # type: ignore[no-untyped-def]
    """The case's row in the cases view → its panel."""
    row = page.locator(f'#instance-list tr[data-instance="{case["id"]}"]')
    row.get_by_role("button", name=f"操作案件 {case['case_no']}").click()
    panel = page.get_by_role("region", name=f"案件 {case['case_no']} · 投诉处理")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", level=3)).to_be_focused()
    return row, panel


def _register(detail) -> None:  # type: ignore[no-untyped-def]
    """Fill the 登记投诉 form in the inbox's task detail and submit it."""
    detail.get_by_label("客户姓名").fill("李伟")
    detail.get_by_label("联系方式").fill("13800001111")
    detail.get_by_label("投诉渠道").select_option(label="在线客服/旺旺")
    detail.get_by_label("投诉大类").select_option(label="产品投诉(涉及服务产品)")
    detail.get_by_label("投诉小类").select_option(label="产品质量")
    detail.get_by_label("严重程度").select_option(label="严重")
    detail.get_by_label("投诉事项").fill("电水壶使用两天后底座漏水。")
    detail.get_by_role("button", name="提交并完成").click()


def test_suspend_blocks_the_inbox_until_resumed(browser, live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-E2E-SUSPEND")
    task_id = case["task_id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    admin_sign_in(page)
    row, panel = _open_panel(page, case)
    expect(panel.locator(".case-status")).to_have_text("进行中")
    expect(panel).to_contain_text("登记投诉")  # the open task

    suspend_with_reason(page, panel, case["case_no"], "客户要求暂缓处理")
    expect(panel.locator(".case-status")).to_have_text("已挂起")
    note = panel.locator('[data-state="suspended"]')
    expect(note).to_contain_text("客户要求暂缓处理")
    expect(note).to_contain_text("admin")
    expect(row.locator(".case-status")).to_have_text("已挂起")
    assert live.ok("GET", f"/instances/{case['id']}")["status"] == "suspended"

    with sized_page(browser, live) as inbox:
        sign_in(inbox)
        inbox.goto(f"/inbox?view=mine&task={task_id}")
        detail = inbox.locator("#detail")
        expect(detail.get_by_role("heading", name="登记投诉")).to_be_visible()
        _register(detail)
        expect(inbox.get_by_role("alert").filter(has_text="操作失败")).to_contain_text("已挂起")
        assert live.task(task_id)["state"] != "completed"

        panel.get_by_role("button", name="恢复").click()
        dialog = page.get_by_role("dialog", name=f"恢复案件 {case['case_no']}")
        dialog.get_by_label("原因 (必填)").fill("客户已确认")
        dialog.get_by_role("button", name="恢复").click()
        expect(page.get_by_role("status")).to_have_text(f"已恢复案件 {case['case_no']}。")
        expect(panel.locator(".case-status")).to_have_text("进行中")
        expect(panel.locator('[data-state="suspended"]')).to_have_count(0)
        expect(row.locator(".case-status")).to_have_text("进行中")

        detail.get_by_role("button", name="提交并完成").click()
        expect(inbox.get_by_role("status")).to_have_text("已完成「登记投诉」。")
    assert live.task(task_id)["state"] == "completed"
    trail = [a for a in live.ok("GET", f"/instances/{case['id']}")["audit"]
             if a["action"] in ("instance.suspended", "instance.resumed")]
    assert [(a["action"], a["after"]["reason"]) for a in trail] == [
        ("instance.suspended", "客户要求暂缓处理"), ("instance.resumed", "客户已确认")]


def _complaint_at_handling(live) -> dict:  # type: ignore[no-untyped-def]
    """A complaint (path B) registered and accepted: it waits at handle_complaint."""
    case = live.start_complaint("TB-E2E-MOVE")
    for bpmn_id, _lane, data in PATHS["B"]["steps"][:2]:
        [task] = live.ok("GET", f"/instances/{case['id']}")["open_tasks"]
        assert task["bpmn_id"] == bpmn_id
        live.ok("POST", f"/tasks/{task['id']}/claim")
        live.ok("POST", f"/tasks/{task['id']}/complete", json={"data": data})
    return case


def test_move_a_complaint_back_and_correct_a_variable(live, page):  # type: ignore[no-untyped-def]
    case = _complaint_at_handling(live)
    admin_sign_in(page)
    _row, panel = _open_panel(page, case)
    expect(panel).to_contain_text("调查核实并协商处理方案")

    panel.get_by_role("button", name="修改流程位置").click()
    dialog = page.get_by_role("dialog", name=f"修改案件 {case['case_no']} 的流程位置")
    target = dialog.get_by_label("启动位置")
    expect(target).to_be_focused()
    dialog.get_by_role("button", name="确认修改").click()  # nothing chosen: said at the field
    expect(dialog.locator("#dialog-target-error")).to_have_text("请选择要取消的元素或启动位置。")

    # a start after a gateway with several outgoing flows: the 409's words in the dialog
    dialog.get_by_label("调查核实并协商处理方案 (handle_complaint)").check()
    target.select_option("gw_remedy")
    dialog.get_by_label("在该元素之后启动 (跳过它)").check()
    dialog.get_by_label("原因 (必填)").fill("受理信息有误, 退回重新核实")
    dialog.get_by_role("button", name="确认修改").click()
    expect(dialog.get_by_role("alert")).to_contain_text("gw_remedy")
    expect(dialog).to_be_visible()
    assert [t["bpmn_id"] for t in live.ok("GET", f"/instances/{case['id']}")["open_tasks"]] == [
        "handle_complaint"]

    target.select_option("check_acceptance")
    dialog.get_by_label("在该元素之前启动 (执行它)").check()
    dialog.get_by_label("要设置的变量 (JSON, 可选)").fill('{"severity": "moderate"}')
    dialog.get_by_role("button", name="确认修改").click()
    expect(page.get_by_role("status")).to_have_text(
        f"已修改案件 {case['case_no']} 的流程位置, 当前任务: 核实受理条件。")
    expect(dialog).to_have_count(0)
    expect(panel.locator(".open-tasks")).to_contain_text("核实受理条件")
    after = live.ok("GET", f"/instances/{case['id']}")
    assert [t["bpmn_id"] for t in after["open_tasks"]] == ["check_acceptance"]
    assert after["variables"]["severity"] == "moderate"
    [moved] = [a for a in after["audit"] if a["action"] == "instance.modified"]
    assert moved["after"]["reason"] == "受理信息有误, 退回重新核实"

    # the variables panel: a value the form refuses is named at its field, then corrected
    form = panel.locator("#variables-form")
    severity = form.get_by_label("severity", exact=True)
    expect(severity).to_have_value("moderate")
    severity.fill("huge")
    form.get_by_label("原因 (必填)").fill("录入错误")
    form.get_by_role("button", name="保存变量").click()
    expect(severity).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".has-error .field-error")).not_to_have_text("")
    assert live.ok("GET", f"/instances/{case['id']}")["variables"]["severity"] == "moderate"
    severity.fill("minor")
    form.get_by_role("button", name="保存变量").click()
    expect(page.get_by_role("status")).to_have_text(f"已保存案件 {case['case_no']} 的 1 个变量。")
    expect(panel.locator("#variables-form").get_by_label("severity", exact=True)).to_have_value(
        "minor")
    assert live.ok("GET", f"/instances/{case['id']}")["variables"]["severity"] == "minor"
