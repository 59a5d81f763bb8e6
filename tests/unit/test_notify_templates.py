"""Notification wording: Chinese and English defaults with the case's facts and link, the due
time in the team's zone, a sandbox that refuses escapes, and output bounded."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.notify import templates
from services.notify.templates import KINDS, Message, TemplateFailed, html_body, render
from services.settings import Settings

CASE = {"case_no": "TS202601050001", "instance_id": 42, "process_name": "投诉处理",
        "task_name": "受理投诉", "task_id": 7, "group": "前台客服",
        "due_at": datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc), "reason": "超过 4 小时"}


class _Fd:
    """Just the settings render reads (no database: no override is looked up without fd)."""

    def __init__(self, **values: str) -> None:
        self.settings = Settings.from_mapping(values)


def test_a_breach_in_chinese_has_the_case_due_time_in_shanghai_and_the_link() -> None:
    message = render("sla_breach", "zh", CASE)
    assert message.subject == "【已超时】受理投诉（TS202601050001）"
    assert "截止时间：2026-01-05 17:30" in message.text  # 09:30 UTC is 17:30 in Shanghai
    assert "处理组：前台客服" in message.text and "原因：超过 4 小时" in message.text
    assert message.link == "http://127.0.0.1:5000/cases/42"
    assert "[查看工单](http://127.0.0.1:5000/cases/42)" in message.markdown
    assert message.urgent and message.lang == "zh"


def test_english_and_the_settings_base_url_and_time_zone() -> None:
    fd = _Fd(base_url="https://flowdesk.example.com/", timezone="Europe/Berlin")
    message = templates.template_values("escalation", {**CASE, "level": 2}, fd)  # type: ignore[arg-type]
    assert message["link"] == "https://flowdesk.example.com/cases/42"
    assert message["due_at"] == "2026-01-05 10:30"
    english = render("escalation", "en", {**CASE, "escalation_level": 2})
    assert english.subject == "Escalated (level 2): 受理投诉 (TS202601050001)"
    assert "Due: 2026-01-05 17:30" in english.text and not english.urgent
    assert render("sla_breach", "fr", CASE).lang == "zh"  # an unknown language: Chinese


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_renders_in_both_languages_with_little_context(kind: str, lang: str) -> None:
    message = render(kind, lang, {"messages": []} if kind == "digest" else {})
    assert message.subject and message.text and message.markdown and message.link is None
    with pytest.raises(ValueError):
        render("no_such_kind", lang, {})


def test_a_digest_lists_its_messages_and_counts_the_rest() -> None:
    one = render("sla_breach", "zh", CASE)
    digest = render("digest", "zh", {"messages": [one] * (templates.MAX_DIGEST_ITEMS + 2)})
    assert digest.subject == f"{templates.MAX_DIGEST_ITEMS + 2} 条通知汇总"
    assert digest.text.count(one.subject) == templates.MAX_DIGEST_ITEMS
    assert "另有 2 条" in digest.text and digest.urgent
    assert "[【已超时】受理投诉（TS202601050001）](http://127.0.0.1:5000/cases/42)" in \
        digest.markdown


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ case_no.__init__.__globals__ }}",
    "{{ messages.append(1) }}",
    "{{ cycler.__init__.__globals__.os }}",
])
def test_the_sandbox_refuses_escapes(source: str) -> None:
    with pytest.raises(TemplateFailed) as failed:
        templates.render_sources({"subject": source, "text": "x", "markdown": "x"},
                                 {"case_no": "TS1", "messages": []})
    assert failed.value.part == "subject" and failed.value.line == 1


@pytest.mark.parametrize("source", [
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 99999999 }}",
    "{% for i in range(99999) %}{% for j in range(99999) %}xx{% endfor %}{% endfor %}",
    "{{ 'x'|center(999999999) }}",
])
def test_output_is_bounded(source: str) -> None:
    with pytest.raises(TemplateFailed):
        templates.render_sources({"subject": "s", "text": source, "markdown": "m"}, {})


def test_a_syntax_error_or_a_runtime_error_names_its_line() -> None:
    with pytest.raises(TemplateFailed) as syntax:
        templates.check_source("markdown", "line one\nline two\n{{ case_no }")
    assert syntax.value.line == 3 and syntax.value.part == "markdown"
    with pytest.raises(TemplateFailed) as unclosed:  # the line of the block left open
        templates.check_source("text", "line one\n{% if case_no %}\nno end")
    assert unclosed.value.line == 2
    with pytest.raises(TemplateFailed) as runtime:
        templates.render_sources({"subject": "s", "text": "a\nb\n{{ 1 / 0 }}", "markdown": "m"},
                                 {})
    assert runtime.value.line == 3 and "ZeroDivisionError" in runtime.value.reason
    with pytest.raises(TemplateFailed) as unknown:
        templates.render_sources({"subject": "{{ customer_phone }}", "text": "t",
                                  "markdown": "m"}, {})
    assert "customer_phone" in unknown.value.reason


def test_the_html_part_escapes_what_the_case_says() -> None:
    message = render("sla_breach", "zh", {**CASE, "reason": "<script>alert(1)</script>"})
    html = html_body(message)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="http://127.0.0.1:5000/cases/42">查看工单</a>' in html
    assert isinstance(message, Message) and message.as_dict()["link"] == message.link
