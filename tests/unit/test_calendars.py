"""Business calendars: SLA arithmetic over windows, holidays, make-up days and DST."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.calendars import BusinessCalendar, CalendarInvalid

UTC = timezone.utc
OFFICE = [["09:00", "12:00"], ["13:00", "18:00"]]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
EVERY_DAY = WEEKDAYS + ("sat", "sun")


def calendar(tz: str = "Asia/Shanghai", days=WEEKDAYS, windows=OFFICE, **more) -> BusinessCalendar:
    return BusinessCalendar.from_dict({"timezone": tz, "windows": {d: windows for d in days},
                                       **more})


CALS = {
    "cn": calendar(country="CN"),
    "plain": calendar(),
    # Wednesday keeps other hours, to see which weekday a make-up day borrows its windows from.
    "cn_short_wed": BusinessCalendar.from_dict({"timezone": "Asia/Shanghai", "country": "CN",
        "windows": {"mon": OFFICE, "tue": OFFICE, "wed": [["10:00", "16:00"]], "thu": OFFICE,
                    "fri": [["14:00", "15:00"]]}}),
    "split": calendar(days=EVERY_DAY, windows=[["10:00", "14:00"], ["17:30", "23:00"]]),
    "evening": calendar(days=EVERY_DAY, windows=[["20:00", "24:00"]]),
    "night": calendar(windows=[["22:00", "06:00"]], country="CN"),
    "berlin": calendar("Europe/Berlin", days=EVERY_DAY, windows=[["09:00", "17:00"]],
                       country="DE"),
    # 02:30 does not exist on 2025-03-30 in Berlin; 00:00-06:00 spans both DST changes.
    "berlin_night": BusinessCalendar.from_dict({"timezone": "Europe/Berlin", "windows":
        {"sun": [["00:00", "01:30"], ["02:30", "06:00"]]}}),
    "cn_extra": calendar(country="CN", extra_holidays=["2025-10-11", "2025-11-04"],
                         extra_workdays=["2025-10-03", "2025-11-08"]),
    "24x7": BusinessCalendar.from_dict({"timezone": "Asia/Shanghai", "mode": "24x7",
                                        "country": "CN"}),
    "wall": BusinessCalendar.wall_clock(),
}


def at(cal: str, text: str) -> datetime:
    """'2025-09-30 16:00' in the calendar's zone, or in UTC when it ends with Z."""
    if text.endswith("Z"):
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(CALS[cal].timezone))


