"""A form field that is a list of objects (line items: 项目(物料) of the service notification,
the finance money list, the shift handover's customers) is filled as rows of the item's own
fields, never as JSON typed by hand: rows are added and removed, blank rows are not sent, and
the server's error for one row's field (items/1/material_no) stands beside that field."""
from __future__ import annotations

from pathlib import Path

from .conftest import AGENT, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

BUNDLE = Path(__file__).resolve().parent / "resources" / "line_items"


def test_line_items_are_rows_with_errors_beside_their_fields(live, page):  # type: ignore[no-untyped-def]
    from services.definitions import deploy_path
    deploy_path(live.fd, BUNDLE, "e2e")
    instance = live.ok("POST", "/instances", json={"process_key": "line_items"})
    task_id = instance["open_tasks"][0]["id"]
    live.ok("POST", f"/tasks/{task_id}/assign", json={"user": AGENT})
    sign_in(page)
    page.goto(f"/inbox?view=mine&task={task_id}")
    items = page.locator('#detail [data-field="items"]')
    rows = items.locator("fieldset.form-row")

    # one empty row to start with, its fields labelled, no JSON box
    expect(rows).to_have_count(1)
    expect(items.locator("textarea")).to_have_count(0)
    expect(rows.first.locator("legend")).to_have_text("物料 1")
    rows.first.get_by_label("物料号").fill("100056")
    rows.first.get_by_label("数量").fill("2")
    items.get_by_role("button", name="添加物料").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("物料号")).to_be_focused()
    rows.nth(1).get_by_label("物料号").fill("10-A")
    rows.nth(1).get_by_label("数量").fill("1")
    items.get_by_role("button", name="添加物料").click()  # a third row left blank: not sent

    page.locator("#detail form").get_by_role("button", name="提交并完成").click()
    second = rows.nth(1).locator('[data-field="material_no"]')
    expect(second.locator(".field-error")).to_contain_text("物料号")
    expect(second.get_by_label("物料号")).to_have_attribute("aria-invalid", "true")
    expect(rows.first.locator(".field-error:not(:empty)")).to_have_count(0)
    expect(page.locator("#form-errors")).to_contain_text("物料明细 · 物料 2 · 物料号")
    # what was typed stays
    expect(rows.first.get_by_label("物料号")).to_have_value("100056")

    rows.nth(1).get_by_label("物料号").fill("100057")
    rows.nth(1).get_by_label("外箱破损").check()
    rows.nth(2).get_by_role("button", name="删除物料 3").click()
    expect(rows).to_have_count(2)
    page.locator("#detail form").get_by_role("button", name="提交并完成").click()
    expect(page.locator(".toast")).to_contain_text("登记退货物料")
    variables = live.ok("GET", f"/instances/{instance['id']}/variables")
    assert variables["variables"]["items"] == [
        {"material_no": "100056", "quantity": 2, "damaged": False},
        {"material_no": "100057", "quantity": 1, "damaged": True}]
