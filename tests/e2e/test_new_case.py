"""新建案件 in a real browser (issue 15): an agent registers a phone complaint for a new
customer, sees the case number at once and lands on the first task in the inbox; the server's
form errors appear beside their fields in Chinese; axe-core finds nothing serious."""
from __future__ import annotations

import re

from .conftest import new_context, sign_in
from .test_accessibility import _check

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


def test_agent_registers_a_phone_complaint_for_a_new_customer(live, page):  # type: ignore[no-untyped-def]
    sign_in(page)
    page.get_by_role("banner").get_by_role("link", name="新建案件").click()
    page.wait_for_url("**/cases/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("新建案件")
    process = page.get_by_label("案件类型")
    # named, not keyed; three_steps has no start form and is not offered
    expect(process.locator("option", has_text="投诉处理")).to_have_count(1)
    process.select_option(label="投诉处理")
    form = page.locator("#start-form")
    expect(form.get_by_label("投诉渠道")).to_be_visible()

    # nothing filled: the server's 422, per field, in Chinese
    form.get_by_role("button", name="新建案件").click()
    expect(form.locator('[data-field="description"] .field-error')).to_have_text("必须填写：投诉事项")
    expect(form.get_by_label("投诉渠道")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#customer-id-error")).to_have_text("请选择客户：这个流程的案件必须关联一位客户")
    expect(page.locator("#form-errors")).to_contain_text("客户")

    # the customer: not found by phone, created in place, tier shown
    page.get_by_label("查找客户").fill("13912345678")
    page.get_by_role("button", name="查找", exact=True).click()
    expect(page.locator("#customer-results")).to_have_text("没有找到客户, 可以新建。")
    page.get_by_role("button", name="新建客户").click()
    expect(page.get_by_label("电话")).to_have_value("13912345678")
    page.get_by_label("姓名").fill("周敏")
    page.get_by_role("button", name="保存客户").click()
    expect(page.locator("#c-code-error")).to_have_text("必须填写此字段。")  # the API's 422
    page.get_by_label("客户编号").fill("TB-ZHOUMIN")
    page.get_by_label("客户等级").select_option(label="金卡")
    page.get_by_role("button", name="保存客户").click()
    chosen = page.locator("#customer-chosen")
    expect(chosen).to_contain_text("周敏")
    expect(chosen).to_contain_text("等级 金卡")

    form.get_by_label("投诉渠道").select_option(label="24小时客服热线")
    form.get_by_label("投诉事项").fill("电话投诉: 电水壶使用两天后底座漏水。")
    form.get_by_role("button", name="新建案件").click()

    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text(re.compile(r"TS\d{12}"))
    case_no = confirmation.locator(".case-no").text_content()
    expect(page.get_by_role("status")).to_contain_text(f"已新建案件 {case_no}。")

    # the first task is the agent's group's: it opens in the inbox
    page.wait_for_url(re.compile(r"/inbox\?task=\d+"))
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="登记投诉")).to_be_visible()
    expect(detail).to_contain_text(case_no)
    [instance] = live.ok("GET", f"/instances?case_no={case_no}")["items"]
    assert instance["customer_id"] is not None
    assert live.ok("GET", f"/customers/{instance['customer_id']}")["tier"] == "金卡"
    task_id = int(page.url.rsplit("=", 1)[1])
    assert live.task(task_id)["data"]["channel"] == "hotline"


def test_new_case_page_has_no_serious_accessibility_problem(browser, live):  # type: ignore[no-untyped-def]
    from services.identity import set_password
    from .conftest import AGENT
    set_password(live.fd, AGENT, "a11y-newcase-2026")
    ctx = new_context(browser, live, bypass_csp=True)
    try:
        page = ctx.new_page()
        sign_in(page, AGENT, "a11y-newcase-2026")
        page.goto("/cases/new")
        page.get_by_label("案件类型").select_option(label="投诉处理")
        page.get_by_role("button", name="新建客户").click()
        expect(page.get_by_label("客户编号")).to_be_visible()
        _check(page, "/cases/new")
    finally:
        ctx.close()