ADD = [
    # CN office: National Day golden week 10-01..10-08 is closed.
    ("cn", "2025-09-30 16:00", timedelta(hours=10), "2025-10-09 18:00"),
    # Saturday 2025-10-11 and Sunday 2025-09-28 are make-up working days in China.
    ("cn", "2025-10-10 17:00", timedelta(hours=2), "2025-10-11 10:00"),
    ("cn", "2025-09-26 17:00", timedelta(hours=2), "2025-09-28 10:00"),
    ("plain", "2025-10-10 17:00", timedelta(hours=2), "2025-10-13 10:00"),
    ("cn", "2025-11-03 11:00", timedelta(hours=2), "2025-11-03 14:00"),  # lunch break
    ("cn", "2025-11-03 10:00", timedelta(hours=7), "2025-11-03 18:00"),  # lands on close
    ("cn", "2025-11-03 07:00", timedelta(hours=1), "2025-11-03 10:00"),  # before opening
    ("cn", "2025-11-03 12:30", timedelta(minutes=30), "2025-11-03 13:30"),  # during lunch
    ("cn", "2025-11-03 19:00", timedelta(hours=1), "2025-11-04 10:00"),  # after close
    ("cn", "2025-11-07 17:00", timedelta(hours=2), "2025-11-10 10:00"),  # over a weekend
    ("cn", "2025-11-08 12:00", timedelta(hours=1), "2025-11-10 10:00"),  # from a Saturday
    ("cn", "2025-11-08 12:00", timedelta(0), "2025-11-10 09:00"),  # zero when closed: next opening
    ("cn", "2025-11-03 11:00", timedelta(0), "2025-11-03 11:00"),  # zero when open: t itself
    ("cn", "2025-11-03 09:00", timedelta(hours=80), "2025-11-14 18:00"),
    ("cn", "2025-11-03 09:00:00.5", timedelta(seconds=1), "2025-11-03 09:00:01.5"),
    # Split shift 10:00-14:00 + 17:30-23:00 every day.
    ("split", "2025-11-03 13:30", timedelta(hours=1), "2025-11-03 18:00"),
    ("split", "2025-11-03 22:30", timedelta(hours=1), "2025-11-04 10:30"),
    ("split", "2025-11-03 14:00", timedelta(hours=5, minutes=30), "2025-11-03 23:00"),
    # A window ending at 24:00.
    ("evening", "2025-11-03 23:00", timedelta(hours=2), "2025-11-04 21:00"),
    ("evening", "2025-11-03 22:00", timedelta(hours=2), "2025-11-04 00:00"),
    # 22:00-06:00 belongs to its start day: Friday's night runs into Saturday morning...
    ("night", "2025-11-07 23:00", timedelta(hours=5), "2025-11-08 04:00"),
    ("night", "2025-11-03 05:00", timedelta(hours=2), "2025-11-04 00:00"),  # no Sunday night
    # ...and 09-30's night runs into the first holiday, whose own night is closed.
    ("night", "2025-09-30 23:00", timedelta(hours=6), "2025-10-01 05:00"),
    ("night", "2025-10-01 05:00", timedelta(hours=2), "2025-10-09 23:00"),
    # Berlin 09:00-17:00 every day, across both 2025 DST changes; results in UTC.
    ("berlin", "2025-03-29 16:00", timedelta(hours=2), "2025-03-30 08:00Z"),
    ("berlin", "2025-03-30 09:00", timedelta(hours=8), "2025-03-30 15:00Z"),
    ("berlin", "2025-03-29 09:00", timedelta(hours=16), "2025-03-30 15:00Z"),
    ("berlin", "2025-10-25 16:00", timedelta(hours=2), "2025-10-26 09:00Z"),
    ("berlin", "2025-10-26 09:00", timedelta(hours=8), "2025-10-26 16:00Z"),
    ("berlin", "2025-10-02 16:00", timedelta(hours=2), "2025-10-04 08:00Z"),  # 10-03: DE holiday
    # Spring: 00:00-01:30 CET, then 02:30 does not exist so the window opens at the jump.
    ("berlin_night", "2025-03-30 00:00", timedelta(hours=2), "2025-03-30 01:30Z"),
    ("berlin_night", "2025-10-26 00:00", timedelta(hours=6), "2025-10-26 05:00Z"),
    # The calendar's own days beat the country: 10-11 closed, 10-03 and Saturday 11-08 open.
    ("cn_extra", "2025-10-10 17:00", timedelta(hours=2), "2025-10-13 10:00"),
    ("cn_extra", "2025-09-30 17:00", timedelta(hours=2), "2025-10-03 10:00"),
    ("cn_extra", "2025-11-03 17:00", timedelta(hours=2), "2025-11-05 10:00"),
    ("cn_extra", "2025-11-07 17:00", timedelta(hours=2), "2025-11-08 10:00"),
    ("24x7", "2025-10-01 03:00", timedelta(hours=10), "2025-10-01 13:00"),
    ("wall", "2025-10-26 00:30Z", timedelta(days=2), "2025-10-28 00:30Z"),
]


@pytest.mark.parametrize("cal,start,duration,expected", ADD)
def test_add(cal, start, duration, expected):
    got = CALS[cal].add(at(cal, start), duration)
    assert got == at(cal, expected)
    assert got.tzinfo is UTC


@pytest.mark.parametrize("cal,start,duration,expected", ADD)
def test_between_mirrors_add(cal, start, duration, expected):
    assert CALS[cal].between(at(cal, start), at(cal, expected)) == duration


