"""The words of a notification: ``render(kind, lang, context, fd)`` gives a ``Message``.

Templates are Jinja2 run in an immutable sandbox (``jinja2.sandbox``): a template reads the
context it is given and nothing else (no private or dunder attributes, so ``''.__class__`` and
its kin fail; no changing lists or dicts), integer powers and repetitions are bounded and the
output of each part is capped (``MAX_PART_CHARS``), so an admin's template cannot take the
sender down. Plain text and markdown are not escaped (they are not HTML); the e-mail's HTML
part (``html_body``) is rendered with autoescape, so a customer's ``<script>`` in a reason stays
text.

The defaults are in ``template_texts``; an admin's override per kind and language is read from
``notification_templates`` when ``fd`` is given. An override that fails at send time (it was
valid with the sample context, but a real one differs) falls back to the default, logged, so a
message still goes out.
"""
from __future__ import annotations

import logging
import math
import operator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from services.notify import template_texts
from services.notify.events import URGENT_KINDS
from services.notify.template_texts import KINDS, LANGUAGES, PARTS

if TYPE_CHECKING:
    from services.context import Flowdesk

log = logging.getLogger("flowdesk.notify")

MAX_PART_CHARS = 20_000  # one part's output; a WeCom markdown message takes 4,096 bytes
MAX_SOURCE_CHARS = 10_000  # one part's template source
MAX_DIGEST_ITEMS = 50  # listed in one digest; the rest are counted ("… and 12 more")
MAX_POWER = 10**12  # the largest number ``**`` may make
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DUE_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Message:
    """One notification as the channels carry it; ``link`` is the case page's absolute URL."""

    subject: str
    text: str
    markdown: str
    link: str | None
    urgent: bool
    lang: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TemplateFailed(Exception):
    """A template that does not parse or render: ``part`` (subject, text, markdown), ``line``
    (1-based, or None when Jinja does not know it) and Jinja's own ``reason``."""

    def __init__(self, part: str, line: int | None, reason: str) -> None:
        super().__init__(f"{part}, line {line}: {reason}" if line else f"{part}: {reason}")
        self.part = part
        self.line = line
        self.reason = reason


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` checked before they run (the sandbox lets them
    through: ``'x' * 10**10`` would fill memory before any output cap could act)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if (isinstance(left, (int, float)) and isinstance(right, (int, float))
                    and abs(left) > 1 and right > 0
                    and right * math.log10(abs(left)) > math.log10(MAX_POWER)):
                raise SecurityError("the power is too large")
            return operator.pow(left, right)
        sized = [v for v in (left, right) if isinstance(v, (str, list, tuple))]
        count = [v for v in (left, right) if isinstance(v, int)]
        if sized and count and len(sized[0]) * count[0] > MAX_PART_CHARS:
            raise SecurityError("the repetition is too long")
        return operator.mul(left, right)


# StrictUndefined: a name the context lacks, or an attribute the sandbox refuses, is an error
# (at save time a 422 naming the line) rather than silently empty.
_PLAIN = _Environment(autoescape=False, undefined=StrictUndefined)
_HTML = _Environment(autoescape=True, undefined=StrictUndefined)
# Filters that pad to a width the template chooses would allocate it before the cap acts.
for _environment in (_PLAIN, _HTML):
    for _name in ("center", "indent", "wordwrap", "format"):
        _environment.filters.pop(_name, None)

_HTML_BODY = _HTML.from_string(
    '<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8">'
    "<title>{{ subject }}</title></head><body>"
    '<h2{% if urgent %} style="color:#c0392b"{% endif %}>{{ subject }}</h2>'
    "{% for line in lines %}<p>{{ line }}</p>{% endfor %}"
    '{% if link %}<p><a href="{{ link }}">{{ link_label }}</a></p>{% endif %}'
    "</body></html>")


def check_source(part: str, source: str) -> None:
    """Parse one part's source; TemplateFailed names the line of a syntax error."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateFailed(part, None, f"longer than {MAX_SOURCE_CHARS} characters")
    try:
        _PLAIN.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateFailed(part, exc.lineno, exc.message or str(exc)) from None


def render_sources(sources: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    """Each part rendered with ``values``; TemplateFailed on the first that fails."""
    out = {}
    for part in PARTS:
        check_source(part, sources[part])
        try:
            out[part] = _capped(part, _PLAIN.from_string(sources[part]), values)
        except TemplateFailed:
            raise
        except TemplateError as exc:
            raise TemplateFailed(part, getattr(exc, "lineno", None) or _line_of(exc),
                                 str(exc)) from None
        except Exception as exc:  # a template's own arithmetic: 1/0, int('x')
            raise TemplateFailed(part, _line_of(exc), f"{type(exc).__name__}: {exc}") from None
    return out


def render(kind: str, lang: str, context: dict, fd: Flowdesk | None = None) -> Message:
    """The message of ``kind`` (one of ``KINDS``) in ``lang`` (zh, else en) for ``context``.

    ``context`` holds the case's facts (see ``template_texts``); ``due_at`` is an aware
    datetime, shown in the installation's time zone; ``link`` is made from ``instance_id`` and
    ``FLOWDESK_BASE_URL`` when absent. A digest's context has ``messages``: Message objects
    (or dicts with subject, text, link). With ``fd``, an admin's override is used."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    lang = lang if lang in LANGUAGES else "zh"
    values = template_values(kind, context, fd)
    sources = template_texts.default(kind, lang)
    override = _override(fd, kind, lang) if fd is not None else None
    parts = None
    if override is not None:
        try:
            parts = render_sources(override, values)
        except TemplateFailed as exc:
            log.warning("notification template %s/%s failed (%s); the default is used",
                        kind, lang, exc)
    if parts is None:
        parts = render_sources(sources, values)
    return Message(subject=" ".join(parts["subject"].split())[:500], text=parts["text"],
                   markdown=parts["markdown"], link=values["link"], urgent=values["urgent"],
                   lang=lang)


def template_values(kind: str, context: dict, fd: Flowdesk | None = None) -> dict[str, Any]:
    """What a template sees: the context with due_at formatted, link made, urgency set."""
    settings = fd.settings if fd is not None else None
    zone = ZoneInfo(getattr(settings, "timezone", None) or "Asia/Shanghai")
    base = (getattr(settings, "base_url", None) or DEFAULT_BASE_URL).rstrip("/")
    values = {name: context.get(name) for name in (
        "case_no", "instance_id", "process_name", "task_name", "task_id", "group", "reason")}
    values["level"] = context.get("level", context.get("escalation_level"))
    due = context.get("due_at")
    values["due_at"] = (due.astimezone(zone).strftime(DUE_FORMAT)
                        if isinstance(due, datetime) and due.tzinfo else due or None)
    link = context.get("link")
    if not link and context.get("instance_id") is not None:
        link = f"{base}/cases/{int(context['instance_id'])}"
    values["link"] = link or None
    values["urgent"] = bool(context.get("urgent", kind in URGENT_KINDS))
    if kind == "digest":
        items = [m.as_dict() if isinstance(m, Message) else dict(m)
                 for m in context.get("messages") or []]
        values["messages"] = [{k: item.get(k) for k in ("subject", "text", "link")}
                              for item in items[:MAX_DIGEST_ITEMS]]
        values["count"] = len(items)
        values["more"] = max(0, len(items) - MAX_DIGEST_ITEMS)
        values["urgent"] = bool(context.get("urgent", any(i.get("urgent") for i in items)))
    return values


def html_body(message: Message) -> str:
    """The e-mail's HTML part: the plain text, escaped, one paragraph per line, and the link."""
    lines = [line for line in message.text.splitlines()
             if line.strip() and not (message.link and message.link in line)]
    label = "查看工单" if message.lang == "zh" else "Open the case"
    return _HTML_BODY.render(lang=message.lang, subject=message.subject, lines=lines[1:],
                             link=message.link, link_label=label, urgent=message.urgent)


def sample_context(kind: str) -> dict[str, Any]:
    """A full context to try a template on before it is saved."""
    from datetime import timezone
    case = {"case_no": "TS202601050001", "instance_id": 1, "process_name": "投诉处理",
            "task_name": "受理投诉", "task_id": 1, "group": "前台客服",
            "due_at": datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc), "level": 1,
            "reason": "超过 4 小时未处理"}
    if kind == "digest":
        return {"messages": [Message("受理投诉（TS202601050001）", "…", "…",
                                     DEFAULT_BASE_URL + "/cases/1", False, "zh")]}
    return case


def _override(fd: Flowdesk, kind: str, lang: str) -> dict[str, str] | None:
    from services.notify.template_admin import stored
    return stored(fd, kind, lang)


def _capped(part: str, template: Any, values: dict[str, Any]) -> str:
    chunks: list[str] = []
    size = 0
    for chunk in template.generate(values):
        size += len(chunk)
        if size > MAX_PART_CHARS:
            raise TemplateFailed(part, None, f"the output is longer than {MAX_PART_CHARS} "
                                             "characters")
        chunks.append(chunk)
    return "".join(chunks)


def _line_of(exc: BaseException) -> int | None:
    """The template line a runtime error happened on, from Jinja's rewritten traceback."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
