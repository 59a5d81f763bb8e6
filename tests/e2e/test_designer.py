"""The process designer in a real browser: a designer opens complaint-handling in the bpmn-js
modeler, renames a task, deploys version 2; the properties panel edits timers, conditions,
forms and assignment (``test_designer_panel``); a new process is drawn and deployed; a broken
model shows its problems on the diagram; a model without diagram layout says so. Also the screenshots docs/screenshots/designer-*.png."""
from __future__ import annotations

import re
import pytest

from tests.conftest import PROCESSES

from .conftest import shoot, sign_in, sized_page
from .designer_pages import (DESIGNER, DESIGNER_PASSWORD, deploy, latest, live,  # noqa: F401
                             open_modeler, select)

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

def test_designer_renames_a_complaint_task_and_deploys_version_2(live, page):  # type: ignore[no-untyped-def]
    before = latest(live, "complaint_handling")
    assert before["version"] == 1
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto("/designer")
    expect(page).to_have_title(re.compile("流程设计"))
    card = page.locator('article[data-key="complaint_handling"]')
    expect(card.locator('tr[data-version="1"]')).to_contain_text("v1")
    card.get_by_role("link", name=re.compile("在设计器中打开")).click()
    page.wait_for_url("**/designer/complaint_handling")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)
    expect(page.locator("#current-version")).to_contain_text("1")
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays

    select(page, "register_complaint")
    name = page.locator("#bio-properties-panel-name")
    expect(name).to_have_value("登记投诉")
    expect(page.get_by_label("名称", exact=True)).to_have_count(1)  # the panel's label
    name.fill("登记客户投诉")
    deploy(page, 2)  # deploys at once after typing: the pending edit is flushed first
    expect(page.locator('.djs-element[data-element-id="register_complaint"]')).to_contain_text(
        "登记客户投诉")
    expect(page.locator("#current-version")).to_contain_text("2")

    after = latest(live, "complaint_handling")
    assert after["version"] == 2
    assert 'name="登记客户投诉"' in after["bpmn_xml"]
    assert after["bpmn_xml"].count("formJsonSchemaFilename") == before["bpmn_xml"].count(
        "formJsonSchemaFilename")
    assert sorted(after["contents"]) == sorted(before["contents"])
    for name_, text in before["contents"].items():
        if not name_.endswith(".bpmn"):
            assert after["contents"][name_] == text, name_

    page.get_by_role("link", name="流程定义").click()
    card = page.locator('article[data-key="complaint_handling"]')
    expect(card.locator('tr[data-version="2"]')).to_contain_text("最新")


def test_check_download_and_open_a_file_before_deploying(live, page, tmp_path):  # type: ignore[no-untyped-def]
    before = latest(live, "simple_review")["version"]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page)
    expect(page.locator("#unsaved")).to_be_hidden()
    page.get_by_role("button", name="检查").click()
    expect(page.get_by_role("status")).to_have_text(f"检查通过, 内容与版本 {before} 相同。")

    select(page, "review")
    page.locator("#bio-properties-panel-name").fill("Review, checked first")
    expect(page.locator("#unsaved")).to_be_visible()
    page.get_by_role("button", name="检查").click()
    expect(page.get_by_role("status")).to_have_text(f"检查通过, 没有问题: 部署后为版本 {before + 1}。")
    assert latest(live, "simple_review")["version"] == before  # checking stores nothing

    with page.expect_download() as download:
        page.get_by_role("button", name="下载 .bpmn").click()
    saved = tmp_path / "simple_review.bpmn"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "simple_review.bpmn"
    text = saved.read_text(encoding="utf-8")
    assert 'name="Review, checked first"' in text

    edited = tmp_path / "edited.bpmn"
    edited.write_text(text.replace("Review, checked first", "Review from a file"), encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="打开 .bpmn 文件").click()
    chooser.value.set_files(str(edited))
    expect(page.get_by_role("status")).to_have_text("已打开文件「edited.bpmn」, 尚未部署。")
    expect(page.locator('.djs-element[data-element-id="review"]')).to_contain_text("from a file")
    deploy(page, before + 1)
    expect(page.locator("#unsaved")).to_be_hidden()
    assert 'name="Review from a file"' in latest(live, "simple_review")["bpmn_xml"]


