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
    first = date(year, 1, 1)
    days = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
    days = list(days)
    makeup = {d: pays_for.get(d, 0) for d in days
              if table.is_weekend(d) and table.is_working_day(d)}
    closed = {d for d in table if d.year == year}
    if country in BREAK_COUNTRIES:
        closed |= _weekends_in_breaks(table, days, closed, makeup)
    return frozenset(closed), makeup


BREAK_COUNTRIES = ("CN", "CHN")  # official breaks (放假) include the weekend days inside them


def _weekends_in_breaks(table: holidays.HolidayBase, days: list[date], closed: set[date],
                        makeup: dict[date, int]) -> set[date]:
    """Weekend days in an unbroken run of days off that holds a public holiday: the package
    lists only the holidays, so a calendar open at weekends would open mid-break (Sunday
    2026-10-04 in the National Day week)."""
    off = [d in closed or (table.is_weekend(d) and d not in makeup) for d in days]
    found: set[date] = set()
    start = 0
    while start < len(days):
        if not off[start]:
            start += 1
            continue
        end = start
        while end + 1 < len(days) and off[end + 1]:
            end += 1
        run = days[start:end + 1]
        if any(d in closed for d in run):
            found |= {d for d in run if d not in closed}
        start = end + 1
    return found