@pytest.mark.parametrize("cal,a,b,expected", [
    ("cn", "2025-11-07 17:00", "2025-11-10 10:00", timedelta(hours=2)),
    ("cn", "2025-11-03 11:00", "2025-11-03 14:00", timedelta(hours=2)),
    ("cn", "2025-11-03 00:00", "2025-11-10 00:00", timedelta(hours=40)),
    ("cn", "2025-10-01 00:00", "2025-10-09 00:00", timedelta(0)),
    ("cn", "2025-11-03 14:00", "2025-11-03 11:00", timedelta(0)),  # b before a
    ("cn", "2025-11-03 10:00", "2025-11-03 10:00", timedelta(0)),
    ("berlin", "2025-03-29 00:00Z", "2025-03-31 00:00Z", timedelta(hours=16)),
    ("berlin_night", "2025-03-29 12:00Z", "2025-03-31 00:00Z", timedelta(hours=4, minutes=30)),
    ("berlin_night", "2025-10-25 12:00Z", "2025-10-27 00:00Z", timedelta(hours=6)),
    ("24x7", "2025-10-01 00:00", "2025-10-08 00:00", timedelta(days=7)),
])
def test_between(cal, a, b, expected):
    assert CALS[cal].between(at(cal, a), at(cal, b)) == expected


@pytest.mark.parametrize("cal,start", [
    ("cn", "2025-01-01 00:00"), ("cn", "2025-09-30 16:30"), ("split", "2025-11-03 23:30"),
    ("night", "2025-11-08 03:00"), ("berlin", "2025-03-29 12:00"), ("berlin", "2025-10-26 01:00Z"),
])
@pytest.mark.parametrize("hours", [0.25, 3, 8, 37.5, 2000])
def test_between_inverts_add_everywhere(cal, start, hours):
    duration = timedelta(hours=hours)
    assert CALS[cal].between(at(cal, start), CALS[cal].add(at(cal, start), duration)) == duration


@pytest.mark.parametrize("cal,t,expected", [
    ("cn", "2025-11-03 10:00", "2025-11-03 10:00"),  # open: itself
    ("cn", "2025-11-03 09:00", "2025-11-03 09:00"),
    ("cn", "2025-11-03 12:30", "2025-11-03 13:00"),
    ("cn", "2025-11-03 18:00", "2025-11-04 09:00"),  # a window's end is closed
    ("cn", "2025-11-08 10:00", "2025-11-10 09:00"),
    ("cn", "2025-10-01 10:00", "2025-10-09 09:00"),
    # Make-up days work the hours of the day off they pay for: Sat 10-11 for Wed 10-08,
    # Sun 09-28 for Tue 10-07, Sun 2026-01-04 for Fri 01-02.
    ("cn_short_wed", "2025-10-11 00:00", "2025-10-11 10:00"),
    ("cn_short_wed", "2025-09-28 00:00", "2025-09-28 09:00"),
    ("cn_short_wed", "2026-01-04 00:00", "2026-01-04 14:00"),
    ("night", "2025-11-08 22:00", "2025-11-10 22:00"),
    ("berlin_night", "2025-03-30 01:30", "2025-03-30 01:00Z"),  # the jump to summer time
    ("24x7", "2025-10-01 03:00", "2025-10-01 03:00"),
])
def test_next_open(cal, t, expected):
    assert CALS[cal].next_open(at(cal, t)) == at(cal, expected)


@pytest.mark.parametrize("cal,t,expected", [
    ("cn", "2025-11-03 09:00", True), ("cn", "2025-11-03 11:59", True),
    ("cn", "2025-11-03 12:00", False), ("cn", "2025-11-03 18:00", False),
    ("cn", "2025-10-11 10:00", True), ("cn", "2025-10-08 10:00", False),
    ("plain", "2025-10-08 10:00", True), ("plain", "2025-10-11 10:00", False),
    ("night", "2025-11-08 05:59", True), ("night", "2025-11-08 06:00", False),
    ("night", "2025-11-03 03:00", False), ("evening", "2025-11-03 23:59:59", True),
    ("24x7", "2025-10-01 03:00", True),
])
def test_is_open(cal, t, expected):
    assert CALS[cal].is_open(at(cal, t)) is expected


