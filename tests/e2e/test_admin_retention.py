"""The admin console's 案件保留 section (/admin#retention) in a real browser: a rule with 0 days
is refused beside its field, a good one is saved, listed and stored, and removing it (asked
first in the dialog) takes it away."""
from __future__ import annotations

import pytest

from .test_admin import admin_ready, admin_sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    return admin_ready(live)


def test_a_retention_rule_is_checked_saved_and_removed(live, page):  # type: ignore[no-untyped-def]
    admin_sign_in(page)
    form = page.locator("#retention-form")
    form.get_by_label("流程").select_option("parallel")
    form.get_by_label("保留天数").fill("0")
    form.get_by_role("button", name="保存").click()
    expect(form.locator("#retention-days-error")).not_to_be_empty()
    expect(form.get_by_label("保留天数")).to_have_attribute("aria-invalid", "true")
    assert live.ok("GET", "/admin/retention") == []

    form.get_by_label("保留天数").fill("30")
    form.get_by_label("到期后").select_option("archive")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("「parallel」的保留规则已保存")
    row = page.locator('#retention-list tr[data-process="parallel"]')
    expect(row).to_contain_text("30 天")
    expect(row).to_contain_text("归档")
    [rule] = live.ok("GET", "/admin/retention")
    assert (rule["process_key"], rule["days"], rule["mode"]) == ("parallel", 30, "archive")

    row.get_by_role("button", name="删除规则").click()
    page.get_by_role("dialog").get_by_role("button", name="删除规则").click()
    expect(page.get_by_role("status")).to_contain_text("已删除「parallel」的保留规则")
    expect(row).to_have_count(0)
    assert live.ok("GET", "/admin/retention") == []
