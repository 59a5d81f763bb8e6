"""The designer's dry run (试运行) in a real browser: a designer opens negative-review in the
modeler, dry-runs the draft from 22:00 on 2 March (Shanghai) with the real start and task
forms, fast-forwards 48 hours; the 48-hour timer fires and the phone task opens due inside the
call window, marked on the diagram; the run saved as a scenario file passes ``flowdesk test``.
Nothing reaches the real database (no instance). The run saved into the draft (保存为场景) is
listed in the 场景 panel, 场景覆盖率 runs it and passes, and deploying keeps it with the
version."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from api.routes.dry_runs import install
from host import test_command
from store.throwaway import ThrowawayStores
from store.tables import ProcessInstance
from tests.conftest import PROCESSES

from .conftest import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

DESIGNER, DESIGNER_PASSWORD = "dora", "designer-pass-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CALL_WINDOWS = ((time(9, 30), time(10, 30)), (time(16, 0), time(21, 0)))


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    """negative-review deployed (with its calendars and SLA policies), a designer, and dry
    runs offered as `flowdesk serve` offers them."""
    from services.definitions import deploy_path
    from services.identity import ensure_user, set_password
    from services.principal import system
    from services.process_group_admin import add_default_designers
    deploy_path(live.fd, PROCESSES / "negative-review", "e2e")
    ensure_user(live.fd, DESIGNER, ["designer"], [], display_name="Dora Designer")
    set_password(live.fd, DESIGNER, DESIGNER_PASSWORD)
    add_default_designers(live.fd, system("e2e", "admin"), [DESIGNER])
    stores = ThrowawayStores()
    runs = install(live.app, stores)
    yield live
    runs.close()
    stores.close()


def _fill(card, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for name, value in values.items():
        control = card.locator(f'[name="{name}"]')
        if control.evaluate("e => e.tagName") == "SELECT":  # options are the values' places
            places = json.loads(control.get_attribute("data-values") or "[]")
            control.select_option(value=str(places.index(value)))
        else:
            control.fill(value)


def _complete(page, element: str, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    card = page.locator(f'#dry-run-tasks article[data-element-id="{element}"]')
    expect(card).to_have_count(1)
    _fill(card, values)
    card.get_by_role("button", name="完成此任务").click()
    expect(card).to_have_count(0)


def _open_modeler(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto("/designer/negative_review")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)


def _run_to_the_phone_call(page):  # type: ignore[no-untyped-def]
    """Dry-run the draft from 22:00 on 2 March to the phone task 48 hours on; the task card."""
    page.get_by_role("button", name="试运行").click()
    expect(page.locator("#dry-run")).to_be_visible()
    page.locator("#dry-run-at").fill("2026-03-02T22:00:00")
    page.locator("#dry-run-zone").fill("Asia/Shanghai")
    start = page.locator("#dry-run-start-form")
    _fill(start, {"review_date": "2026-03-01", "wangwang_id": "tb_lily88",
                  "rating": "neutral", "review_content": "杯子收到就有裂纹,客服也不回复。"})
    start.get_by_role("button", name="开始试运行").click()
    expect(page.locator("#dry-run-live")).to_be_visible()
    _complete(page, "register_review", {"phone": "13800001111", "item": "陶瓷马克杯 两只装",
                                        "severity": "severe"})
    _complete(page, "send_wangwang_message", {
        "chat_findings": "买家询问发货,未及时回复。", "message_text": "亲,非常抱歉,我们马上为您补发。",
        "deletion_link": "https://rate.taobao.com/modify?id=88001"})
    _complete(page, "send_sms", {"sms_text": "【东耀】亲,已为您补发,麻烦查看旺旺留言。"})

    expect(page.locator("#dry-run-duration")).to_have_value("PT48H")
    page.get_by_role("button", name="快进", exact=True).click()
    phone = page.locator('#dry-run-tasks article[data-element-id="phone_call"]')
    expect(phone).to_have_count(1)
    return phone


def test_a_negative_review_draft_dry_run_fires_the_48_hour_timer(live, page, tmp_path: Path):  # type: ignore[no-untyped-def]
    _open_modeler(page)
    phone = _run_to_the_phone_call(page)
    due = datetime.fromisoformat(phone.locator(".dry-run-due").get_attribute("data-due")
                                 .replace("Z", "+00:00")).astimezone(SHANGHAI)
    assert due.date().isoformat() == "2026-03-05"
    assert any(start <= due.time() <= end for start, end in CALL_WINDOWS), due
    expect(page.locator('.djs-element.fd-active[data-element-id="phone_call"]')).to_have_count(1)
    expect(page.locator('.djs-element.fd-done[data-element-id="no_response_48h"]')).to_have_count(1)
    expect(page.locator("#dry-run-log li").last).to_contain_text("phone_call")

    with page.expect_download() as download:
        page.get_by_role("button", name="保存为场景文件（YAML）").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    folder = tmp_path / "negative-review"
    shutil.copytree(PROCESSES / "negative-review", folder, ignore=shutil.ignore_patterns("tests"))
    (folder / "tests").mkdir()
    (folder / "tests" / "dry_run.yaml").write_text(saved, encoding="utf-8")
    assert test_command.run([folder / "tests" / "dry_run.yaml"], None, False, None) == 0

    with live.fd.uow(read_only=True) as uow:
        assert uow.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_the_run_saved_into_the_draft_deploys_with_the_version(live, page):  # type: ignore[no-untyped-def]
    """The version's shipped scenarios are listed and removed from the draft, the run is
    saved into it under a name, coverage runs the draft's one scenario and it passes, and
    deploying stores it with the version (same model: no new version)."""
    _open_modeler(page)
    listed = page.locator("#scenario-list li")
    shipped = sorted(f"tests/{f.name}" for f in (PROCESSES / "negative-review" / "tests").iterdir())
    expect(listed).to_have_count(len(shipped))
    assert sorted(listed.evaluate_all("items => items.map(i => i.dataset.name)")) == shipped
    for _ in shipped:
        listed.first.get_by_role("button", name="移除").click()
    expect(listed).to_have_count(0)
    expect(page.locator("#scenario-empty")).to_be_visible()

    _run_to_the_phone_call(page)
    page.once("dialog", lambda dialog: dialog.accept("night_review"))
    page.get_by_role("button", name="保存为场景", exact=True).click()
    expect(listed).to_have_count(1)
    expect(page.locator('#scenario-list li[data-name="tests/night_review.yaml"]')).to_be_visible()
    expect(page.locator("#unsaved")).to_be_visible()

    with page.expect_response("**/api/v1/scenario-coverage") as covered:
        page.get_by_role("button", name="场景覆盖率").click()
    answer = covered.value.json()
    assert answer["source"] == "draft", answer
    assert [(s["file"], s["ok"]) for s in answer["scenarios"]] == [("night_review.yaml", True)]
    expect(page.locator("#coverage-notes")).to_contain_text("运行了草稿附带的 1 个场景")

    with page.expect_response("**/api/v1/definitions") as deployed:
        page.get_by_role("button", name="部署新版本").click()
    body = deployed.value.json()
    assert body["scenarios"] == ["tests/night_review.yaml"] and body["scenarios_replaced"], body
    expect(page.locator("#outcome")).to_contain_text("已更新该版本的场景文件")
    expect(page.locator("#unsaved")).to_be_hidden()
    expect(listed).to_have_count(1)
    from services.definitions import get_definition
    from services.principal import system
    files = get_definition(live.fd, system("e2e", "admin"), body["id"]).files
    assert sorted(n for n in files if n.startswith("tests/")) == ["tests/night_review.yaml"]
    assert "phone_call" in files["tests/night_review.yaml"]