@pytest.mark.parametrize("cal,t,n,expected", [
    ("cn", "2025-09-30 16:00", 3, [("2025-09-30 16:00", "2025-09-30 18:00"),
                                   ("2025-10-09 09:00", "2025-10-09 12:00"),
                                   ("2025-10-09 13:00", "2025-10-09 18:00")]),
    ("night", "2025-11-08 01:00", 2, [("2025-11-08 01:00", "2025-11-08 06:00"),
                                      ("2025-11-10 22:00", "2025-11-11 06:00")]),
    ("berlin", "2025-03-30 00:00", 1, [("2025-03-30 07:00Z", "2025-03-30 15:00Z")]),
    ("24x7", "2025-10-01 18:00", 2, [("2025-10-01 18:00", "2025-10-02 00:00"),
                                     ("2025-10-02 00:00", "2025-10-03 00:00")]),
    ("cn", "2025-09-30 16:00", 0, []),
])
def test_next_windows(cal, t, n, expected):
    assert CALS[cal].next_windows(at(cal, t), n) == [(at(cal, a), at(cal, b)) for a, b in expected]


def test_windows_between_clips_both_ends():
    got = CALS["cn"].windows_between(at("cn", "2025-11-03 10:00"), at("cn", "2025-11-04 10:00"))
    assert got == [(at("cn", a), at("cn", b)) for a, b in [
        ("2025-11-03 10:00", "2025-11-03 12:00"), ("2025-11-03 13:00", "2025-11-03 18:00"),
        ("2025-11-04 09:00", "2025-11-04 10:00")]]


def test_no_open_time_is_reported_not_looped():
    never = BusinessCalendar.from_dict({"timezone": "UTC", "windows": {"mon": []}})
    t = datetime(2025, 11, 3, tzinfo=UTC)
    for call in (lambda: never.add(t, timedelta(hours=1)), lambda: never.next_open(t),
                 lambda: never.next_windows(t, 1)):
        with pytest.raises(CalendarInvalid) as caught:
            call()
        assert caught.value.errors[0]["field"] == "windows"
    assert never.between(t, t + timedelta(days=30)) == timedelta(0)
    assert never.is_open(t) is False


def test_long_durations_step_whole_days(monkeypatch):
    """24 business hours walk the calendar a day at a time: one look-up per calendar day from
    the day before the start to the day it lands on (not minute by minute), and 10,000 such
    sums stay cheap. Counted, and timed in this thread's CPU time, not wall time, so a busy
    machine cannot fail it."""
    cal, start = CALS["cn"], at("cn", "2025-11-03 09:00")
    lookups: list[object] = []
    day_intervals = cal._day_intervals
    monkeypatch.setattr(cal, "_day_intervals", lambda day: (lookups.append(day),
                                                             day_intervals(day))[1])
    tz = ZoneInfo("Asia/Shanghai")
    began = time.thread_time()
    for i in range(10_000):
        begin = start + timedelta(minutes=7 * i)
        lookups.clear()
        due = cal.add(begin, timedelta(hours=24))
        days = (due.astimezone(tz).date() - begin.astimezone(tz).date()).days
        assert len(lookups) <= days + 2, (begin, due, lookups)
    assert time.thread_time() - began < 2


@pytest.mark.parametrize("args", [(datetime(2025, 11, 3, 9), timedelta(hours=1)),
                                  (datetime(2025, 11, 3, 9, tzinfo=UTC), timedelta(hours=-1))])
def test_add_rejects_naive_times_and_negative_durations(args):
    with pytest.raises(ValueError):
        CALS["cn"].add(*args)


BASE = {"timezone": "Asia/Shanghai", "windows": {"mon": OFFICE}}


