"""Durations as people type and read them: ``4 小时``, ``2 个工作日``, ``30 分钟``, ``4 hours``,
``2 business days``; ISO 8601 (``PT4H``) is accepted too.

An SLA duration is *business time* of the policy's calendar (``engine.sla``): ``PT24H`` under
a 09:00–18:00 calendar is 24 open hours, i.e. about three working days, not one. So a "day"
here means what the engine means by ``P1D``, 24 hours of counted time, and is only offered for
wall-clock policies (no calendar), where it is a calendar day. A **working day** (``工作日``,
``business day``) is the calendar's open time on a normal working day (``workday_length``),
e.g. 9 hours for 09:00–18:00; it needs a calendar. The stored form stays ISO 8601, so a
policy's meaning does not change when the calendar's hours do later: ``2 个工作日`` is saved
as ``PT18H`` and shown again as ``2 个工作日`` while a working day is 9 hours.
Pure: no I/O, no wall clock.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from engine.sla_policy import format_duration, parse_duration

ZERO = timedelta(0)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

# unit word → (seconds, is a working day); longest words first so "个工作日" wins over "日".
_UNITS: dict[str, tuple[int, bool]] = {}
for words, seconds, workday in (
        (("个工作日", "工作日", "business days", "business day", "working days", "working day",
          "workdays", "workday"), 0, True),
        (("天", "日", "days", "day", "d"), 86400, False),
        (("个小时", "小时", "时", "hours", "hour", "hrs", "hr", "h"), 3600, False),
        (("分钟", "分", "minutes", "minute", "mins", "min", "m"), 60, False),
        (("秒钟", "秒", "seconds", "second", "secs", "sec", "s"), 1, False)):
    for word in words:
        _UNITS[word] = (seconds, workday)
_UNIT_RE = "|".join(re.escape(w) for w in sorted(_UNITS, key=len, reverse=True))
_PART = re.compile(rf"\s*(\d+(?:\.\d+)?)\s*({_UNIT_RE})\s*(?:and\s+|又\s*|,\s*|，\s*)?",
                   re.IGNORECASE)

_WORDS = {
    "zh": {"workday": "个工作日", "day": "天", "hour": "小时", "minute": "分钟", "second": "秒",
           "sep": " "},
    "en": {"workday": ("business day", "business days"), "day": ("day", "days"),
           "hour": ("hour", "hours"), "minute": ("minute", "minutes"),
           "second": ("second", "seconds"), "sep": " "},
}


class DurationInvalid(ValueError):
    """Text that is neither a duration as people say it nor ISO 8601; ``code`` says which
    problem (``unreadable``, ``workday_needs_calendar``), ``text`` is what was typed."""

    def __init__(self, code: str, text: object) -> None:
        self.code, self.text = code, text
        if code == "workday_needs_calendar":
            message = (f"{text!r} counts working days, which need a calendar; "
                       "give hours or days for wall-clock time.")
        else:
            message = (f"{text!r} is not a duration such as \"4 小时\", \"2 个工作日\", "
                       "\"30 分钟\", \"4 hours\" or ISO 8601 \"PT4H\".")
        super().__init__(message)


def workday_length(calendar: dict[str, Any] | None) -> timedelta | None:
    """Open time of a normal working day of a calendar's JSON form: the most common non-zero
    Monday–Friday total (24 hours for a 24x7 calendar); None without a calendar or hours."""
    if calendar is None:
        return None
    if calendar.get("mode") == "24x7":
        return timedelta(hours=24)
    windows = calendar.get("windows") or {}
    totals = Counter()
    for day in WEEKDAYS:
        minutes = sum(_minutes(end) - _minutes(start) + (1440 if _minutes(end) <= _minutes(start)
                                                         else 0)
                      for start, end in windows.get(day) or [])
        if minutes > 0:
            totals[minutes] += 1
    if not totals:
        return None
    return timedelta(minutes=totals.most_common(1)[0][0])


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def parse(text: object, workday: timedelta | None = None) -> timedelta:
    """As ``_parse``, with a number too large for any duration refused as unreadable."""
    try:
        return _parse(text, workday)
    except OverflowError:
        raise DurationInvalid("unreadable", text) from None


def _parse(text: object, workday: timedelta | None = None) -> timedelta:
    """``4 小时``, ``1 小时 30 分钟``, ``2 个工作日``, ``2 business days``, ``30 min`` or ISO 8601.

    ``workday`` is the policy calendar's working day (``workday_length``); without one,
    working days are refused (wall-clock time has no working day)."""
    if not isinstance(text, str) or not text.strip():
        raise DurationInvalid("unreadable", text)
    s = text.strip()
    if s.upper().startswith("P"):
        try:
            return parse_duration(s)
        except ValueError:
            raise DurationInvalid("unreadable", text) from None
    total, pos = ZERO, 0
    for match in _PART.finditer(s):
        if match.start() != pos:
            break
        number, unit = float(match[1]), match[2].lower()
        seconds, is_workday = _UNITS[unit] if unit in _UNITS else _UNITS[match[2]]
        if is_workday:
            if workday is None:
                raise DurationInvalid("workday_needs_calendar", text)
            total += workday * number
        else:
            total += timedelta(seconds=seconds * number)
        pos = match.end()
    if pos != len(s) or pos == 0:
        raise DurationInvalid("unreadable", text)
    return total  # to the microsecond, as ISO 8601's "PT0.5S" and BPMN timers are


def to_iso(text: object, workday: timedelta | None = None) -> str:
    """What a typed duration is stored as: canonical ISO 8601."""
    return format_duration(parse(text, workday))


def describe(value: timedelta | str, lang: str = "zh", workday: timedelta | None = None) -> str:
    """How a duration is shown: whole working days when the calendar has them (and the
    duration is a multiple of one), else days (wall-clock only), hours, minutes, seconds."""
    td = parse_duration(value) if isinstance(value, str) else value
    words = _WORDS["en" if lang == "en" else "zh"]
    if td <= ZERO:
        return _say(0, "minute", words, lang)
    if workday and workday > ZERO and td % workday == ZERO:
        return _say(td // workday, "workday", words, lang)
    parts, rest = [], int(td.total_seconds())
    units = ((3600, "hour"), (60, "minute"), (1, "second"))
    if workday is None:
        units = ((86400, "day"),) + units
    for size, unit in units:
        count, rest = divmod(rest, size)
        if size == 1 and td.microseconds:  # "PT0.5S", "1.5 秒": the fraction is shown
            count = f"{count}.{td.microseconds:06d}".rstrip("0")
        if count:
            parts.append(_say(count, unit, words, lang))
    return " ".join(parts)


def _say(count: int | str, unit: str, words: dict, lang: str) -> str:
    word = words[unit]
    if lang == "en":
        return f"{count} {word[0] if count == 1 else word[1]}"
    return f"{count} {word}"
