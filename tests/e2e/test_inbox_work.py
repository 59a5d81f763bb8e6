"""The inbox beyond claim and complete, in a real browser: the view to land on and each view's
count, marking a task waiting on the customer (SLA badge 已暂停, the reason shown) and resuming
it, escalating it to the supervisors, handing it to a colleague, and the toasts that confirm
each step (announced through the page's status region too)."""
from __future__ import annotations

import re

from .conftest import ADMIN, AGENT, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

POLICY = {"process_key": "complaint_handling", "target": "task", "target_ref": "register_complaint",
          "clock": "resolution", "duration": "PT4H", "pause_when": ["waiting_customer"]}


def counts(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {view: page.locator(f'[data-count-for="{view}"]').inner_text()
            for view in ("mine", "unassigned", "overdue", "due_today")}


def test_an_agent_with_no_own_work_lands_on_the_group_queue(live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-LAND-0001")
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("我组待领取")
    expect(page.get_by_role("link", name="我组待领取")).to_have_attribute("aria-current", "page")
    expect(page).to_have_url(re.compile(r"view=unassigned"))
    expect(page.locator(f'tr[data-task-id="{case["task_id"]}"]')).to_be_visible()
    assert counts(page) == {"mine": "0", "unassigned": "1", "overdue": "0", "due_today": "0"}

    # claiming moves the count to 我的任务, and the next sign-in lands there
    page.locator(f'tr[data-task-id="{case["task_id"]}"]').get_by_role("button", name="领取").click()
    expect(page.locator(".toast")).to_contain_text("已领取「登记投诉」。")
    expect(page.locator('[data-count-for="mine"]')).to_have_text("1")
    expect(page.locator('[data-count-for="unassigned"]')).to_have_text("0")
    page.goto("/inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的任务")


def test_wait_on_the_customer_resume_and_complete(live, page):  # type: ignore[no-untyped-def]
    live.ok("PUT", "/admin/sla-policies/e2e_register_4h", json=POLICY)  # pauses while waiting
    case = live.start_complaint("TB-WAIT-0001")
    task_id = case["task_id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    sign_in(page)
    page.goto(f"/inbox?view=mine&task={task_id}")
    row = page.locator(f'tr[data-task-id="{task_id}"]')
    detail = page.locator("#detail")
    expect(row.locator(".sla")).to_have_text(re.compile("正常"))
    expect(detail.get_by_role("heading", name="登记投诉")).to_be_visible()

    detail.locator("details.tool-waiting > summary").click()
    form = detail.locator("form.waiting-form")
    form.get_by_label("等待什么").select_option(label="等待客户回复")
    form.get_by_label("原因", exact=True).fill("客户在找订单号")
    form.get_by_role("button", name="标记等待").click()
    expect(page.get_by_role("status")).to_have_text("「登记投诉」已标记为等待客户回复。")
    expect(page.locator(".toast").last).to_contain_text("已标记为等待客户回复")
    expect(row.locator(".sla")).to_have_text(re.compile("已暂停"))
    expect(row).to_contain_text("等待客户回复")
    note = detail.locator('[data-state="waiting"]')
    expect(note).to_contain_text("等待客户回复")
    expect(note).to_contain_text("客户在找订单号")
    expect(detail.locator(".sla")).to_have_text(re.compile("已暂停"))
    task = live.task(task_id)
    assert (task["sla_state"], task["waiting_reason"], task["waiting_note"]) == (
        "paused", "waiting_customer", "客户在找订单号")

    note.get_by_role("button", name="恢复处理").click()
    expect(page.get_by_role("status")).to_have_text("「登记投诉」已恢复处理。")
    expect(row.locator(".sla")).to_have_text(re.compile("正常"))
    expect(detail.locator('[data-state="waiting"]')).to_have_count(0)
    assert live.task(task_id)["waiting_reason"] is None

    detail.get_by_label("客户姓名").fill("李伟")
    detail.get_by_label("联系方式").fill("13800001111")
    detail.get_by_label("投诉渠道").select_option(label="在线客服/旺旺")
    detail.get_by_label("投诉大类").select_option(label="产品投诉(涉及服务产品)")
    detail.get_by_label("投诉小类").select_option(label="产品质量")
    detail.get_by_label("严重程度").select_option(label="严重")
    detail.get_by_label("投诉事项").fill("电水壶使用两天后底座漏水。")
    detail.get_by_role("button", name="提交并完成").click()
    expect(page.get_by_role("status")).to_have_text("已完成「登记投诉」。")
    toast = page.locator(".toast", has_text="已完成「登记投诉」。")
    expect(toast).to_be_visible()
    expect(toast).to_have_count(0, timeout=15000)  # it goes away by itself after a few seconds
    assert live.task(task_id)["state"] == "completed"


def test_escalate_and_hand_to_a_colleague(live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-ESC-0001")
    task_id = case["task_id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    sign_in(page)
    page.goto(f"/inbox?view=mine&task={task_id}")
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="登记投诉")).to_be_visible()

    detail.locator("details.tool-escalate > summary").click()
    escalate = detail.locator("form.escalate-form")
    escalate.get_by_label("升级原因").fill("客户要求主管回电")
    escalate.get_by_role("button", name="升级").click()
    expect(page.get_by_role("status")).to_have_text("已将「登记投诉」升级给主管。")
    flagged = detail.locator('[data-state="escalated"]')
    expect(flagged).to_contain_text("已升级")
    expect(flagged).to_contain_text("客户要求主管回电")
    expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_contain_text("已升级")

    detail.locator("details.tool-reassign > summary").click()
    hand = detail.locator("form.reassign-form")
    hand.get_by_label("转交给").select_option(ADMIN)
    hand.get_by_role("button", name="转交").click()
    expect(page.get_by_role("status")).to_have_text(f"已将「登记投诉」转交给 {ADMIN}。")
    expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_have_count(0)  # no longer mine
    assert live.task(task_id)["assignee"] == ADMIN


def test_an_error_toast_stays_until_closed(live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-ERR-0001")
    task_id = case["task_id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    sign_in(page)
    page.goto(f"/inbox?view=mine&task={task_id}")
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="登记投诉")).to_be_visible()
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": ADMIN})  # meanwhile, elsewhere
    detail.locator("details.tool-escalate > summary").click()
    escalate = detail.locator("form.escalate-form")
    escalate.get_by_label("升级原因").fill("太久没回复")
    escalate.get_by_role("button", name="升级").click()
    error = page.locator(".toast-error")
    expect(error).to_contain_text("操作失败")
    expect(error).to_contain_text(f"只有任务 {task_id} 的处理人")  # the server's words, in Chinese
    expect(error).to_be_visible()
    error.get_by_role("button", name="关闭").click()
    expect(error).to_have_count(0)