def test_deploying_an_opened_model_unchanged_makes_no_version(live, page):  # type: ignore[no-untyped-def]
    """bpmn-js writes the model back in its own way (prefixes, order, numbers); compared in
    canonical form that is no change: the page says so and no version is made. A moved
    shape is a change."""
    before = latest(live, "shift_handover")["version"]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page, "shift_handover")
    page.get_by_role("button", name="检查").click()
    expect(page.locator("#outcome")).to_have_text(f"检查通过, 内容与版本 {before} 相同。")
    page.get_by_role("button", name="部署新版本").click()
    expect(page.locator("#outcome")).to_have_text(f"未更改，未生成新版本（仍为版本 {before}）。")
    expect(page.locator("#outcome")).to_be_visible()
    assert latest(live, "shift_handover")["version"] == before

    start = page.locator('.djs-element.djs-shape[data-element-id]').first
    box = start.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 40, steps=5)
    page.mouse.up()
    expect(page.locator("#unsaved")).to_be_visible()
    deploy(page, before + 1)
    expect(page.locator("#outcome")).to_have_text(f"已部署版本 {before + 1}。")


def test_a_new_process_is_drawn_from_a_blank_pool_and_deployed(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto("/designer")
    page.get_by_label("流程 ID (英文字母、数字、下划线)").fill("2bad key")
    page.get_by_role("button", name="新建并打开").click()
    expect(page.locator("#new-key-error")).to_contain_text("流程 ID 须以字母或下划线开头")
    page.get_by_label("流程 ID (英文字母、数字、下划线)").fill("hotline_callback")
    page.get_by_label("流程名称").fill("热线回访")
    page.get_by_role("button", name="新建并打开").click()
    page.wait_for_url(re.compile(r"/designer/hotline_callback\?"))
    expect(page.locator("main[data-ready=true]")).to_have_count(1)
    expect(page.locator("#current-version")).to_contain_text("尚未部署")
    expect(page.locator('.djs-element[data-element-id="lane_agent"]')).to_have_count(1)
    group = page.get_by_label("流程分组")  # dora designs one group: chosen already
    expect(group).to_be_visible()
    expect(group).to_have_value("cs")
    deploy(page, 1)
    expect(group).to_be_hidden()  # deployed: the key's group is fixed
    page.wait_for_url(re.compile(r"/designer/hotline_callback$"))
    definition = latest(live, "hotline_callback")
    assert definition["version"] == 1 and 'name="热线回访"' in definition["bpmn_xml"]


def test_a_designer_of_several_groups_picks_the_new_processs_group(live, page):  # type: ignore[no-untyped-def]
    from services.identity import ensure_user, set_password
    from services.principal import system
    from services.process_group_admin import add_designer, create_group
    admin = system("e2e", "admin")
    ensure_user(live.fd, "ed", ["designer"], [])
    set_password(live.fd, "ed", "ed-pass-2026")
    create_group(live.fd, admin, "aftersales", "售后流程")
    for name in ("aftersales", "cs"):
        add_designer(live.fd, admin, name, "ed")
    _open_modeler_as("ed", "ed-pass-2026", page)  # a deployed key: nothing to choose
    expect(page.locator("#group-field")).to_be_hidden()
    page.goto("/designer/refund_review?new=1&name=退款复核")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)
    group = page.get_by_label("流程分组")
    expect(group.locator("option")).to_have_text(["请选择流程分组", "aftersales · 售后流程",
                                                  "cs · 客服流程"])
    page.get_by_role("button", name="部署新版本").click()  # not chosen: said, nothing sent
    expect(page.locator("#process-group-error")).to_have_text("请选择新流程放入的流程分组。")
    expect(group).to_be_focused()
    group.select_option("aftersales")
    deploy(page, 1)
    assert latest(live, "refund_review")["process_group"] == "aftersales"