@pytest.mark.parametrize("change,field,words", [
    ({"windows": {"mon": [["9:00", "12:00"]]}}, "windows.mon[0]", "start '9:00'"),
    ({"windows": {"mon": [["09:00", "25:00"]]}}, "windows.mon[0]", "end '25:00'"),
    ({"windows": {"mon": [["24:00", "12:00"]]}}, "windows.mon[0]", "start '24:00'"),
    ({"windows": {"mon": [["09:00", "09:00"]]}}, "windows.mon[0]", "needs a length"),
    ({"windows": {"mon": [["09:00"]]}}, "windows.mon[0]", "pair"),
    ({"windows": {"mon": "09:00-18:00"}}, "windows.mon", "list"),
    ({"windows": {"mon": [["09:00", "12:00"], ["11:00", "14:00"]]}}, "windows.mon[1]",
     "11:00–14:00 overlaps windows.mon[0] 09:00–12:00"),
    ({"windows": {"mon": [["22:00", "06:00"]], "tue": [["05:00", "09:00"]]}}, "windows.tue[0]",
     "overlaps windows.mon[0] 22:00–06:00, which runs until 06:00"),
    ({"windows": {"sun": [["20:00", "02:00"]], "mon": [["01:00", "09:00"]]}}, "windows.mon[0]",
     "overlaps windows.sun[0]"),
    ({"windows": {"monday": OFFICE}}, "windows.monday", "unknown weekday 'monday'"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "unknown time zone 'Mars/Olympus_Mons'"),
    ({"timezone": None}, "timezone", "required"),
    ({"country": "XX"}, "country", "unknown country code 'XX'"),
    ({"extra_holidays": ["2026-02-30"]}, "extra_holidays[0]", "'2026-02-30' is not a calendar date"),
    ({"extra_holidays": ["2026-02-20", "20260220"]}, "extra_holidays[1]", "YYYY-MM-DD"),
    ({"extra_workdays": ["2026-2-28"]}, "extra_workdays[0]", "YYYY-MM-DD"),
    ({"mode": "weekly"}, "mode", "'business' or '24x7'"),
    ({"timezon": "UTC"}, "timezon", "unknown setting"),
])
def test_invalid_calendars_name_the_field(change, field, words):
    with pytest.raises(CalendarInvalid) as caught:
        BusinessCalendar.from_dict({**BASE, **change})
    assert [e["field"] for e in caught.value.errors] == [field]
    assert words in caught.value.errors[0]["message"]


def test_every_problem_is_reported_at_once():
    with pytest.raises(CalendarInvalid) as caught:
        BusinessCalendar.from_dict({"timezone": "Nowhere", "country": "XX",
                                    "windows": {"mon": [["9", "12:00"]]}})
    assert {e["field"] for e in caught.value.errors} == {"timezone", "country", "windows.mon[0]"}


@pytest.mark.parametrize("windows", [
    [["22:00", "06:00"]], [["00:00", "24:00"]], [["09:00", "12:00"], ["12:00", "18:00"]],
    [["10:00", "14:00"], ["17:30", "23:00"]], [["18:00", "00:00"]],
])
def test_valid_windows_round_trip(windows):
    stored = {"timezone": "Asia/Shanghai", "mode": "business",
              "windows": {d: windows if d == "fri" else [] for d in EVERY_DAY},
              "country": "CN", "extra_holidays": ["2026-02-20"], "extra_workdays": []}
    again = BusinessCalendar.from_dict(stored).to_dict()
    assert BusinessCalendar.from_dict(again).to_dict() == again
    assert again["windows"]["fri"] == [[a, "24:00" if b == "00:00" else b] for a, b in windows]
    assert {k: v for k, v in again.items() if k != "windows"} == \
        {k: v for k, v in stored.items() if k != "windows"}


def test_wall_clock_is_24x7_utc():
    assert BusinessCalendar.wall_clock().to_dict()["mode"] == "24x7"
    assert BusinessCalendar.wall_clock().timezone == "UTC"


