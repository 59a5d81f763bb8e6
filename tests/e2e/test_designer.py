"""The process designer in a real browser: a designer opens a process in the bpmn-js modeler,
renames a task, deploys version 2; a broken model shows its problems on the diagram; a model
without diagram layout says so. Also the screenshots docs/screenshots/designer-*.png."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PROCESSES

from .conftest import DESKTOP, PHONE, SCREENSHOTS, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

DESIGNER, DESIGNER_PASSWORD = "dora", "designer-pass-2026"
BUNDLE = Path(__file__).resolve().parent / "resources" / "simple_review"


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    from api.services.definitions import deploy_path
    from api.services.identity import ensure_user, set_password
    deploy_path(live.fd, BUNDLE, "e2e")
    deploy_path(live.fd, PROCESSES / "shift-handover", "e2e")  # no diagram layout (DI)
    ensure_user(live.fd, DESIGNER, ["designer"], [], display_name="Dora Designer")
    set_password(live.fd, DESIGNER, DESIGNER_PASSWORD)
    live.ok("POST", "/instances", json={"process_key": "simple_review"})  # one running on v1
    return live


def _versions(live) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = live.ok("GET", "/definitions?all_versions=true&key=simple_review")
    return sorted((r for r in rows if r["key"] == "simple_review"), key=lambda r: r["version"])


def _open_modeler(page, key: str = "simple_review") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/designer/{key}")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)


def test_designer_renames_a_task_and_deploys_version_2(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto("/designer")
    expect(page).to_have_title(re.compile("流程设计"))
    card = page.locator('article[data-key="simple_review"]')
    expect(card.locator('tr[data-version="1"]')).to_contain_text("v1")
    expect(card.locator('tr[data-version="1"] td.num')).to_have_text("1")  # one running case
    expect(page.locator('article[data-key="complaint_handling"]')).to_be_visible()
    card.get_by_role("link", name="在设计器中打开").click()
    page.wait_for_url("**/designer/simple_review")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)
    expect(page.locator("#current-version")).to_contain_text("1")
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays

    page.locator('.djs-element[data-element-id="review"]').click()
    expect(page.locator("#panel-id")).to_have_text("review")
    name = page.get_by_label("名称")
    expect(name).to_have_value("Review request")
    name.fill("Check the request")
    page.get_by_role("button", name="重命名").click()
    expect(page.locator('.djs-element[data-element-id="review"]')).to_contain_text("Check the")

    page.get_by_role("button", name="部署新版本").click()
    expect(page.get_by_role("status")).to_have_text("已部署版本 2。")
    expect(page.locator('#versions li[data-version="2"]')).to_contain_text("版本 2")
    expect(page.locator("#current-version")).to_contain_text("2")

    versions = _versions(live)
    assert [v["version"] for v in versions] == [1, 2]
    latest = live.ok("GET", f"/definitions/{versions[-1]['id']}")
    assert 'name="Check the request"' in latest["bpmn_xml"]
    assert sorted(latest["contents"]) == ["review.json", "simple_review.bpmn"]
    assert latest["contents"]["review.json"] == (BUNDLE / "review.json").read_text()

    page.get_by_role("link", name="流程定义").click()
    card = page.locator('article[data-key="simple_review"]')
    expect(card.locator('tr[data-version="2"]')).to_contain_text("最新")
    expect(card.locator('tr[data-version="2"] td.num')).to_have_text("0")
    expect(card.locator('tr[data-version="1"] td.num')).to_have_text("1")


def test_a_broken_model_shows_its_problems_on_the_diagram(live, page):  # type: ignore[no-untyped-def]
    before = len(_versions(live))
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    _open_modeler(page)
    # Delete the only lane: the user task is then in no lane, so nobody would get it.
    page.locator('.djs-element[data-element-id="lane_agent"]').click(
        position={"x": 15, "y": 100}, force=True)  # the lane's name strip
    expect(page.locator("#panel-id")).to_have_text("lane_agent")
    page.locator('.djs-context-pad .entry[data-action="delete"]').click()
    expect(page.locator('.djs-element[data-element-id="lane_agent"]')).to_have_count(0)

    page.get_by_role("button", name="部署新版本").click()
    problems = page.locator("#problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("问题")
    expect(problems.locator('li[data-element-id="review"]')).to_contain_text("no lane")
    expect(problems).to_be_focused()
    expect(page.locator('.djs-element[data-element-id="review"]')).to_have_class(
        re.compile("has-problem"))
    problems.get_by_role("button", name=re.compile("review")).click()
    expect(page.locator("#panel-id")).to_have_text("review")
    assert len(_versions(live)) == before


def test_a_model_without_diagram_layout_says_so(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto("/designer/shift_handover?lang=en")
    expect(page.locator("#no-di")).to_be_visible()
    expect(page.locator("#no-di")).to_contain_text("no diagram layout")
    expect(page.get_by_role("button", name="Deploy new version")).to_be_disabled()
    expect(page.locator("#versions li")).to_have_count(1)


def test_designer_pages_need_a_session_and_the_designer_role(live, page):  # type: ignore[no-untyped-def]
    page.goto("/designer/simple_review")
    page.wait_for_url(re.compile(r"/login\?next=(%2F|/)designer(%2F|/)simple_review$"))
    sign_in(page)  # the agent: staff only
    response = page.goto("/designer")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问流程设计")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_designer_screenshots(browser, live, size):  # type: ignore[no-untyped-def]
    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(base_url=live.base, viewport=viewport,
                                  timezone_id="Asia/Shanghai", device_scale_factor=1)
    try:
        context.set_default_timeout(10_000)
        page = context.new_page()
        sign_in(page, DESIGNER, DESIGNER_PASSWORD)
        _open_modeler(page, "complaint_handling")
        expect(page.locator('.djs-element[data-element-id="register_complaint"]')).to_have_count(1)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"designer-{size}.png"), animations="disabled",
                        caret="hide")
    finally:
        context.close()
