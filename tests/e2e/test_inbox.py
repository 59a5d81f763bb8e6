"""Sign-in and the staff inbox in a real browser (chromium, headless)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .conftest import AGENT, AGENT_PASSWORD, shoot, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


def test_staff_claims_and_completes_the_first_complaint_task(live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-E2E-0001")
    task_id = case["task_id"]

    sign_in(page)
    expect(page).to_have_title(re.compile("我的工作台"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("navigation").get_by_role("link", name="我组待领取").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我组待领取")
    row = page.locator(f'tr[data-task-id="{task_id}"]')
    expect(row).to_contain_text("登记投诉")
    expect(row).to_contain_text("TB-E2E-0001")
    expect(row).to_contain_text("无时效")  # complaint-handling ships no SLA policy
    expect(row).to_contain_text("投诉处理")  # the process's name, not its key
    expect(row).not_to_contain_text("complaint_handling")

    row.get_by_role("button", name="领取").click()
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="登记投诉")).to_be_focused()
    expect(page.get_by_role("status")).to_have_text("已领取「登记投诉」。")
    assert live.task(task_id)["assignee"] == AGENT
    expect(detail).to_contain_text(case["case_no"])
    meta = detail.locator("dl.meta")  # the process and the lane by the names people read
    expect(meta.locator("dd", has_text="投诉处理")).to_be_visible()
    expect(meta.locator("dd", has_text="前台客服")).to_be_visible()
    expect(meta).not_to_contain_text("complaint_handling")
    expect(meta).not_to_contain_text("Agent")

    # everything required but the contact
    detail.get_by_label("客户姓名").fill("李伟")
    detail.get_by_label("投诉渠道").select_option(label="在线客服/旺旺")
    detail.get_by_label("投诉大类").select_option(label="产品投诉(涉及服务产品)")
    # the subclasses offered follow the class (the schema's allOf/if/then)
    subclass = detail.get_by_label("投诉小类")
    expect(subclass.locator("option")).to_have_text(
        ["— 请选择 —", "产品功能", "产品安全", "产品质量", "产品交易", "产品交付", "产品文化"])
    subclass.select_option(label="产品质量")
    detail.get_by_label("严重程度").select_option(label="严重")
    detail.get_by_label("投诉事项").fill("电水壶使用两天后底座漏水。")
    detail.get_by_role("button", name="提交并完成").click()

    contact_error = detail.locator('[data-field="contact"] .field-error')
    expect(contact_error).to_have_text("必须填写：联系方式")  # the server's words, in Chinese
    contact = detail.get_by_label("联系方式")
    expect(contact).to_have_attribute("aria-invalid", "true")
    expect(contact).to_be_focused()
    expect(detail.locator("#form-errors")).to_contain_text("联系方式")
    assert live.task(task_id)["state"] == "claimed"

    contact.fill("li.wei@example.com")
    detail.get_by_role("button", name="提交并完成").click()
    expect(page.get_by_role("status")).to_have_text("已完成「登记投诉」。")
    expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_have_count(0)
    expect(detail).to_contain_text("从列表中选择一个任务")

    done = live.task(task_id)
    assert done["state"] == "completed" and done["completed_by"] == AGENT
    assert done["data"]["contact"] == "li.wei@example.com"
    assert done["data"]["complaint_subclass"] == "quality"
    # the case went on: its next task waits for the front office
    page.get_by_role("link", name="我的任务").click()
    expect(page.get_by_role("status")).to_contain_text("个任务")  # "my tasks" has loaded
    expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_have_count(0)


def test_unclaim_gives_the_task_back(live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-E2E-0002")
    task_id = case["task_id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    sign_in(page)
    row = page.locator(f'tr[data-task-id="{task_id}"]')  # "my tasks" is the default view
    expect(row).to_contain_text("我")
    row.get_by_role("button", name="退回").click()
    expect(page.locator(f'tr[data-task-id="{task_id}"]')).to_have_count(0)
    assert live.task(task_id)["assignee"] is None
    # the history of the case shows the hand-back
    page.get_by_role("link", name="我组待领取").click()
    page.locator(f'tr[data-task-id="{task_id}"]').get_by_role("button", name="登记投诉", exact=True).click()
    expect(page.locator(".history-list")).to_contain_text("任务退回")


def _counted(n: int) -> re.Pattern:
    """The list's count ("共 N 个任务") for exactly ``n`` tasks."""
    return re.compile(rf"(^|\D){n}(\D|$)")


def _unassigned_list(response) -> bool:  # type: ignore[no-untyped-def]
    return "/api/v1/tasks?" in response.url and "unassigned=true" in response.url


