"""Business-calendar arithmetic checked against an obviously correct reference.

The reference knows nothing of the engine's interval walk: it looks at every minute of a
range, asks which local day and wall time that minute is in, and calls it open when a
window of that day (or a window of the day before that runs past midnight) contains it.
``add`` is then "count open minutes", ``between`` "sum open minutes". Many seeded random
calendars (split shifts, night shifts, weekends, China's and Germany's holidays, make-up
days, own closed and open days, Shanghai and Berlin time) are compared at start instants
before, inside, between and after windows and on holidays. Which days are official days
off comes from ``engine.holiday_data`` (checked on its own against the State Council's
announcements in ``test_china_official_breaks``).
"""
from __future__ import annotations

import random
from bisect import bisect_left
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from zoneinfo import ZoneInfo

import pytest

from engine.calendars import DAYS, BusinessCalendar, CalendarInvalid
from engine.holiday_data import country_year

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
SPAN_DAYS = 40  # the reference looks this far after a start

# Periods where calendars go wrong: China's New Year (crossing the year), Spring Festival and
# National Day week; Berlin's summer-time changes.
PERIODS = [date(2022, 12, 24), date(2023, 12, 23), date(2025, 1, 20), date(2025, 9, 22),
           date(2026, 9, 15), date(2025, 3, 24), date(2025, 10, 20), date(2025, 11, 3)]


def _hhmm(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}" if minute != 1440 else "24:00"


def _random_day(rng: random.Random, tz: str) -> list[list[str]]:
    """0 to 3 windows; sometimes one that crosses midnight. Berlin bounds avoid 02:00-03:00,
    the hour that a summer-time change skips or repeats (its rule has its own tests)."""
    points = sorted(rng.sample(range(0, 1440, rng.choice((15, 30, 60, 7))), rng.choice((0, 2, 2, 4, 4, 6))))
    if tz == "Europe/Berlin":
        points = [p for p in points if not 120 <= p <= 180]
        points = points[:len(points) // 2 * 2]
    pairs = [[_hhmm(points[i]), _hhmm(points[i + 1])] for i in range(0, len(points), 2)]
    if pairs and rng.random() < 0.25:  # the last window runs past midnight
        start = points[-2]
        end = rng.choice([p for p in range(0, 1440, 30)
                          if tz != "Europe/Berlin" or not 120 <= p <= 180])
        pairs[-1] = [_hhmm(start), _hhmm(end)]
    elif pairs and rng.random() < 0.1:
        pairs[-1][1] = "24:00"
    return pairs


def _random_calendar(rng: random.Random, around: date) -> dict:
    tz = "Europe/Berlin" if around.month in (3, 10) and around.day >= 20 and rng.random() < 0.7 \
        else rng.choice(("Asia/Shanghai", "Asia/Shanghai", "Europe/Berlin"))
    base = _random_day(rng, tz) or [["09:00", "12:00"], ["13:30", "18:00"]]
    windows = {}
    for key in DAYS:
        roll = rng.random()
        windows[key] = base if roll < 0.5 else [] if roll < 0.65 else _random_day(rng, tz)

    def some_dates() -> list[str]:
        return [(around + timedelta(days=rng.randrange(-3, SPAN_DAYS))).isoformat()
                for _ in range(rng.randrange(0, 4))]

    config = {"timezone": tz, "windows": windows,
              "country": rng.choice((None, "CN", "CN", "DE") if tz != "Europe/Berlin"
                                    else (None, "DE", "CN")),
              "extra_holidays": some_dates(), "extra_workdays": some_dates()}
    if rng.random() < 0.3:
        config["makeup_windows"] = _random_day(rng, tz)
    return config


class Reference:
    """Open minutes of a calendar's JSON form over [first, first + days), one by one."""

    def __init__(self, config: dict, first: datetime, days: int) -> None:
        self.tz = ZoneInfo(config["timezone"])
        self.config = config
        self.first = first
        week = {key: [self._minutes(p) for p in config["windows"].get(key, [])] for key in DAYS}
        self.week = [week[key] for key in DAYS]
        makeup = config.get("makeup_windows")
        self.makeup = None if makeup is None else [self._minutes(p) for p in makeup]
        self.holidays = {date.fromisoformat(d) for d in config["extra_holidays"]}
        self.workdays = {date.fromisoformat(d) for d in config["extra_workdays"]}
        self._days: dict[date, list[tuple[int, int]]] = {}
        self.open = [self._open_at(first + MINUTE * i) for i in range(days * 1440)]
        self.counted = [0, *accumulate(self.open)]

    @staticmethod
    def _minutes(pair: list[str]) -> tuple[int, int]:
        start, end = (int(x[:2]) * 60 + int(x[3:]) for x in pair)
        return start, end if end > start else end + 1440

    def windows_on(self, day: date) -> list[tuple[int, int]]:
        if day not in self._days:
            self._days[day] = self._windows_on(day)
        return self._days[day]

    def _windows_on(self, day: date) -> list[tuple[int, int]]:
        """The documented precedence: own closed days, official make-up days, official days
        off (unless the calendar's own workday), own workdays, the week."""
        workday = self.makeup if self.makeup is not None else None
        if day in self.holidays:
            return []
        country = self.config.get("country")
        if country:
            closed, makeup = country_year(country, day.year)
            if day in makeup:
                return workday if workday is not None else (
                    self.week[makeup[day]] or self._fallback())
            if day in closed and day not in self.workdays:
                return []
        if day in self.workdays:
            return workday if workday is not None else (self.week[day.weekday()]
                                                        or self._fallback())
        return self.week[day.weekday()]

    def _fallback(self) -> list[tuple[int, int]]:
        return self.week[0] or next((w for w in self.week if w), [])

    def _open_at(self, t: datetime) -> bool:
        local = t.astimezone(self.tz)
        day, minute = local.date(), local.hour * 60 + local.minute
        return (any(a <= minute < b for a, b in self.windows_on(day))
                or any(a <= minute + 1440 < b for a, b in self.windows_on(day - timedelta(1))))

    def index(self, t: datetime) -> int:
        return int((t - self.first) / MINUTE)

    def add(self, start: datetime, minutes: int) -> datetime | None:
        """The end of the ``minutes``-th open minute from ``start`` (zero: the start of the next
        open one); None beyond the range."""
        i = self.index(start)
        j = bisect_left(self.counted, self.counted[i] + max(minutes, 1)) - 1  # that minute
        if j >= len(self.open):
            return None
        return self.first + MINUTE * (j + (minutes > 0))

    def between(self, a: datetime, b: datetime) -> timedelta:
        return MINUTE * (self.counted[self.index(b)] - self.counted[self.index(a)])


def _cases(seed: int):
    rng = random.Random(seed)
    around = PERIODS[seed % len(PERIODS)]
    while True:
        config = _random_calendar(rng, around)
        try:
            calendar = BusinessCalendar.from_dict(config)
        except CalendarInvalid:
            continue
        return rng, around, config, calendar


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("CAL_SEEDS", "24"))))
def test_add_and_between_agree_with_a_minute_by_minute_walk(seed):
    rng, around, config, calendar = _cases(seed)
    tz = ZoneInfo(config["timezone"])
    first = datetime.combine(around - timedelta(days=2), datetime.min.time(), tz).astimezone(UTC)
    ref = Reference(config, first, SPAN_DAYS + 4)
    last = first + timedelta(days=SPAN_DAYS + 4)
    for _ in range(25):
        start = first + MINUTE * rng.randrange(1440, 10 * 1440)
        minutes = rng.choice((0, 1, rng.randrange(1, 600), rng.randrange(60, 6000), 480, 540))
        expected = ref.add(start, minutes)
        if expected is None:
            continue
        got = calendar.add(start, MINUTE * minutes)
        assert got == expected, (config, start, minutes)
        assert calendar.between(start, got) == MINUTE * minutes or minutes == 0
        end = start + MINUTE * rng.randrange(0, 20 * 1440)
        if end < last:
            assert calendar.between(start, end) == ref.between(start, end), (config, start, end)
        assert calendar.is_open(start) == ref.open[ref.index(start)], (config, start)
        if any(ref.open[ref.index(start):]):
            assert calendar.next_open(start) == ref.add(start, 0), (config, start)


