"""Bulk actions and delegation in the inbox, in a real browser: a supervisor chooses tasks in
the group queue and assigns them all to an agent at once, picked by name from the people of the
tasks' groups (the bar says how many were done); the agent delegates a task to a colleague, who
finds it marked 委托自 and hands it back with 完成委托; 我委托的 lists what is still out, with
whom and since when."""
from __future__ import annotations

from .conftest import ADMIN, AGENT, AGENT_PASSWORD, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

LEAD, LEAD_PASSWORD = "lead", "lead-pass-2026"


def test_a_supervisor_assigns_chosen_tasks_at_once(live, page):  # type: ignore[no-untyped-def]
    from services.identity import ensure_user, set_password
    ensure_user(live.fd, LEAD, ["supervisor", "staff"], ["Agent"])
    set_password(live.fd, LEAD, LEAD_PASSWORD)
    ids = [live.start_complaint(f"TB-BULK-{n:04d}")["task_id"] for n in range(3)]
    sign_in(page, LEAD, LEAD_PASSWORD)
    page.goto("/inbox?view=unassigned")
    bar = page.get_by_role("region", name="批量操作")
    for task_id in ids[:2]:
        page.locator(f'tr[data-task-id="{task_id}"] input.bulk-pick').check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("已选 2 项")
    # a supervisor's, by the names people read
    expect(bar.get_by_label("转到组…")).to_contain_text("前台客服 (Agent)")
    picker = bar.get_by_label("指派给…")  # the people of the chosen tasks' group, by name
    expect(picker.locator(f'option[value="{AGENT}"]')).to_have_text(f"Agent Li ({AGENT})")
    expect(picker.locator('option[value="outsider"]')).to_have_count(0)
    assign = bar.get_by_role("button", name="指派", exact=True)
    expect(assign).to_be_disabled()  # nobody chosen: nothing to send
    picker.select_option(AGENT)
    assign.click()
    expect(page.locator(".bulk-results")).to_contain_text("批量操作完成：2 项成功，0 项失败。")
    expect(page.locator(f'tr[data-task-id="{ids[0]}"]')).to_have_count(0)  # left the queue
    expect(bar).to_be_hidden()  # the done ones are no longer chosen
    assert [live.task(i)["assignee"] for i in ids] == [AGENT, AGENT, None]

    # the page's box chooses what is listed; a refusal is listed with its reason
    page.locator("input.bulk-pick-all").check()
    expect(bar).to_contain_text("已选 1 项")
    live.ok("POST", f"/tasks/{ids[2]}/assign", json={"user": ADMIN})  # meanwhile
    bar.get_by_role("button", name="认领", exact=True).click()
    results = page.locator(".bulk-results")
    expect(results).to_contain_text("批量操作完成：0 项成功，1 项失败。")
    expect(results).to_contain_text(f"任务 #{ids[2]}：")
    expect(results).to_contain_text(f"已被「{ADMIN}」认领")


def test_delegate_and_resolve(live, page):  # type: ignore[no-untyped-def]
    from services.identity import ensure_user, set_password
    ensure_user(live.fd, LEAD, ["supervisor", "staff"], ["Agent"])
    set_password(live.fd, LEAD, LEAD_PASSWORD)
    task_id = live.start_complaint("TB-DELEG-0001")["task_id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    sign_in(page, AGENT, AGENT_PASSWORD)
    page.goto(f"/inbox?view=mine&task={task_id}")
    detail = page.locator("#detail")
    detail.locator("details.tool-delegate > summary").click()
    form = detail.locator("form.delegate-form")
    form.get_by_label("委托给").select_option(LEAD)
    form.get_by_label("说明").fill("请帮忙核对订单")
    form.get_by_role("button", name="委托").click()
    expect(page.get_by_role("status")).to_have_text(f"已将「登记投诉」委托给 {LEAD}。")
    task = live.task(task_id)
    assert (task["owner"], task["assignee"], task["delegation_state"]) == (AGENT, LEAD, "pending")

    page.context.clear_cookies()
    sign_in(page, LEAD, LEAD_PASSWORD)
    page.goto(f"/inbox?view=mine&task={task_id}")
    note = detail.locator('[data-state="delegated"]')
    expect(note).to_contain_text(f"委托自 {AGENT}")
    expect(note).to_contain_text(f"处理后请点「完成委托」交还给 {AGENT}")
    detail.get_by_label("客户姓名").fill("李伟")  # a draft: the rest is left to the owner
    detail.get_by_role("button", name="完成委托").click()
    expect(page.get_by_role("status")).to_have_text(f"已完成委托，「登记投诉」已交还给 {AGENT}。")
    task = live.task(task_id)
    assert (task["assignee"], task["delegation_state"], task["state"]) == (
        AGENT, "resolved", "claimed")
    assert task["data"]["customer_name"] == "李伟"


def test_the_delegated_by_me_view(live, page):  # type: ignore[no-untyped-def]
    """The owner finds what they delegated under 我委托的 (counted, with whom and since when);
    in the delegate's list the task is marked to be resolved, not completed."""
    from services.identity import create_token, ensure_user, set_password
    ensure_user(live.fd, LEAD, ["staff"], ["Agent"])
    set_password(live.fd, LEAD, LEAD_PASSWORD)
    mine, theirs = (live.start_complaint(f"TB-DELEG-{n:04d}")["task_id"] for n in (2, 3))
    live.ok("POST", f"/tasks/{mine}/assign", json={"user": AGENT})
    live.ok("POST", f"/tasks/{theirs}/assign", json={"user": LEAD})
    live.ok("POST", f"/tasks/{mine}/delegate", token=create_token(live.fd, AGENT),
            json={"to": LEAD})
    live.ok("POST", f"/tasks/{theirs}/delegate", token=create_token(live.fd, LEAD),
            json={"to": AGENT})

    sign_in(page, AGENT, AGENT_PASSWORD)
    page.goto("/inbox?view=mine")
    row = page.locator(f'tr[data-task-id="{theirs}"]')  # delegated to me: resolve it
    expect(row.locator(".flag-delegated")).to_have_text(f"委托自 {LEAD} · 待完成委托")
    tab = page.locator('a[data-view="delegated"]')
    expect(tab.locator("[data-count-for]")).to_have_text("1")
    tab.click()
    expect(page.locator("#list-heading")).to_have_text("我委托的")
    rows = page.locator("#task-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task-id", str(mine))
    expect(rows.first.locator(".flag-delegated")).to_contain_text(f"已委托给 {LEAD} · ")
    expect(rows.first.locator(".col-assignee")).to_have_text(LEAD)
    rows.first.locator(".task-name").click()
    expect(page.locator('#detail [data-state="delegated"]')).to_contain_text(
        "对方完成委托后，任务回到你这里由你完成")
