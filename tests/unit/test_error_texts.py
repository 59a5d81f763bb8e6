"""The refusals' catalogues: the same codes and placeholders in Chinese and English, every coded
raise in the services names a code that exists, a refusal says itself in either language
while its ``detail`` stays English, and marshmallow's field messages have Chinese words."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from marshmallow import ValidationError, fields, validate

from api import language
from services import error_texts
from services.error_texts import en, zh
from services.errors import Conflict, Forbidden, Throttled, coded_field

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_both_catalogues_have_the_same_codes_and_placeholders() -> None:
    assert set(zh.TEXTS) == set(en.TEXTS)
    for code, text in en.TEXTS.items():
        # Chinese may leave a detail out (an English one from a library), never add one
        assert set(PLACEHOLDER.findall(zh.TEXTS[code])) <= set(PLACEHOLDER.findall(text)), code
    assert not [code for code, text in zh.TEXTS.items()
                if re.search(r"[A-Za-z]{4,}", PLACEHOLDER.sub("", text))
                and "api/v1" not in text and "flowdesk" not in text
                and not re.search(r"[\u4e00-\u9fff]", text)], "a Chinese text in English"


def test_every_code_raised_in_the_services_is_in_the_catalogue() -> None:
    used = set()
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"\.(?:of|after)\(\s*\"([a-z_.]+)\"", text))
        used |= set(re.findall(r"coded_field\([^)]*?\"(field\.[a-z_]+)\"", text))
        used |= set(re.findall(r"\"(group\.doing\.[a-z_]+)\"", text))
    assert used, "no coded raise found"
    assert used <= set(en.TEXTS), used - set(en.TEXTS)


def test_a_refusal_is_english_in_detail_and_chinese_when_asked() -> None:
    refusal = Conflict.of("task.claimed", task=5, user="li")
    assert refusal.detail == str(refusal) == "Task 5 is already claimed by 'li'."
    assert refusal.said_in("zh") == "任务 5 已被「li」认领。"
    assert refusal.said_in("en") == refusal.detail
    assert (refusal.code, refusal.params) == ("task.claimed", {"task": 5, "user": "li"})


def test_states_lists_and_nested_codes_are_said_in_the_language() -> None:
    ended = Conflict.of("instance.already_ended", instance=7, status="completed")
    assert ended.detail == "Instance 7 is already completed."
    assert "「已完成」" in ended.said_in("zh")
    role = Forbidden.of("role.required", roles=["admin"], user="agent", has=[])
    assert role.detail.endswith("'agent' has none.") and role.said_in("zh").endswith("：无。")
    nested = Forbidden.of("group.designers_only", group="cs", user="d", process="p",
                          doing="group.doing.deploy")
    assert "deploy a new version of 'p'" in nested.detail
    assert "部署「p」的新版本" in nested.said_in("zh")


def test_an_uncoded_refusal_keeps_its_words_and_field_errors_carry_codes() -> None:
    plain = Conflict("As it was.")
    assert plain.said_in("zh") == "As it was." and plain.code is None
    field = coded_field("q", "field.length_between", "query", max=200)
    assert field == {"field": "q", "code": "field.length_between", "params": {"max": 200},
                     "message": "1 to 200 characters", "location": "query"}
    assert error_texts.known("field.length_between") and not error_texts.known("required")
    named = coded_field("warning", "field.put_missing", field="warning")  # a parameter "field"
    assert named["field"] == "warning" and named["message"].startswith("warning is missing")


@pytest.mark.parametrize("lang", ["zh", "en", "fr"])
def test_every_text_renders_without_a_placeholder_left(lang: str) -> None:
    for code, text in en.TEXTS.items():
        params = {name: "x" for name in PLACEHOLDER.findall(text)}
        if "doing" in params:
            params["doing"] = "group.doing.deploy"
            params["process"] = "p"
        assert "{" not in error_texts.render(code, params, lang), code


def test_a_throttle_is_coded_too() -> None:
    slowed = Throttled.after(30, "auth.throttled", wait=30)
    assert slowed.retry_after == 30 and "try again in 30 second" in slowed.detail
    assert "30 秒后再试" in slowed.said_in("zh")


@pytest.mark.parametrize(("check", "value"), [
    (validate.Length(min=1, max=5), "abcdefg"), (validate.Length(equal=3), "ab"),
    (validate.Length(max=2), "abc"), (validate.Length(min=2), "a"),
    (validate.Range(min=1), 0), (validate.Range(max=5), 9), (validate.Range(1, 5), 9),
    (validate.Range(min=0, min_inclusive=False), 0), (validate.Range(max=5, max_inclusive=False), 5),
    (validate.Range(1, 5, min_inclusive=False), 1), (validate.Range(1, 5, max_inclusive=False), 5),
    (validate.Range(max=timedelta(days=3660)), timedelta(days=4000)),
    (validate.OneOf(["a", "b"]), "c"), (validate.Email(), "x"), (validate.URL(), "x"),
    (validate.ContainsOnly(["a"]), ["z"]), (validate.Equal(3), 2), (validate.Regexp("x"), "y"),
    (validate.NoneOf(["a"]), "a"),
])
def test_marshmallows_messages_are_chinese_with_a_code(check, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as raised:
        check(value)
    for message in raised.value.messages:
        code, said = language.field_message(message)  # outside a request: Chinese
        assert code and re.search(r"[\u4e00-\u9fff]", said), (message, said)


@pytest.mark.parametrize("field", [fields.Int(), fields.Str(), fields.Bool(), fields.DateTime(),
                                   fields.Date(), fields.UUID(), fields.List(fields.Int()),
                                   fields.Dict(), fields.Float(), fields.Email(), fields.Url(),
                                   fields.TimeDelta(), fields.Time()])
def test_a_wrong_type_is_said_in_chinese(field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as raised:
        field.deserialize("x" if not isinstance(field, (fields.Str, fields.List, fields.Dict))
                          else 1)
    code, said = language.field_message(raised.value.messages[0])
    assert code and re.search(r"[\u4e00-\u9fff]", said), said


def test_a_code_no_catalogue_has_is_said_as_the_code_not_a_crash() -> None:
    from services.error_texts import render
    assert render("no.such.code", {"task": 5}, "zh") == "no.such.code task=5"


def test_our_bounded_integers_say_their_range_in_chinese() -> None:
    """api.fields.BoundedInt's own message (an id or page past 32 bits): Chinese, coded."""
    from api.fields import BoundedInt
    with pytest.raises(ValidationError) as raised:
        BoundedInt().deserialize(2 ** 40)
    code, said = language.field_message(raised.value.messages[0])
    assert code == "range" and "-2147483648 到 2147483647 之间的整数" in said, said