# Counts the page's requests for the task list as they are made (fetch is called synchronously
# in the timer's callback), so "no poll yet" is a fact when run_for returns, not a guess.
COUNT_LIST_FETCHES = """
window.__listFetches = 0;
const pageFetch = window.fetch;
window.fetch = function (input, init) {
  if (String(input).startsWith("/api/v1/tasks?")) window.__listFetches += 1;
  return pageFetch.call(this, input, init);
};
"""


def test_the_list_refreshes_by_itself_every_10_seconds(live, page):  # type: ignore[no-untyped-def]
    # The page's timers run on a clock that stands still unless the test moves it: however
    # slowly a busy machine gets here, real time never brings the 10 s poll forward.
    page.add_init_script(COUNT_LIST_FETCHES)
    start = datetime.now(timezone.utc)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(minutes=1))
    sign_in(page)
    with page.expect_response(_unassigned_list) as listed:
        page.get_by_role("link", name="我组待领取").click()
    page.wait_for_url("**view=unassigned**")  # the new page, not the one being left
    total = listed.value.json()["total"]
    count = page.locator("#list-count")
    expect(count).to_have_text(_counted(total))  # the view's list is drawn
    case = live.start_complaint("TB-E2E-0003")  # after the page's list was answered
    row = page.locator(f'tr[data-task-id="{case["task_id"]}"]')
    fetched = page.evaluate("window.__listFetches")
    page.clock.run_for(8_000)
    assert page.evaluate("window.__listFetches") == fetched  # no poll in the first 8 s
    expect(row).to_have_count(0)
    with page.expect_response(_unassigned_list):
        page.clock.run_for(2_500)  # no click: the 10 s poll brings the new task in
    assert page.evaluate("window.__listFetches") == fetched + 1  # one poll, at 10 s
    expect(row).to_be_visible()
    expect(count).to_have_text(_counted(total + 1))
    page.clock.run_for(100)  # the announcement is made 50 ms after the list is drawn
    expect(page.get_by_role("status")).to_have_text(_counted(total + 1))  # the new count


def test_sign_in_with_the_keyboard_alone(live, page):  # type: ignore[no-untyped-def]
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    # the cursor starts in the username field; before it come the skip link and the switch
    username = page.get_by_label("用户名")
    expect(username).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="English")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(username).to_be_focused()
    outline = username.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid", "focus must be visible"
    page.keyboard.type(AGENT)
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(AGENT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox**")
    for landmark in ("banner", "navigation", "main"):
        expect(page.get_by_role(landmark)).to_have_count(1)

    # the views are reachable and usable with Tab and Enter too
    view = page.get_by_role("link", name="我组待领取")
    for _ in range(12):
        page.keyboard.press("Tab")
        if view.evaluate("el => el === document.activeElement"):
            break
    expect(view).to_be_focused()
    page.keyboard.press("Enter")
    expect(view).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("我组待领取")


def test_wrong_password_is_refused_and_sign_out_works(live, page):  # type: ignore[no-untyped-def]
    page.goto("/inbox")
    page.wait_for_url(re.compile(r"/login\?next=(/|%2F)inbox$"))
    page.get_by_label("用户名").fill(AGENT)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    expect(page.get_by_label("用户名")).to_have_value(AGENT)
    expect(page.get_by_label("密码")).to_be_focused()

    page.get_by_label("密码").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/inbox")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login?signed_out=1")
    expect(page.get_by_role("status")).to_have_text("您已退出登录。")
    page.goto("/inbox")
    page.wait_for_url("**/login**")


