"""The model problems' catalogues (engine/problem_texts): the same keys and placeholders in
Chinese and English, every key a rule uses exists, a problem keeps its English message and is
said in Chinese from its key, and services' refusals share the one way of saying a code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.errors import InvalidModel
from engine.lint import check_timer_expression, lint_bpmn
from engine.parsing import parse_bundle
from engine.lint_recursion import lint_recursive_calls
from engine.problem_texts import CATALOGUE, en, said, zh
from tests.unsupported_models import REFUSED

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_both_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(zh.TEXTS) == set(en.TEXTS)
    for key, text in en.TEXTS.items():
        assert set(PLACEHOLDER.findall(zh.TEXTS[key])) == set(PLACEHOLDER.findall(text)), key
        words = PLACEHOLDER.sub("", zh.TEXTS[key])
        assert CJK.search(words) or not re.search(r"[A-Za-z]", words), f"{key} is not Chinese"
    assert set(en.WORDS) <= set(zh.WORDS)


def test_every_key_a_rule_uses_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for path in (ROOT / "engine").glob("lint*.py"):
        text = path.read_text()
        used |= set(re.findall(r"problem\(\s*\"([a-z_.]+)\"", text))
        used |= set(re.findall(r"\"((?:timer|recursive_call)\.[a-z_]+)\"", text))
        used |= set(re.findall(r"\": \"(unsupported_[a-z_]+)\"", text))
    assert len(used) > 25, used
    assert used <= set(en.TEXTS), used - set(en.TEXTS)


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_every_refused_model_is_said_in_chinese_with_its_id(case) -> None:  # type: ignore[no-untyped-def]
    found = lint_bpmn(etree.fromstring(case.bpmn()), "r.bpmn", set(), {"refused"}, set())
    assert [(p.code, p.element_id) for p in found] == [(case.code, case.element_id)]
    chinese = said(found[0], "zh")
    assert CJK.search(chinese) and f"「{found[0].params['label']}」" in chinese
    assert "{" not in chinese and said(found[0], "en") == found[0].message


def test_a_problem_keeps_its_english_and_nested_reasons_are_said_too() -> None:
    xml = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
           '<bpmn:process id="p"><bpmn:userTask id="u" name="Check"/>'
           '<bpmn:intermediateCatchEvent id="w" name="Wait"><bpmn:timerEventDefinition>'
           '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
           '</bpmn:intermediateCatchEvent><bpmn:callActivity id="c" calledElement="p"/>'
           '</bpmn:process></bpmn:definitions>')
    root = etree.fromstring(xml.encode())
    found = {p.code: p for p in lint_bpmn(root, "m.bpmn", set(), {"p"}, set())
             + lint_recursive_calls({"m.bpmn": root})}
    assert found["unassigned_user_task"].message.startswith("User task 'Check' is in no lane")
    assert said(found["unassigned_user_task"], "zh").startswith("用户任务「Check」不在任何泳道中")
    assert found["invalid_timer"].message == (
        "Timer 'Wait': the timeDuration expression PT1H is not quoted. Timer expressions are "
        "Python, so an ISO 8601 value must be a string: \"PT1H\".")
    assert said(found["invalid_timer"], "zh").startswith("定时器「Wait」：timeDuration 表达式 PT1H 没有加引号")
    assert found["recursive_call"].message.startswith("Call activity 'c' in process 'p' calls itself:")
    assert "调用了它自己" in said(found["recursive_call"], "zh")
    assert check_timer_expression("", "timeDate") == "the timeDate expression is empty."


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_text_renders_without_a_placeholder_left(lang: str) -> None:
    for key, text in en.TEXTS.items():
        params = {name: "x" for name in PLACEHOLDER.findall(text)}
        params |= {"reason": "unsupported_gateway"} if "reason" in params else {}
        params |= {"how": "recursive_call.itself"} if "how" in params else {}
        assert not PLACEHOLDER.search(CATALOGUE.render(key, params, lang)), key


def test_a_problem_without_a_key_keeps_its_words() -> None:
    from engine.errors import Problem
    assert said(Problem("As it was.", code="not_xml"), "zh") == "As it was."


# the modules that find problems outside the lint rules, each through ``problem(key, ...)``
OUTSIDE_LINT = ("engine/xml_safety.py", "engine/parsing.py", "engine/form_i18n.py",
                "engine/status_profile.py", "engine/start_form.py", "services/definitions.py")


def test_problems_outside_the_lint_rules_have_keys_too() -> None:
    """No module builds a Problem from an English sentence any more (a Chinese designer
    would read English), and every key they use is in the catalogues."""
    used: set[str] = set()
    for name in OUTSIDE_LINT:
        text = (ROOT / name).read_text()
        assert "Problem(" not in text, f"{name} builds a problem without a key"
        used |= set(re.findall(r"problem\(\s*f?\"([a-z_.{}]+)\"", text))
        used |= {f"invalid_user_status.{k}" for k in re.findall(r"bad\(\"([a-z_]+)\"", text)}
        used |= set(re.findall(r"key, params = \"([a-z_.]+)\"", text))
    used.discard("invalid_user_status.{key}")
    assert len(used) > 25, used
    assert used <= set(en.TEXTS), used - set(en.TEXTS)


def _refused(files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidModel) as caught:
        parse_bundle(files)
    return caught.value.problems


THREE_STEPS = ROOT / "tests" / "resources" / "three_steps"


@pytest.mark.parametrize(("files", "code", "english", "chinese"), [
    ({"x.bpmn": b"<a><b></a>"}, "not_xml", "This is not well-formed XML: ", "这不是格式正确的 XML："),
    ({"x.bpmn": b"  "}, "not_xml", "The file is empty.", "文件是空的。"),
    ({"x.bpmn": b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'},
     "forbidden_dtd", "DOCTYPE and ENTITY declarations are not allowed in models (they enable "
     "entity-expansion and external-entity attacks).", "模型中不允许 DOCTYPE 和 ENTITY 声明"),
    ({"notes.txt": b"hello"}, "unsupported_file",
     "Only .bpmn, .dmn and .json (form) files can be deployed.", "只能部署 .bpmn、.dmn 和 .json"),
    ({"step_one.json": b'{"type": "object",'}, "invalid_form", "The form is not valid JSON: ",
     "表单不是有效的 JSON："),
    ({"step_one.json": b'{"type": "object", "required": "note"}'}, "invalid_form",
     "The form is not a valid JSON schema at required: ", "表单在 required 处不是有效的 JSON Schema："),
    ({"step_one.json": b'[]'}, "invalid_form", "The form is not a valid JSON schema at (root): "
     "a form must be a JSON object (a JSON schema)",
     "表单不是有效的 JSON Schema：表单必须是一个 JSON 对象"),
    ({"i18n.en.json": b"[1]"}, "invalid_catalogue", 'A language catalogue is a JSON object with '
     '"tasks" and "forms" objects.', "语言目录必须是一个 JSON 对象"),
    ({"user_status.json": b'{"type_variable": "t"}'}, "invalid_user_status",
     "'transitions' maps each case type to {status: [next statuses]}.", "'transitions' 要把"),
])
def test_problems_before_the_rules_are_said_in_chinese_and_keep_their_english(
        files: dict[str, bytes], code: str, english: str, chinese: str) -> None:
    bundle = {p.name: p.read_bytes() for p in THREE_STEPS.iterdir()} | files
    found = [p for p in _refused(bundle) if p.code == code]
    assert len(found) == 1, _refused(bundle)
    assert found[0].message.startswith(english) and said(found[0], "en") == found[0].message
    assert said(found[0], "zh").startswith(chinese), said(found[0], "zh")
    assert found[0].file == next(iter(files))


def test_which_process_to_start_is_said_in_chinese() -> None:
    xml = (THREE_STEPS / "three_steps.bpmn").read_bytes()
    found = _refused({"a.bpmn": xml.replace(b'isExecutable="true"', b'isExecutable="false"')})
    assert found[0].message == 'No process is marked isExecutable="true".'
    assert said(found[0], "zh") == '没有任何流程标记为 isExecutable="true"。'
    with pytest.raises(InvalidModel) as caught:
        parse_bundle({"a.bpmn": xml}, "elsewhere")
    wrong = caught.value.problems[0]
    assert (wrong.code, wrong.element_id) == ("no_process", "elsewhere")
    assert wrong.message == ("The process 'elsewhere' is not an executable process in this "
                             "deployment (found: three_steps).")
    assert said(wrong, "zh") == "流程「elsewhere」不是本次部署中的可执行流程（找到的是：three_steps）。"


def test_spiffworkflows_own_refusal_is_wrapped_with_its_english_as_detail() -> None:
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    from engine.parsing import _spiff_problem
    exc = ValidationException("Unknown thing 'x'", file_name="m.bpmn")
    found = _spiff_problem(exc, {})
    assert (found.code, found.file, found.message) == (
        "invalid_model", "m.bpmn", "Unknown thing 'x'")
    assert said(found, "zh") == "引擎（SpiffWorkflow）校验模型未通过：Unknown thing 'x'"
    deep = _spiff_problem(ValidationException("RecursionError: too deep"), {})
    assert said(deep, "zh").startswith("流程中连续的元素太多") and "RecursionError" not in deep.message
