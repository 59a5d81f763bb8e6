"""The default words of every notification, in Chinese and English (Jinja2 sources).

Each kind has three parts: ``subject`` (a mail subject, a card title), ``text`` (plain text:
the mail's text part, a Feishu text message) and ``markdown`` (WeCom, DingTalk and Feishu
cards understand this small subset: headings, bold, links, quotes). The variables are those
``templates.render`` puts in the context: case_no, instance_id, process_name, task_name,
task_id, group, due_at (already in the team's time zone), level, reason, link, urgent, and for
a digest ``messages`` (each with subject, text, link) and ``count``. Admins may replace any
part per kind and language (``template_admin``); these stay the fallback.
"""
from __future__ import annotations

from services.notify import events

KINDS = (*events.KINDS, "digest")
LANGUAGES = ("zh", "en")
PARTS = ("subject", "text", "markdown")

# What every message about one case says under its headline (zh, en).
_CASE_ZH = """{% if case_no %}工单：{{ case_no }}
{% endif %}{% if process_name %}流程：{{ process_name }}
{% endif %}{% if task_name %}任务：{{ task_name }}
{% endif %}{% if group %}处理组：{{ group }}
{% endif %}{% if due_at %}截止时间：{{ due_at }}
{% endif %}{% if reason %}原因：{{ reason }}
{% endif %}{% if link %}查看工单：{{ link }}{% endif %}"""

_CASE_EN = """{% if case_no %}Case: {{ case_no }}
{% endif %}{% if process_name %}Process: {{ process_name }}
{% endif %}{% if task_name %}Task: {{ task_name }}
{% endif %}{% if group %}Group: {{ group }}
{% endif %}{% if due_at %}Due: {{ due_at }}
{% endif %}{% if reason %}Reason: {{ reason }}
{% endif %}{% if link %}Open the case: {{ link }}{% endif %}"""

_CASE_MD_ZH = """{% if case_no %}> 工单：**{{ case_no }}**
{% endif %}{% if process_name %}> 流程：{{ process_name }}
{% endif %}{% if task_name %}> 任务：{{ task_name }}
{% endif %}{% if group %}> 处理组：{{ group }}
{% endif %}{% if due_at %}> 截止时间：{{ due_at }}
{% endif %}{% if reason %}> 原因：{{ reason }}
{% endif %}{% if link %}
[查看工单]({{ link }}){% endif %}"""

_CASE_MD_EN = """{% if case_no %}> Case: **{{ case_no }}**
{% endif %}{% if process_name %}> Process: {{ process_name }}
{% endif %}{% if task_name %}> Task: {{ task_name }}
{% endif %}{% if group %}> Group: {{ group }}
{% endif %}{% if due_at %}> Due: {{ due_at }}
{% endif %}{% if reason %}> Reason: {{ reason }}
{% endif %}{% if link %}
[Open the case]({{ link }}){% endif %}"""

# kind -> lang -> headline (used in the subject and as the first line of the bodies)
_HEADLINES: dict[str, dict[str, str]] = {
    "assigned_to_me": {
        "zh": "分配给您的任务：{{ task_name or '任务' }}{% if case_no %}（{{ case_no }}）{% endif %}",
        "en": "Assigned to you: {{ task_name or 'a task' }}"
              "{% if case_no %} ({{ case_no }}){% endif %}"},
    "group_queue": {
        "zh": "{{ group or '您的组' }}有新任务：{{ task_name or '任务' }}"
              "{% if case_no %}（{{ case_no }}）{% endif %}",
        "en": "New in {{ group or 'your group' }}'s queue: {{ task_name or 'a task' }}"
              "{% if case_no %} ({{ case_no }}){% endif %}"},
    "sla_warning": {
        "zh": "即将超时：{{ task_name or '任务' }}{% if case_no %}（{{ case_no }}）{% endif %}",
        "en": "Due soon: {{ task_name or 'a task' }}{% if case_no %} ({{ case_no }}){% endif %}"},
    "sla_breach": {
        "zh": "【已超时】{{ task_name or '任务' }}{% if case_no %}（{{ case_no }}）{% endif %}",
        "en": "[Overdue] {{ task_name or 'a task' }}{% if case_no %} ({{ case_no }}){% endif %}"},
    "escalation": {
        "zh": "升级{% if level %}（第 {{ level }} 级）{% endif %}：{{ task_name or '任务' }}"
              "{% if case_no %}（{{ case_no }}）{% endif %}",
        "en": "Escalated{% if level %} (level {{ level }}){% endif %}: "
              "{{ task_name or 'a task' }}{% if case_no %} ({{ case_no }}){% endif %}"},
    "incident": {
        "zh": "流程故障{% if case_no %}（{{ case_no }}）{% endif %}：{{ process_name or '流程' }}",
        "en": "Incident{% if case_no %} ({{ case_no }}){% endif %}: "
              "{{ process_name or 'a process' }}"},
    "mentioned": {
        "zh": "有人提到了您{% if case_no %}（{{ case_no }}）{% endif %}",
        "en": "You were mentioned{% if case_no %} ({{ case_no }}){% endif %}"},
}

_DIGEST = {
    "zh": {
        "subject": "{{ count }} 条通知汇总",
        "text": "非工作时间收到的 {{ count }} 条通知：\n"
                "{% for m in messages %}\n- {{ m.subject }}{% if m.link %}\n  {{ m.link }}"
                "{% endif %}{% endfor %}"
                "{% if more %}\n…另有 {{ more }} 条{% endif %}",
        "markdown": "### {{ count }} 条通知汇总\n"
                    "{% for m in messages %}\n- {% if m.link %}[{{ m.subject }}]({{ m.link }})"
                    "{% else %}{{ m.subject }}{% endif %}{% endfor %}"
                    "{% if more %}\n…另有 {{ more }} 条{% endif %}",
    },
    "en": {
        "subject": "{{ count }} notification{{ 's' if count != 1 else '' }}",
        "text": "{{ count }} notification{{ 's' if count != 1 else '' }} while you were away:\n"
                "{% for m in messages %}\n- {{ m.subject }}{% if m.link %}\n  {{ m.link }}"
                "{% endif %}{% endfor %}"
                "{% if more %}\n... and {{ more }} more{% endif %}",
        "markdown": "### {{ count }} notification{{ 's' if count != 1 else '' }}\n"
                    "{% for m in messages %}\n- {% if m.link %}[{{ m.subject }}]({{ m.link }})"
                    "{% else %}{{ m.subject }}{% endif %}{% endfor %}"
                    "{% if more %}\n... and {{ more }} more{% endif %}",
    },
}


def default(kind: str, lang: str) -> dict[str, str]:
    """The default sources of ``kind`` in ``lang``: {"subject", "text", "markdown"}."""
    if kind == "digest":
        return dict(_DIGEST[lang])
    headline = _HEADLINES[kind][lang]
    case, case_md = (_CASE_ZH, _CASE_MD_ZH) if lang == "zh" else (_CASE_EN, _CASE_MD_EN)
    return {"subject": headline, "text": headline + "\n\n" + case,
            "markdown": "### " + headline + "\n" + case_md}
