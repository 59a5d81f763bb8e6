"""Report date ranges as supervisors say them: plain days in the team's time zone.

``2026-12-01`` … ``2026-12-31`` means from the start of the 1st to the end of the 31st in the
configured business time zone (``settings.timezone``): ``from`` a day is that day's first
instant, ``to`` a day is the next day's first instant (the range stays half-open underneath,
so a day is never counted twice). A full ISO datetime keeps its meaning (``to`` exclusive).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Bound = date | datetime | None


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def day_range(timezone: str, start: Bound, end: Bound) -> tuple[datetime | None, datetime | None]:
    """(inclusive start, exclusive end) as aware datetimes; a plain ``end`` day is inclusive."""
    zone = ZoneInfo(timezone)
    low = _day_start(start, zone) if isinstance(start, date) and not isinstance(
        start, datetime) else start
    high = _day_start(end + timedelta(days=1), zone) if isinstance(end, date) and not isinstance(
        end, datetime) else end
    return low, high
