"""The designer's properties panel in a real browser: timers, conditions, forms, assignment and
multi-instance collections edited and deployed; an element found and edited with the keyboard
alone; a bad timer typed in the panel shown on its element; bpmn-js's own words in Chinese."""
from __future__ import annotations

import re

from .conftest import sign_in
from .designer_pages import (DESIGNER, DESIGNER_PASSWORD, deploy, latest, live,  # noqa: F401
                             open_modeler, select)

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


def test_the_properties_panel_edits_timers_conditions_forms_and_assignment(live, page):  # type: ignore[no-untyped-def]
    version = latest(live, "negative_review")["version"]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page, "negative_review")

    # bpmn-js's own words in Chinese too: the palette, the panel's header (were English)
    expect(page.locator(".djs-palette [data-action='create.start-event']")).to_have_attribute(
        "aria-label", "创建开始事件")
    select(page, "no_response_48h")  # the boundary timer
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text(
        re.compile("定时器边界事件"))
    expect(page.locator("#bio-properties-panel-timerEventDefinitionType")).to_have_value(
        "timeDuration")
    timer = page.locator("#bio-properties-panel-timerEventDefinitionValue")
    expect(timer).to_have_value('"PT48H"')
    timer.fill('"PT24H"')

    select(page, "flow_reached")  # a gateway's outgoing flow
    condition = page.get_by_label("条件 (Python 表达式)")
    expect(condition).to_have_value("call_reached == True")
    condition.fill("call_reached == True and attempts >= 1")

    select(page, "send_sms")  # a user task: its form and who gets it
    form = page.get_by_label("表单", exact=True)
    expect(form).to_have_value("send_sms.json")
    form.select_option("phone_call.json")
    page.get_by_label("候选组", exact=True).fill("AfterSales, Supervisor")

    deploy(page, version + 1)
    xml = latest(live, "negative_review")["bpmn_xml"]
    assert '"PT24H"' in xml and '"PT48H"' not in xml
    assert "call_reached == True and attempts &gt;= 1" in xml
    assert re.search(r'<bpmn:userTask id="send_sms".*?value="phone_call.json".*?</bpmn:userTask>',
                     xml, re.S)
    assert '<spiffworkflow:property name="candidateGroups" value="AfterSales, Supervisor" />' in xml


def test_an_element_is_found_and_edited_with_the_keyboard_alone(live, page):  # type: ignore[no-untyped-def]
    version = latest(live, "simple_review")["version"]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page)
    picker = page.get_by_label("选择元素 (可用键盘)")
    # each element's kind in Chinese, as the rest of the page (not bpmn-js's UserTask)
    expect(picker.locator('option[value="review"]')).to_have_text("Review request · 用户任务 · review")
    expect(picker.locator("option")).not_to_contain_text(["UserTask"])
    picker.focus()
    for _ in range(20):  # arrow down through the list until the user task is chosen
        if picker.input_value() == "review":
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("#bio-properties-panel-id")).to_have_value("review")
    for _ in range(15):  # Tab from the list into the panel's name field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "bio-properties-panel-name":
            break
    expect(page.locator("#bio-properties-panel-name")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Review by keyboard")
    page.locator("#deploy").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(f"已部署版本 {version + 1}。")
    assert 'name="Review by keyboard"' in latest(live, "simple_review")["bpmn_xml"]


def test_a_bad_timer_typed_in_the_panel_is_shown_on_its_element(live, page):  # type: ignore[no-untyped-def]
    before = latest(live, "negative_review")["version"]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page, "negative_review")
    select(page, "no_response_48h")
    page.locator("#bio-properties-panel-timerEventDefinitionValue").fill("PT48H")  # unquoted
    page.get_by_role("button", name="部署新版本").click()
    problems = page.locator("#problems")
    expect(problems.locator('li[data-element-id="no_response_48h"]')).to_be_visible()
    expect(page.locator('.djs-element[data-element-id="no_response_48h"]')).to_have_class(
        re.compile("has-problem"))
    assert latest(live, "negative_review")["version"] == before


def test_multi_instance_collections_survive_and_are_edited_in_the_panel(live, page):  # type: ignore[no-untyped-def]
    """Spiff names a loop's collection by variable, which bpmn-js alone would drop on save;
    the panel shows and edits it like any property."""
    before = latest(live, "customer_care")
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    open_modeler(page, "customer_care")
    expect(page.locator("#import-warnings")).to_be_hidden()
    select(page, "birthday_greeting")
    collection = page.get_by_label("输入集合")
    expect(collection).to_have_value("birthday_customers")
    expect(page.get_by_label("元素变量")).to_have_value("birthday_customer")
    expect(page.get_by_label("输出集合")).to_have_value("greeting_records")
    collection.fill("vip_birthday_customers")
    page.get_by_label("结果变量").fill("greeting")
    deploy(page, before["version"] + 1)

    xml = latest(live, "customer_care")["bpmn_xml"]
    for ref in ("vip_birthday_customers", "greeting_records", "deep_contact_customers",
                "deep_contact_records"):
        assert f">{ref}</bpmn:loop" in xml, ref
    assert ">birthday_customers<" not in xml
    assert re.search(r'<bpmn:outputDataItem id="greeting" name="greeting" ?/>', xml)
    assert "fdm:" not in xml and "flowdesk.dev/schema/modeler" not in xml  # modeler-only
    assert xml.count("spiffworkflow:scriptsOnInstances") == before["bpmn_xml"].count(
        "spiffworkflow:scriptsOnInstances")
