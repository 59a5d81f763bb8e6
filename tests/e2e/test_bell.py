"""The bell in the header and 我的通知设置, in the browser: an assignment made by an admin goes
through the notification pipeline (what the ticker runs, ``services.notify.pipeline``) and shows
in the agent's bell; the list links to the case; marking read clears the count. The settings
page adds and removes a subscription and is clean under axe-core."""
from __future__ import annotations

import re

import pytest

from .conftest import AGENT, new_context, sign_in
from .test_accessibility import _check

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


def _agent(live):  # type: ignore[no-untyped-def]
    from services.authentication import principal_for_token
    from services.identity import create_token
    return principal_for_token(live.fd, create_token(live.fd, AGENT, "bell"))


@pytest.fixture
def quiet_start(live):  # type: ignore[no-untyped-def]
    """A case whose first task sits in the Agent queue, with the queue's notification already
    read, so the bell starts at 0."""
    from services.notify import inbox, pipeline
    case = live.start_complaint("TB-BELL-1")
    pipeline.run(live.fd)
    inbox.mark_read(live.fd, _agent(live))
    return case


def test_assignment_rings_the_bell(live, page, quiet_start):  # type: ignore[no-untyped-def]
    from services.notify import pipeline
    sign_in(page)
    bell = page.locator("#bell-button")
    expect(bell).to_have_attribute("aria-label", "通知，0 条未读")
    expect(page.locator("#bell-count")).to_be_hidden()

    live.ok("POST", f"/tasks/{quiet_start['task_id']}/assign", json={"user": AGENT})
    pipeline.run(live.fd)
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # what a 30 s poll would do
    expect(bell).to_have_attribute("aria-label", "通知，1 条未读")
    expect(page.locator("#bell-count")).to_have_text("1")

    bell.click()
    expect(bell).to_have_attribute("aria-expanded", "true")
    first = page.locator("#bell-list .bell-item").first
    expect(first).to_have_class(re.compile(r"\bunread\b"))
    link = first.locator("a.bell-open")
    expect(link).to_have_attribute("href", f"/cases/{quiet_start['id']}")
    expect(link).not_to_be_empty()

    page.get_by_role("button", name="全部标为已读").click()
    expect(bell).to_have_attribute("aria-label", "通知，0 条未读")
    expect(page.locator("#bell-list .bell-item.unread")).to_have_count(0)


def test_opening_one_marks_it_read(live, page, quiet_start):  # type: ignore[no-untyped-def]
    from services.notify import pipeline
    live.ok("POST", f"/tasks/{quiet_start['task_id']}/assign", json={"user": AGENT})
    pipeline.run(live.fd)
    sign_in(page)
    bell = page.locator("#bell-button")
    expect(bell).to_have_attribute("aria-label", "通知，1 条未读")
    bell.click()
    page.locator("#bell-list .bell-item.unread a.bell-open").first.click()
    page.wait_for_url(f"**/cases/{quiet_start['id']}")
    expect(page.locator("#bell-button")).to_have_attribute("aria-label", "通知，0 条未读")


def test_settings_page_adds_and_removes(live, browser):  # type: ignore[no-untyped-def]
    ctx = new_context(browser, live, bypass_csp=True)
    try:
        page = ctx.new_page()
        sign_in(page)
        page.goto("/settings/notifications")
        expect(page.get_by_role("heading", name="我的通知设置", level=1)).to_be_visible()
        expect(page.locator("#subscriptions")).to_have_attribute("aria-busy", "false")
        _check(page, "/settings/notifications")
        page.get_by_label("渠道").select_option("email")
        page.get_by_label("邮箱地址").fill("agent@example.com")
        page.get_by_role("button", name="添加", exact=True).click()
        row = page.locator("#subscriptions li.subscription")
        expect(row).to_contain_text("agent@example.com")
        row.get_by_role("button", name="删除").click()
        expect(row).to_have_count(0)
    finally:
        ctx.close()