def test_makeup_days_may_have_their_own_hours():
    """调休: some teams work shorter hours on make-up working days. ``makeup_windows`` gives
    them (and the calendar's extra workdays) their own hours; without it they keep the hours
    of the weekday they replace."""
    shorter = BusinessCalendar.from_dict({
        "timezone": "Asia/Shanghai", "country": "CN", "windows": {d: OFFICE for d in WEEKDAYS},
        "extra_workdays": ["2025-11-15"], "makeup_windows": [["09:00", "15:00"]]})
    tz = ZoneInfo("Asia/Shanghai")
    # Saturday 2025-10-11 is a make-up day after the National Day week; 2025-11-15 an extra one
    for day in (datetime(2025, 10, 11, tzinfo=tz), datetime(2025, 11, 15, tzinfo=tz)):
        assert shorter.next_windows(day, 1) == [(day.replace(hour=9), day.replace(hour=15))]
    saturday = datetime(2025, 10, 11, tzinfo=tz)  # without it: a weekday's 09:00-12:00 first
    assert CALS["cn"].next_windows(saturday, 1) == [(saturday.replace(hour=9),
                                                     saturday.replace(hour=12))]
    # an ordinary weekday keeps the week's hours
    monday = datetime(2025, 11, 3, tzinfo=tz)
    assert shorter.next_windows(monday, 2)[1] == (monday.replace(hour=13), monday.replace(hour=18))
    # six hours from Friday 2025-10-10 17:00: one at Friday's close, five on the make-up Saturday
    assert shorter.add(datetime(2025, 10, 10, 17, tzinfo=tz), timedelta(hours=6)) == \
        datetime(2025, 10, 11, 14, tzinfo=tz)
    again = BusinessCalendar.from_dict(shorter.to_dict())
    assert again.to_dict() == shorter.to_dict()
    assert again.to_dict()["makeup_windows"] == [["09:00", "15:00"]]
    assert "makeup_windows" not in CALS["cn"].to_dict()


@pytest.mark.parametrize(("makeup", "field"), [
    ("09:00-15:00", "makeup_windows"), ([["9", "15:00"]], "makeup_windows[0]"),
    ([["09:00", "15:00"], ["14:00", "16:00"]], "makeup_windows[1]")])
def test_invalid_makeup_windows_name_the_field(makeup, field):
    with pytest.raises(CalendarInvalid) as raised:
        BusinessCalendar.from_dict({"timezone": "Asia/Shanghai", "windows": {},
                                    "makeup_windows": makeup})
    assert [e["field"] for e in raised.value.errors] == [field]


def test_a_calendar_keeps_its_title_and_refuses_a_bad_one() -> None:
    config = {"title": " 白班 ", "timezone": "Asia/Shanghai", "windows": {"mon": [["09:00", "18:00"]]}}
    calendar = BusinessCalendar.from_dict(config)
    assert calendar.title == "白班" and calendar.to_dict()["title"] == "白班"
    assert BusinessCalendar.from_dict(calendar.to_dict()).title == "白班"
    assert "title" not in BusinessCalendar.from_dict({"timezone": "Asia/Shanghai"}).to_dict()
    for bad in (5, "x" * 101):
        with pytest.raises(CalendarInvalid) as caught:
            BusinessCalendar.from_dict({"title": bad, "timezone": "Asia/Shanghai"})
        assert [e["field"] for e in caught.value.errors] == ["title"]


def test_a_duration_beyond_the_horizon_is_refused_quickly_not_walked_for_ever():
    """A calendar open one day a year and a year of business time, or any calendar and a
    duration of centuries: ``add`` gives up after HORIZON_DAYS calendar days with
    CalendarInvalid (code calendar.beyond_horizon) instead of walking to the year 9999 and
    overflowing. Timed in CPU time, so a busy machine cannot fail it."""
    rare = BusinessCalendar.from_dict({"timezone": "Asia/Shanghai", "windows": {},
                                       "extra_workdays": ["2026-03-03"],
                                       "makeup_windows": [["09:00", "18:00"]]})
    start = datetime(2026, 3, 2, tzinfo=UTC)
    assert rare.add(start, timedelta(hours=9)) == datetime(2026, 3, 3, 10, tzinfo=UTC)
    began = time.thread_time()
    for cal, duration in ((rare, timedelta(hours=10)), (CALS["cn"], timedelta(days=99_999))):
        with pytest.raises(CalendarInvalid) as caught:
            cal.add(start, duration)
        assert caught.value.errors[0]["code"] in ("calendar.beyond_horizon",
                                                  "calendar.never_open")
    with pytest.raises(CalendarInvalid):
        CALS["cn"].add(datetime(9999, 12, 1, tzinfo=UTC), timedelta(days=30))
    assert time.thread_time() - began < 2