def _open_modeler_as(username: str, password: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, username, password)
    open_modeler(page)


def _deploy_without_the_lane(page, deploy: str) -> None:  # type: ignore[no-untyped-def]
    """Delete the only lane (the user task is then in no lane, so nobody would get it) and
    press the deploy button, named ``deploy`` in the page's language."""
    page.locator('.djs-element[data-element-id="lane_agent"]').click(
        position={"x": 15, "y": 100}, force=True)  # the lane's name strip
    expect(page.locator("#bio-properties-panel-id")).to_have_value("lane_agent")
    page.locator('.djs-context-pad .entry[data-action="delete"]').click()
    expect(page.locator('.djs-element[data-element-id="lane_agent"]')).to_have_count(0)
    page.get_by_role("button", name=deploy).click()


def test_a_broken_model_shows_its_problems_on_the_diagram(live, page):  # type: ignore[no-untyped-def]
    before = latest(live, "simple_review")["version"]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page)
    _deploy_without_the_lane(page, "部署新版本")
    problems = page.locator("#problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("问题")
    expect(problems.locator('li[data-element-id="review"]')).to_contain_text("不在任何泳道中")
    expect(problems).to_be_focused()
    expect(page.locator('.djs-element[data-element-id="review"]')).to_have_class(
        re.compile("has-problem"))
    problems.get_by_role("button", name=re.compile("review")).click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value("review")
    # the English page gets the English sentence for the same element
    page.goto("/designer/simple_review?lang=en")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)
    _deploy_without_the_lane(page, "Deploy new version")
    expect(problems.locator('li[data-element-id="review"]')).to_contain_text("is in no lane")
    assert latest(live, "simple_review")["version"] == before


def test_a_model_without_diagram_layout_says_so(live, page):  # type: ignore[no-untyped-def]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto("/designer/no_layout?lang=en")
    expect(page.locator("#no-di")).to_be_visible()
    expect(page.locator("#no-di")).to_contain_text("no diagram layout")
    expect(page.get_by_role("button", name="Deploy new version")).to_be_disabled()
    expect(page.locator("#versions li")).to_have_count(1)


def test_every_shipped_process_opens_in_the_modeler(live, page):  # type: ignore[no-untyped-def]
    """Each shipped model has its layout and nothing the modeler would drop on save."""
    from services.definitions import deploy_path
    keys = [definition.key for definition, _ in deploy_path(live.fd, PROCESSES, "e2e")]
    assert len(keys) == 8 and keys[-1] == "shift_handover"
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    for key in keys:
        open_modeler(page, key)
        expect(page.locator("#import-warnings")).to_be_hidden()
        expect(page.locator("#no-di")).to_be_hidden()
    select(page, "hand_over_tasks")  # the last one open: shift_handover


def test_designer_pages_need_a_session_and_the_designer_role(live, page):  # type: ignore[no-untyped-def]
    page.goto("/designer/simple_review")
    page.wait_for_url(re.compile(r"/login\?next=(%2F|/)designer(%2F|/)simple_review$"))
    sign_in(page)  # the agent: staff only
    response = page.goto("/designer")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问流程设计")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_designer_screenshots(browser, live, size):  # type: ignore[no-untyped-def]
    with sized_page(browser, live, size) as page:
        sign_in(page, DESIGNER, DESIGNER_PASSWORD)
        page.goto("/designer")
        expect(page.locator('article[data-key="complaint_handling"]')).to_be_visible()
        shoot(page, f"designer-list-{size}", full_page=size == "phone")
        open_modeler(page, "negative_review")
        select(page, "send_sms")  # a user task: the panel shows its form and assignment
        expect(page.get_by_label("表单", exact=True)).to_be_visible()
        shoot(page, f"designer-{size}")
