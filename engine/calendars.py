"""Business calendars: when a team is at work, and how much working time lies between instants.

SLA deadlines ("answer within 10 working hours") are computed here. A calendar is a weekly
template of local opening windows plus public holidays (the ``holidays`` package), the
country's make-up working days (China's 调休) and the calendar's own closed and open days.
All arithmetic happens on UTC instants obtained by converting each day's local window bounds,
so a duration always means real elapsed seconds, whatever daylight-saving time does.
Pure: no wall clock, no I/O beyond the ``holidays`` package's static tables.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice, takewhile
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from engine.errors import EngineError
from engine.holiday_data import country_year

UTC = timezone.utc
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KEYS = ("title", "timezone", "mode", "windows", "country", "extra_holidays", "extra_workdays",
         "makeup_windows")
TITLE_MAX = 100
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Searching further than this for open time means the calendar can never open: fail, don't spin.
_SEARCH_DAYS = 3 * 366
# No answer lies further ahead than this: a walk of more calendar days (a huge duration, or a
# calendar open a few hours a year) gives up, so no caller is held for long.
HORIZON_DAYS = 10 * 366

# (start, end) in minutes after the local midnight of the day the window starts on. An end
# beyond 1440 crosses midnight: the window belongs to (and opens or not with) its start day.
Window = tuple[int, int]
Interval = tuple[datetime, datetime]


class CalendarInvalid(EngineError):
    """A calendar definition is unusable; ``errors`` lists every problem as {field, message}."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


def _minute(value: Any, end: bool) -> int | None:
    """Minutes after midnight of an "HH:MM" string; "24:00" only as an end. None if malformed."""
    if end and value == "24:00":
        return 1440
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    return int(match[1]) * 60 + int(match[2]) if match else None


def _hhmm(minute: int) -> str:
    return "24:00" if minute == 1440 else f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _pair(window: tuple[Any, ...]) -> list[str]:
    """Back to ["HH:MM", "HH:MM"]; a window crossing midnight shows its next-day end."""
    return [_hhmm(window[0]), _hhmm(window[1] if window[1] <= 1440 else window[1] - 1440)]


def _span(window: tuple[Any, ...]) -> str:
    return "–".join(_pair(window))


def _as_utc(t: datetime, name: str) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {t!r}")
    return t.astimezone(UTC)


