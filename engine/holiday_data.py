"""Public holidays and official make-up working days of a country, per year, from `holidays`.

Kept apart from the calendar arithmetic: this is where the package's quirks are handled.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=512)
def _holidays_for(country: str, year: int) -> holidays.HolidayBase:
    """One holidays object per (country, year): building one is costly, asking it is not."""
    return holidays.country_holidays(country, years=year)


@lru_cache(maxsize=512)
def country_year(country: str, year: int) -> tuple[frozenset[date], dict[date, int]]:
    """Public holidays of ``year`` and its make-up working days, each mapped to a weekday.

    In ``BREAK_COUNTRIES`` the closed days also hold the weekend days inside an official break.
    """
    closed, makeup, _ = _year(country, year)
    if country in BREAK_COUNTRIES:
        closed = closed | _weekends_in_breaks(country, year)
    return closed, makeup


@lru_cache(maxsize=512)
def _year(country: str, year: int) -> tuple[frozenset[date], dict[date, int],
                                             holidays.HolidayBase]:
    """The package's holidays of ``year``, its make-up working days, and its table.

    holidays 0.109 has no category for make-up days (its WORKDAY category means named days
    that are *not* days off). It records them as ``weekend_workdays`` and answers for them
    through the public ``is_weekend`` / ``is_working_day``, which we scan the year with. Which
    day off a make-up day pays for is in the ``special_public_holidays`` table, as
    (to_month, to_day, from_month, from_day[, from_year]) per year: the make-up day works with
    the windows of that day off's weekday (Saturday 2025-10-11 pays for Wednesday 10-08).
    Absent that information, Monday's windows apply.
    """
    table = _holidays_for(country, year)
    pays_for: dict[date, int] = {}
    for to_year, entries in (getattr(table, "special_public_holidays", None) or {}).items():
        entries = entries if entries and isinstance(entries[0], tuple) else (entries,)
        for entry in entries:
            if len(entry) in (4, 5) and all(isinstance(x, int) for x in entry):
                made_up = date(entry[4] if len(entry) == 5 else to_year, entry[2], entry[3])
                pays_for[made_up] = date(to_year, entry[0], entry[1]).weekday()
    makeup = {d: pays_for.get(d, 0) for d in _days(date(year, 1, 1), date(year, 12, 31))
              if table.is_weekend(d) and table.is_working_day(d)}
    return frozenset(d for d in table if d.year == year), makeup, table


BREAK_COUNTRIES = ("CN", "CHN")  # official breaks (放假) include the weekend days inside them
_BREAK_REACH = timedelta(days=14)  # longer than any break: how far into the next year to look


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _weekends_in_breaks(country: str, year: int) -> frozenset[date]:
    """Weekend days of ``year`` in an unbroken run of days off that holds a public holiday:
    the package lists only the holidays, so a calendar open at weekends would open mid-break
    (Sunday 2026-10-04 in the National Day week). A run may cross New Year (元旦 2023 ran
    from Saturday 2022-12-31), so the neighbouring years' ends are looked at too."""
    first = date(year, 1, 1) - (_BREAK_REACH if year > 1 else timedelta(0))
    last = date(year, 12, 31) + (_BREAK_REACH if year < 9999 else timedelta(0))

    def holiday(day: date) -> bool:
        return day in _year(country, day.year)[0]

    def off(day: date) -> bool:
        _, makeup, table = _year(country, day.year)
        return holiday(day) or (table.is_weekend(day) and day not in makeup)

    found: set[date] = set()
    run: list[date] = []
    for day in [*_days(first, last), None]:
        if day is not None and off(day):
            run.append(day)
            continue
        if any(holiday(d) for d in run):
            found.update(d for d in run if d.year == year and not holiday(d))
        run = []
    return frozenset(found)
