"""The admin console's 版本迁移 in a real browser: complaint cases on version 1 moved to
version 2 (tests/migration_bundles.py). A plan over a list of ids shows the proposed mapping
(the renamed task found, the removed one without a target), is checked again when a target is
changed, dry-runs (a cancelled case would fail, nothing changes) and runs (two moved, one
failed); a batch too large for the request runs as due work while the page polls it until it
is done. The page is checked by axe-core with the mapping, the report and the batch shown."""
from __future__ import annotations

import pytest

from services.due_runner import run_due
from tests.migration_bundles import complaint_v2

from .conftest import new_context
from .test_accessibility import _check
from .test_admin import admin_ready, admin_sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

BACKGROUND = 11  # more than services.migrations.SYNC_LIMIT: the batch goes to the ticker


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    live = admin_ready(live)
    live.ok("POST", "/definitions",
            files=[("files", (name, data)) for name, data in complaint_v2().items()])
    return live


@pytest.fixture
def context(browser, live):  # type: ignore[no-untyped-def]
    """As the conftest's, but the pages' CSP lets the test inject axe (an inline script)."""
    ctx = new_context(browser, live, bypass_csp=True)
    yield ctx
    ctx.close()


def _on_version_1(live, business_key: str) -> dict:  # type: ignore[no-untyped-def]
    return live.ok("POST", "/instances", json={"process_key": "complaint_handling",
                                               "version": 1, "business_key": business_key})


def _version(live, instance_id: int) -> int:  # type: ignore[no-untyped-def]
    """The version of complaint_handling the instance runs on."""
    definition_id = live.ok("GET", f"/instances/{instance_id}")["definition_id"]
    versions = live.ok("GET", "/definitions?key=complaint_handling&all_versions=true")
    return next(d["version"] for d in versions if d["id"] == definition_id)


def test_admin_plans_dry_runs_and_runs_a_migration(live, page):  # type: ignore[no-untyped-def]
    first, second, cancelled = (_on_version_1(live, f"TB-E2E-MIG-{n}")
                                 for n in range(3))
    live.ok("POST", f"/instances/{cancelled['id']}/cancel", json={})
    ids = [first["id"], second["id"], cancelled["id"]]
    admin_sign_in(page)
    section = page.locator("#migrations")
    section.get_by_label("流程").select_option("complaint_handling")
    section.get_by_label("从版本").select_option(label="版本 1")
    section.get_by_label("到版本").select_option(label="版本 2")
    section.get_by_label("仅这些案件编号 (可选)").fill(", ".join(map(str, ids)))
    section.get_by_role("button", name="生成计划").click()

    expect(section.locator("#migration-summary")).to_have_text(
        "将把 3 个案件从版本 1 迁移到版本 2。")
    renamed = section.locator('tr[data-element="confirm_satisfaction"] select')
    expect(renamed).to_have_value("follow_up_satisfaction")
    removed = section.locator('tr[data-element="arrange_exchange"] select')
    expect(removed).to_have_value("")
    expect(section.locator('tr[data-element="register_complaint"] .col-tokens')).to_have_text("2")
    unmapped = section.locator('li[data-code="unmapped"]')
    expect(unmapped.filter(has_text="arrange_exchange")).to_have_count(1)

    # a target given to the removed task: checked again, its warning goes
    removed.select_option("follow_up_satisfaction")
    expect(unmapped.filter(has_text="arrange_exchange")).to_have_count(0)
    removed.select_option("")
    expect(unmapped.filter(has_text="arrange_exchange")).to_have_count(1)

    section.get_by_role("button", name="试运行").click()
    report = section.locator("#migration-report")
    expect(report.locator("#migration-report-summary")).to_have_text(
        "试运行：2 个案件可迁移，1 个会失败。")
    failed = report.locator(f'tr[data-instance="{cancelled["id"]}"]')
    expect(failed).to_have_attribute("data-outcome", "failed")
    expect(failed).to_contain_text("只迁移运行中或等待中的实例")
    expect(report.locator(f'tr[data-instance="{first["id"]}"]')).to_contain_text(
        "保留 1 个任务")
    assert _version(live, first["id"]) == 1  # the dry run changed nothing

    section.get_by_role("button", name="执行迁移").click()
    dialog = page.get_by_role("dialog", name="执行迁移?")
    expect(dialog).to_contain_text("将把 3 个案件从版本 1 迁移到版本 2")
    dialog.get_by_role("button", name="确认迁移").click()
    batch = section.locator("#migration-batch")
    expect(batch.locator("[data-status]")).to_have_attribute("data-status", "done")
    expect(batch.locator("#migration-counts")).to_have_text("已处理 3 / 3：成功 2，失败 1。")
    expect(batch.locator(f'tr[data-instance="{second["id"]}"]')).to_contain_text("已迁移")
    expect(batch.locator(f'tr[data-instance="{cancelled["id"]}"]')).to_contain_text("失败")
    assert [_version(live, i) for i in ids] == [2, 2, 1]
    _check(page, "/admin migrations with a plan, a dry run and a finished batch")


def test_a_large_batch_runs_in_the_background_while_the_page_polls(live, page):  # type: ignore[no-untyped-def]
    started = [_on_version_1(live, f"TB-E2E-MIG-BG-{n}")["id"] for n in range(BACKGROUND)]
    admin_sign_in(page)
    section = page.locator("#migrations")
    section.get_by_label("流程").select_option("complaint_handling")
    section.get_by_label("从版本").select_option(label="版本 1")
    section.get_by_label("到版本").select_option(label="版本 2")
    # these cases only: other tests leave running and waiting cases on version 1 too
    section.get_by_label("仅这些案件编号 (可选)").fill(", ".join(map(str, started)))
    section.get_by_role("button", name="生成计划").click()
    expect(section.locator("#migration-summary")).to_have_text(
        f"将把 {BACKGROUND} 个案件从版本 1 迁移到版本 2。")
    section.get_by_role("button", name="执行迁移").click()
    page.get_by_role("dialog", name="执行迁移?").get_by_role("button", name="确认迁移").click()
    batch = section.locator("#migration-batch")
    expect(batch.locator("[data-status]")).to_have_attribute("data-status", "running")
    expect(batch.locator("#migration-counts")).to_have_text(
        f"已处理 0 / {BACKGROUND}：成功 0，失败 0。")
    expect(batch.locator('tr[data-outcome="pending"]')).to_have_count(BACKGROUND)
    while run_due(live.fd):  # the ticker's work, here until nothing is due
        pass
    expect(batch.locator("[data-status]")).to_have_attribute("data-status", "done")
    expect(batch.locator("#migration-counts")).to_have_text(
        f"已处理 {BACKGROUND} / {BACKGROUND}：成功 {BACKGROUND}，失败 0。")
    expect(batch.locator("progress")).to_have_attribute("value", str(BACKGROUND))
    expect(page.get_by_role("status")).to_have_text(f"迁移完成：成功 {BACKGROUND}，失败 0。")
    assert {_version(live, i) for i in started} == {2}