class BusinessCalendar:
    """Opening hours of a team; build it with ``from_dict`` (validating) or ``wall_clock()``."""

    def __init__(self, timezone: str, mode: str = "business",
                 week: Sequence[Sequence[Window]] = ((),) * 7, country: str | None = None,
                 extra_holidays: frozenset[date] = frozenset(),
                 extra_workdays: frozenset[date] = frozenset(),
                 makeup_windows: Sequence[Window] | None = None, title: str = "") -> None:
        """Takes already validated values; ``week`` holds Monday..Sunday's windows;
        ``makeup_windows``: the hours of make-up working days (调休) and extra workdays, when
        the team works other hours on them (None: the hours of the weekday they replace);
        ``title``: what people call it (白班, 回访时段), shown instead of its key."""
        self.timezone, self.mode, self.country = timezone, mode, country
        self.title = title
        self.extra_holidays, self.extra_workdays = extra_holidays, extra_workdays
        self._makeup = tuple(sorted(makeup_windows)) if makeup_windows is not None else None
        self._tz = ZoneInfo(timezone)
        self._week: tuple[tuple[Window, ...], ...] = tuple(tuple(sorted(w)) for w in week)
        # Extra workdays on a day without windows, and make-up days, need some normal day's hours.
        self._fallback = self._week[0] or next((w for w in self._week if w), ())
        self._days: dict[date, tuple[Interval, ...]] = {}

    @classmethod
    def wall_clock(cls) -> BusinessCalendar:
        """Always open, in UTC: business time is plain elapsed time."""
        return cls("UTC", "24x7")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Validate the stored JSON form; raise CalendarInvalid listing every problem at once."""
        if not isinstance(data, Mapping):
            raise CalendarInvalid([{"field": "", "message": "a calendar must be a JSON object",
                                    "code": "calendar.not_object", "params": {}}])
        errors: list[dict] = []

        def bad(field: str, message: str, code: str = "calendar.invalid", **params: Any) -> None:
            errors.append({"field": field, "message": message, "code": code, "params": params})

        for key in data:
            if key not in _KEYS:
                bad(str(key), f"unknown setting {key!r}; the settings are {', '.join(_KEYS)}",
                    "calendar.unknown_setting", name=str(key))
        tz_name = data.get("timezone")
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
            bad("timezone", (f"unknown time zone {tz_name!r}" if tz_name else "a time zone is required")
                + "; use an IANA name such as 'Asia/Shanghai'", "calendar.timezone",
                value=str(tz_name or ""))
        mode = data.get("mode", "business")
        if mode not in ("business", "24x7"):
            bad("mode", f"mode must be 'business' or '24x7', not {mode!r}", "calendar.mode",
                value=str(mode))
        week = _parse_windows(data.get("windows") or {}, bad)
        country = data.get("country")
        if country is not None and (not isinstance(country, str)
                                    or country not in holidays.list_supported_countries()):
            bad("country", f"unknown country code {country!r} for public holidays; "
                           "use an ISO 3166 code such as 'CN' or 'DE', or null for none",
                "calendar.country", value=str(country))
        extra_holidays = _parse_dates(data.get("extra_holidays") or [], "extra_holidays", bad)
        extra_workdays = _parse_dates(data.get("extra_workdays") or [], "extra_workdays", bad)
        makeup = data.get("makeup_windows")
        makeup_windows = None if makeup is None else _parse_day(makeup, "makeup_windows", bad)
        title = data.get("title") or ""
        if not isinstance(title, str) or len(title) > TITLE_MAX:
            bad("title", f"the title is a text of at most {TITLE_MAX} characters",
                "calendar.title", limit=TITLE_MAX)
            title = ""
        if errors:
            raise CalendarInvalid(errors)
        return cls(tz_name, mode, week, country, extra_holidays, extra_workdays, makeup_windows,
                   title.strip())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``from_dict`` reads back, with every weekday listed and dates sorted."""
        return {"timezone": self.timezone, "mode": self.mode,
                "windows": {key: [_pair(w) for w in self._week[i]]
                            for i, key in enumerate(DAYS)},
                "country": self.country,
                "extra_holidays": sorted(d.isoformat() for d in self.extra_holidays),
                "extra_workdays": sorted(d.isoformat() for d in self.extra_workdays),
                **({} if self._makeup is None
                   else {"makeup_windows": [_pair(w) for w in self._makeup]}),
                **({"title": self.title} if self.title else {})}

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has elapsed after ``start``.

        Counting starts at the next open instant, so adding zero to a closed moment gives the
        next opening; landing exactly on a window's end returns that end (a deadline of 18:00
        is "by close of business", not "at tomorrow's opening").
        """
        start = _as_utc(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if self.mode == "24x7":
            return start + duration
        left = duration
        for opens, closes in self._intervals(start):
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        raise AssertionError("unreachable: _intervals ends only by raising")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time in [a, b); zero if b is not after a. Mirrors ``add``."""
        a, b = _as_utc(a, "a"), _as_utc(b, "b")
        if b <= a:
            return timedelta(0)
        if self.mode == "24x7":
            return b - a
        return sum((min(closes, b) - opens for opens, closes in self._intervals(a, until=b)
                    if opens < b), timedelta(0))

    def is_open(self, t: datetime) -> bool:
        """Windows are half-open: a 09:00–18:00 window is open at 09:00, closed at 18:00."""
        t = _as_utc(t, "t")
        return any(opens == t for opens, _ in self._intervals(t, until=t + timedelta.resolution))

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself if open, else the start of the next window."""
        return next(self._intervals(_as_utc(t, "t")))[0]

    def next_windows(self, t: datetime, n: int) -> list[Interval]:
        """The next ``n`` open windows (UTC) from ``t``; one open at ``t`` starts at ``t``."""
        return list(islice(self._intervals(_as_utc(t, "t")), max(n, 0)))

    def windows_between(self, start: datetime, end: datetime) -> list[Interval]:
        """The open windows (UTC) within [start, end), clipped to it."""
        start, end = _as_utc(start, "start"), _as_utc(end, "end")
        return [(opens, min(closes, end)) for opens, closes
                in takewhile(lambda w: w[0] < end, self._intervals(start, until=end))]

    def _windows_on(self, day: date) -> tuple[Window, ...]:
        """The windows that open on ``day``; the precedence rules of the calendar live here."""
        if self.mode == "24x7":
            return ((0, 1440),)
        if day in self.extra_holidays:  # the calendar's own closed days beat everything
            return ()
        if self.country:
            closed, makeup = country_year(self.country, day.year)
            if day in makeup:
                return self._workday(makeup[day])
            if day in closed and day not in self.extra_workdays:
                return ()
        if day in self.extra_workdays:
            return self._workday(day.weekday())
        return self._week[day.weekday()]

    def _workday(self, weekday: int) -> tuple[Window, ...]:
        """A make-up or extra working day: the calendar's make-up hours if it has them, else
        the hours of the weekday it stands for (or of a normal day, if that one has none)."""
        if self._makeup is not None:
            return self._makeup
        return self._week[weekday] or self._fallback

    def _day_intervals(self, day: date) -> tuple[Interval, ...]:
        """The windows opening on ``day`` as UTC intervals, converted once per day and cached."""
        got = self._days.get(day)
        if got is None:
            if len(self._days) >= 4096:  # bound the memory of a long-lived calendar
                self._days.clear()
            bounds = ((self._utc(day, a), self._utc(day, b)) for a, b in self._windows_on(day))
            got = self._days[day] = tuple((s, e) for s, e in bounds if e > s)
        return got

    def _utc(self, day: date, minute: int) -> datetime:
        """UTC instant of a local wall time, ``minute`` minutes after ``day``'s midnight.

        A repeated wall time (autumn) means its first occurrence. A skipped one (spring) means
        the instant the clocks jump, the first that exists after it: so a day's windows stay
        in order and never overlap, and 09:00–17:00 lasts 8 real hours unless a change is inside.
        """
        naive = datetime.combine(day, time()) + timedelta(minutes=minute)
        local = naive.replace(tzinfo=self._tz)
        utc = local.astimezone(UTC)
        if utc.astimezone(self._tz).replace(tzinfo=None) == naive:
            return utc
        lo, hi = int(local.replace(fold=1).timestamp()), int(utc.timestamp())
        after = utc.astimezone(self._tz).utcoffset()
        while hi - lo > 1:  # bisect to the second of the jump; rare, so cost does not matter
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self._tz).utcoffset() == after:
                hi = mid
            else:
                lo = mid
        return datetime.fromtimestamp(hi, UTC)

    def _intervals(self, t: datetime, until: datetime | None = None) -> Iterator[Interval]:
        """Open UTC intervals after ``t``, in order, disjoint, the first clipped to start at t.

        Walks whole days from the day before ``t`` (a night window begun then may still run).
        With ``until``, stops once a day starts at or after it; without, gives up with
        CalendarInvalid after ~3 years without any open time, or ``HORIZON_DAYS`` in all,
        instead of looping (nearly) forever.
        """
        day = t.astimezone(self._tz).date() - timedelta(days=1)
        floor, idle, walked = t, 0, 0
        while True:
            if until is not None and self._utc(day, 0) >= until:
                return
            idle, walked = idle + 1, walked + 1
            if until is None and (walked > HORIZON_DAYS or day >= date.max - timedelta(days=2)):
                raise CalendarInvalid([{"field": "windows", "message":
                    f"no answer within {HORIZON_DAYS} days after {t.isoformat()}: the duration "
                    "is longer than this calendar's open time in that span",
                    "code": "calendar.beyond_horizon", "params": {"days": HORIZON_DAYS}}])
            for opens, closes in self._day_intervals(day):
                opens = max(opens, floor)  # clips to t, and trims overlaps between days
                if closes > opens:
                    yield opens, closes
                    floor, idle = closes, 0
            if until is None and idle > _SEARCH_DAYS:
                raise CalendarInvalid([{"field": "windows", "message":
                    f"no open business time in the {_SEARCH_DAYS} days after {t.isoformat()}: "
                    "every day is closed (no windows, or holidays everywhere)",
                    "code": "calendar.never_open", "params": {"days": _SEARCH_DAYS}}])
            day += timedelta(days=1)


Span = tuple[int, int, str]  # start and end minute, and the field it came from


def _parse_windows(raw: Any, bad: Callable[[str, str], None]) -> list[list[Window]]:
    """Monday..Sunday windows in minutes, reporting malformed times, unknown days and overlaps."""
    week: list[list[Span]] = [[] for _ in DAYS]
    if not isinstance(raw, Mapping):
        bad("windows", "windows must map weekdays (mon..sun) to lists of [start, end] pairs",
            "calendar.windows")
        raw = {}
    for key, spans in raw.items():
        if key not in DAYS or not isinstance(spans, list):
            if key not in DAYS:
                bad(f"windows.{key}", f"unknown weekday {key!r}; use one of {', '.join(DAYS)}",
                    "calendar.weekday", value=str(key))
            else:
                bad(f"windows.{key}", 'must be a list of ["HH:MM", "HH:MM"] pairs',
                    "calendar.pairs")
            continue
        week[DAYS.index(key)] = _parse_spans(spans, f"windows.{key}", bad)
    for d, day in enumerate(week):
        for night in week[d - 1]:  # the day before's windows that run past midnight into this one
            for cur in (w for w in day if w[0] < night[1] - 1440):
                bad(cur[2], f"{_span(cur)} overlaps {night[2]} {_span(night)}, "
                            f"which runs until {_hhmm(night[1] - 1440)}", "calendar.overlap_night",
                    window=_span(cur), other=_span(night), until=_hhmm(night[1] - 1440))
    return [[(start, end) for start, end, _ in day] for day in week]


def _parse_day(raw: Any, name: str, bad: Callable[[str, str], None]) -> list[Window]:
    """One day's windows (``makeup_windows``), checked like a weekday's."""
    if not isinstance(raw, list):
        bad(name, 'must be a list of ["HH:MM", "HH:MM"] pairs, or null for the replaced '
                  "weekday's hours", "calendar.pairs")
        return []
    return [(start, end) for start, end, _ in _parse_spans(raw, name, bad)]


def _parse_spans(spans: list, name: str, bad: Callable[[str, str], None]) -> list[Span]:
    """One day's ``["HH:MM", "HH:MM"]`` pairs, sorted, each with its field (``name[i]``); an
    end earlier than the start crosses midnight. Reports malformed times and overlaps."""
    day: list[Span] = []
    for i, span in enumerate(spans):
        field = f"{name}[{i}]"
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            bad(field, f'a window is a pair ["HH:MM", "HH:MM"], not {span!r}', "calendar.pair",
                value=str(span))
            continue
        start, end = _minute(span[0], end=False), _minute(span[1], end=True)
        if start is None:
            bad(field, f"start {span[0]!r} is not a time of day in HH:MM form (00:00 to 23:59)",
                "calendar.start", value=str(span[0]))
        if end is None:
            bad(field, f"end {span[1]!r} is not a time in HH:MM form (00:00 to 24:00)",
                "calendar.end", value=str(span[1]))
        elif start == end:
            bad(field, f"start and end are both {span[0]}; a window needs a length "
                       "(00:00–24:00 is the whole day)", "calendar.empty", value=str(span[0]))
        elif start is not None:
            day.append((start, end if end > start else end + 1440, field))
    day.sort()
    for prev, cur in zip(day, day[1:]):
        if cur[0] < prev[1]:
            bad(cur[2], f"{_span(cur)} overlaps {prev[2]} {_span(prev)}", "calendar.overlap",
                window=_span(cur), other=_span(prev))
    return day


def _parse_dates(raw: Any, name: str, bad: Callable[[str, str], None]) -> frozenset[date]:
    if not isinstance(raw, list):
        bad(name, "must be a list of dates in ISO form YYYY-MM-DD", "calendar.dates")
        return frozenset()
    dates = set()
    for i, value in enumerate(raw):
        try:
            if not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
                raise ValueError(value)
            dates.add(date.fromisoformat(value))
        except ValueError:
            bad(f"{name}[{i}]", f"{value!r} is not a calendar date in ISO form YYYY-MM-DD",
                "calendar.date", value=str(value))
    return frozenset(dates)