def test_language_switch_shows_english(live, page):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Flowdesk")
    page.get_by_label("Username").fill(AGENT)
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox**")
    # the choice is remembered (cookie) across pages
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Task views")
    expect(nav.get_by_role("link", name="My groups' unassigned")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    nav.get_by_role("link", name="My groups' unassigned").click()
    expect(page.get_by_role("columnheader", name="Priority")).to_be_visible()

    # and back to Chinese, keeping the view
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("我组待领取")


def test_process_filter_and_number_fields(live, page):  # type: ignore[no-untyped-def]
    complaint = live.start_complaint("TB-E2E-0004")
    steps = live.ok("POST", "/instances", json={"process_key": "three_steps"})
    steps_task = steps["open_tasks"][0]["id"]
    sign_in(page)
    page.get_by_role("link", name="我组待领取").click()
    complaint_row = page.locator(f'tr[data-task-id="{complaint["task_id"]}"]')
    steps_row = page.locator(f'tr[data-task-id="{steps_task}"]')
    expect(complaint_row).to_be_visible()
    expect(steps_row).to_be_visible()

    page.get_by_label("流程").select_option("three_steps")
    expect(complaint_row).to_have_count(0)
    expect(steps_row).to_be_visible()
    page.reload()  # the view and the filter are in the address
    expect(page.get_by_label("流程")).to_have_value("three_steps")
    expect(page.get_by_role("link", name="我组待领取")).to_have_attribute("aria-current", "page")
    expect(steps_row).to_be_visible()
    expect(complaint_row).to_have_count(0)

    steps_row.get_by_role("button", name="领取").click()
    detail = page.locator("#detail")
    count = detail.get_by_label("Count")
    expect(count).to_have_attribute("type", "number")
    detail.get_by_label("Note").fill("checked")
    count.fill("2.5")  # caught in the page: an integer field
    detail.get_by_role("button", name="提交并完成").click()
    expect(detail.locator('[data-field="count"] .field-error')).to_have_text("请输入整数。")
    count.fill("-1")  # caught by the API's schema check (minimum 0): its 422 names the field
    detail.get_by_role("button", name="提交并完成").click()
    expect(detail.locator('[data-field="count"] .field-error')).to_have_text("Count不能小于 0")
    expect(count).to_have_attribute("aria-invalid", "true")
    count.fill("3")
    detail.get_by_role("button", name="提交并完成").click()
    # the row left this view when it was claimed: the announcement shows the completion
    expect(page.get_by_role("status")).to_have_text("已完成「Step one」。")
    expect(steps_row).to_have_count(0)
    done = live.task(steps_task)
    assert done["state"] == "completed" and done["data"]["count"] == 3


def test_the_task_shows_its_process_diagram_with_the_current_step(live, page):  # type: ignore[no-untyped-def]
    case = live.start_complaint("TB-E2E-0005")
    sign_in(page)
    page.get_by_role("link", name="我组待领取").click()
    page.locator(f'tr[data-task-id="{case["task_id"]}"]').get_by_role(
        "button", name="登记投诉", exact=True).click()
    detail = page.locator("#detail")
    summary = detail.locator("details.diagram > summary")
    expect(summary).to_have_text("流程图")
    assert page.evaluate("typeof window.BpmnJS") == "undefined"  # loaded when first opened

    summary.focus()  # opened with the keyboard
    page.keyboard.press("Enter")
    expect(detail.locator("details.diagram")).to_have_attribute("open", "")
    current = detail.locator('.djs-element[data-element-id="register_complaint"]')
    expect(current).to_have_class(re.compile(r"\bfd-current\b"))
    expect(current).to_have_class(re.compile(r"\bfd-active\b"))
    expect(detail.locator('.djs-element[data-element-id="complaint_received"]')).to_have_class(
        re.compile(r"\bfd-done\b"))
    expect(detail.locator('.djs-element[data-element-id="check_acceptance"]')).not_to_have_class(
        re.compile(r"\bfd-(done|active)\b"))
    outline = current.locator(".djs-visual > rect").first.evaluate(
        "el => getComputedStyle(el).strokeWidth")
    assert outline == "4px"
    expect(detail.locator("#diagram-summary")).to_contain_text("当前步骤: 登记投诉")
    expect(detail.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io licence
    assert page.evaluate("typeof window.BpmnJS") == "function"
    detail.locator("details.diagram").scroll_into_view_if_needed()
    shoot(page, "inbox-diagram-desktop")

    # the page keeps a strict script policy; only styles may be inline (bpmn-js)
    response = page.request.get("/inbox")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self' 'unsafe-inline'" in policy

    # claiming re-renders the task: the diagram stays open
    detail.get_by_role("button", name="领取").click()
    expect(page.get_by_role("status")).to_have_text("已领取「登记投诉」。")
    expect(detail.locator('.djs-element[data-element-id="register_complaint"]')).to_have_class(
        re.compile(r"\bfd-current\b"))


def test_server_form_errors_appear_in_chinese_beside_their_fields(live, page):  # type: ignore[no-untyped-def]
    """The API is the only validator of ranges and confirmations: its 422 speaks the page's
    language (Accept-Language from <html lang>) and names each field by its title."""
    from services.definitions import deploy_path
    from tests.conftest import RESOURCES
    deploy_path(live.fd, RESOURCES / "refund_form", "e2e")
    started = live.ok("POST", "/instances", json={"process_key": "refund_form"})
    task_id = started["open_tasks"][0]["id"]
    sign_in(page)
    page.get_by_role("link", name="我组待领取").click()
    row = page.locator(f'tr[data-task-id="{task_id}"]')
    row.get_by_role("button", name="领取").click()
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="登记退款")).to_be_focused()
    detail.get_by_label("金额").fill("0")
    detail.get_by_label("联系电话").fill("13800000000")
    detail.get_by_role("button", name="提交并完成").click()
    expect(detail.locator('[data-field="amount"] .field-error')).to_have_text("金额必须大于 0")
    expect(detail.locator('[data-field="consent"] .field-error')).to_have_text("请确认客户已同意")
    expect(detail.get_by_label("金额")).to_have_attribute("aria-invalid", "true")
    expect(detail.locator("#form-errors")).not_to_contain_text("expected")
    assert live.task(task_id)["state"] == "claimed"
