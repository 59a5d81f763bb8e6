"""The model problems' catalogues (engine/problem_texts): the same keys and placeholders in
Chinese and English, every key a rule uses exists, a problem keeps its English message and is
said in Chinese from its key, and services' refusals share the one way of saying a code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.lint import check_timer_expression, lint_bpmn
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
        assert "{" not in CATALOGUE.render(key, params, lang), key


def test_a_problem_without_a_key_keeps_its_words() -> None:
    from engine.errors import Problem
    assert said(Problem("As it was.", code="not_xml"), "zh") == "As it was."
