"""Issue 15's staff journey in one go, in a real browser: an agent takes a complaint on the
phone through 新建案件 for a new customer (the server's form errors come back in Chinese), finds
the case again by the customer's phone, opens its page, marks the first task waiting on the
customer (SLA badge 已暂停) and resumes it, completes it with the confirmation shown, and the
case page's history says so in words."""
from __future__ import annotations

import re

from .conftest import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

PHONE = "13700001234"
POLICY = {"process_key": "complaint_handling", "target": "task", "target_ref": "register_complaint",
          "clock": "resolution", "duration": "PT4H", "pause_when": ["waiting_customer"]}


def test_a_phone_complaint_from_intake_to_the_first_step_done(live, page):  # type: ignore[no-untyped-def]
    live.ok("PUT", "/admin/sla-policies/journey_register_4h", json=POLICY)
    sign_in(page)

    # 新建案件: nothing filled is refused per field, in Chinese, by the server
    page.get_by_role("banner").get_by_role("link", name="新建案件").click()
    page.get_by_label("案件类型").select_option(label="投诉处理")
    form = page.locator("#start-form")
    form.get_by_role("button", name="新建案件").click()
    expect(form.locator('[data-field="description"] .field-error')).not_to_be_empty()
    expect(form.locator('[data-field="description"] .field-error')).to_contain_text(
        re.compile("[\u4e00-\u9fff]"))
    expect(form.get_by_label("投诉渠道")).to_have_attribute("aria-invalid", "true")

    # a new customer, created in place
    page.get_by_label("查找客户").fill(PHONE)
    page.get_by_role("button", name="查找", exact=True).click()
    page.get_by_role("button", name="新建客户").click()
    page.get_by_label("姓名").fill("赵敏")
    page.get_by_label("客户编号").fill("TB-ZHAOMIN")
    page.get_by_label("客户等级").select_option(label="VIP")
    page.get_by_role("button", name="保存客户").click()
    expect(page.locator("#customer-chosen")).to_contain_text("赵敏")
    form.get_by_label("投诉渠道").select_option(label="投诉热线")
    form.get_by_label("投诉事项").fill("来电投诉: 快递员态度恶劣, 包裹外箱破损。")
    form.get_by_role("button", name="新建案件").click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text(re.compile(r"TS\d{12}"))
    case_no = confirmation.locator(".case-no").text_content()
    page.wait_for_url(re.compile(r"/inbox\?task=\d+"))
    task_id = int(page.url.rsplit("=", 1)[1])

    # found again by the customer's phone; its page shows the case as entered
    page.get_by_role("banner").get_by_role("link", name="查找案件").click()
    page.get_by_label("案件号、订单号、客户姓名或电话").fill(PHONE)
    page.get_by_role("button", name="查找", exact=True).click()
    page.locator("#own-results").get_by_role("link", name=case_no).click()
    expect(page.locator("#case-heading")).to_contain_text(case_no)
    expect(page.locator("#summary")).to_contain_text("投诉热线")
    expect(page.locator("#customer")).to_contain_text(PHONE)
    page.locator("#tasks").get_by_role("link", name="登记投诉").click()

    # the first task: claimed, waiting on the customer, resumed
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="登记投诉")).to_be_visible()
    page.locator(f'tr[data-task-id="{task_id}"]').get_by_role("button", name="领取").click()
    expect(page.locator(".toast").last).to_contain_text("已领取")
    # the detail is drawn again as the agent's own task (with 退回) before its tools are used
    expect(detail.get_by_role("button", name="退回")).to_be_visible()
    detail.locator("details.tool-waiting > summary").click()
    waiting = detail.locator("form.waiting-form")
    waiting.get_by_label("等待什么").select_option(label="等待客户回复")
    waiting.get_by_label("原因", exact=True).fill("客户去找快递单号")
    waiting.get_by_role("button", name="标记等待").click()
    badge = detail.locator(".sla")  # claimed, it left the group queue: the detail stays open
    expect(badge).to_have_text(re.compile("已暂停"))
    assert live.task(task_id)["sla_state"] == "paused"
    detail.locator('[data-state="waiting"]').get_by_role("button", name="恢复处理").click()
    expect(badge).to_have_text(re.compile("正常"))

    # completed, with a visible confirmation
    detail.get_by_label("客户姓名").fill("赵敏")
    detail.get_by_label("联系方式").fill(PHONE)
    detail.get_by_label("投诉大类").select_option(label="产品投诉(涉及服务产品)")
    detail.get_by_label("投诉小类").select_option(label="产品质量")
    detail.get_by_label("严重程度").select_option(label="一般")
    detail.get_by_role("button", name="提交并完成").click()
    expect(page.locator(".toast", has_text="已完成「登记投诉」。")).to_be_visible()
    assert live.task(task_id)["state"] == "completed"

    page.goto(f"/cases/{live.task(task_id)['instance_id']}")
    history = page.locator("#history")
    expect(history).to_contain_text("任务完成")
    expect(history).to_contain_text("任务等待")