# The State Council's announcements (国务院办公厅关于部分节假日安排的通知): every day of the
# break is a day off, weekends inside it included; the make-up days (调休上班) are working days.
OFFICIAL = [
    ("2022-12-31", "2023-01-02", []),  # 元旦 2023, begun in the old year
    ("2023-12-30", "2024-01-01", []),  # 元旦 2024, likewise
    ("2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),  # 春节 2025
    ("2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),  # 国庆节、中秋节 2025
    ("2026-01-01", "2026-01-03", ["2026-01-04"]),  # 元旦 2026
    ("2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),  # 春节 2024
]


@pytest.mark.parametrize("first,last,makeup", OFFICIAL)
def test_china_official_breaks(first, last, makeup):
    """A seven-day calendar with country CN is closed on every day of an official break and
    open on its make-up days, also when the break begins in December of the year before."""
    every_day = BusinessCalendar.from_dict({"timezone": "Asia/Shanghai", "country": "CN",
                                            "windows": {d: [["09:00", "18:00"]] for d in DAYS}})
    tz = ZoneInfo("Asia/Shanghai")
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        assert not every_day.is_open(datetime(day.year, day.month, day.day, 10, tzinfo=tz)), day
        day += timedelta(days=1)
    for text in makeup + [(date.fromisoformat(first) - timedelta(days=1)).isoformat(),
                          (end + timedelta(days=1)).isoformat()]:
        d = date.fromisoformat(text)
        assert every_day.is_open(datetime(d.year, d.month, d.day, 10, tzinfo=tz)), d
