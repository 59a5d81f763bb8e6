"""Durations as people type and read them (engine.durations)."""
from datetime import timedelta

import pytest

from engine import durations

NINE_TO_SIX = {"timezone": "Asia/Shanghai",
               "windows": {d: [["09:00", "12:00"], ["13:00", "18:00"]]
                           for d in ("mon", "tue", "wed", "thu", "fri")}}


@pytest.mark.parametrize("text,expected", [
    ("4 小时", timedelta(hours=4)), ("30 分钟", timedelta(minutes=30)),
    ("1 小时 30 分钟", timedelta(minutes=90)), ("4 hours", timedelta(hours=4)),
    ("1 hour 30 minutes", timedelta(minutes=90)), ("1.5 小时", timedelta(minutes=90)),
    ("2天", timedelta(days=2)), ("PT4H", timedelta(hours=4)), ("p1d", timedelta(days=1)),
    ("0 分钟", timedelta(0)), ("45 min", timedelta(minutes=45)),
])
def test_parses_what_people_type_and_iso(text, expected):
    assert durations.parse(text) == expected


def test_a_working_day_is_the_calendars_open_time_not_24_hours():
    workday = durations.workday_length(NINE_TO_SIX)
    assert workday == timedelta(hours=8)
    assert durations.parse("2 个工作日", workday) == timedelta(hours=16)
    assert durations.parse("2 business days", workday) == timedelta(hours=16)
    assert durations.to_iso("1 工作日 4 小时", workday) == "PT12H"
    # "1 天" stays what the engine counts as P1D: 24 hours of counted (business) time
    assert durations.parse("1 天", workday) == timedelta(hours=24)


def test_working_days_need_a_calendar():
    with pytest.raises(durations.DurationInvalid) as caught:
        durations.parse("2 个工作日")
    assert caught.value.code == "workday_needs_calendar"


@pytest.mark.parametrize("text", ["", "4", "四小时", "4 weeks", "PT", "P1M", "小时 4", None, 4])
def test_refuses_what_it_cannot_read(text):
    with pytest.raises(durations.DurationInvalid):
        durations.parse(text)


def test_workday_length_of_shifts_and_24x7():
    assert durations.workday_length(None) is None
    assert durations.workday_length({"mode": "24x7"}) == timedelta(hours=24)
    night = {"windows": {d: [["22:00", "06:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
    assert durations.workday_length(night) == timedelta(hours=8)
    assert durations.workday_length({"windows": {"sat": [["09:00", "12:00"]]}}) is None


def test_describes_as_people_say_it():
    workday = timedelta(hours=8)
    assert durations.describe("PT4H") == "4 小时"
    assert durations.describe("PT4H", "en") == "4 hours"
    assert durations.describe("PT1H", "en") == "1 hour"
    assert durations.describe("PT1H30M") == "1 小时 30 分钟"
    assert durations.describe("P2D") == "2 天"
    assert durations.describe("PT16H", "zh", workday) == "2 个工作日"
    assert durations.describe("PT16H", "en", workday) == "2 business days"
    assert durations.describe("PT8H", "en", workday) == "1 business day"
    # under a calendar, 24 counted hours are hours, never "1 day" (which readers take as 1 date)
    assert durations.describe("P1D", "zh", workday) == "3 个工作日"
    assert durations.describe("PT25H", "zh", workday) == "25 小时"
    assert durations.describe("PT0S") == "0 分钟"


@pytest.mark.parametrize("iso", ["PT4H", "PT30M", "PT90M", "P2D", "PT16H", "PT45S", "PT0S"])
def test_round_trips_through_the_shown_text(iso):
    for lang in ("zh", "en"):
        for workday in (None, timedelta(hours=8)):
            shown = durations.describe(iso, lang, workday)
            assert durations.to_iso(shown, workday) == durations.to_iso(iso), (shown, lang)


@pytest.mark.parametrize("text", ["PT1.5H", "PT1,5H", "P0.5D", "PT0.5S", "P1.5W", "PT2.25M"])
def test_a_decimal_iso_duration_reads_as_a_bpmn_timer_reads_it(text):
    """Timers take ISO 8601's decimal fractions (Spiff); policies and previews refused them."""
    from datetime import datetime, timezone

    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Timer

    from engine.lint import timer_problem
    anchor = datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert timer_problem(repr(text), "timeDuration") is None
    assert durations.parse(text) == Timer.get_timedelta_from_start(
        Timer.parse_iso_duration(text), anchor)


@pytest.mark.parametrize("words,iso", [("1.5 小时", "PT1.5H"), ("0.5 秒", "PT0.5S"),
                                       ("0.4 seconds", "PT0.4S"), ("2.5 天", "P2.5D")])
def test_words_and_iso_give_the_same_duration_and_show_it_back(words, iso):
    assert durations.parse(words) == durations.parse(iso) > timedelta(0)
    assert durations.to_iso(words) == durations.to_iso(iso)
    for lang in ("zh", "en"):
        assert durations.to_iso(durations.describe(iso, lang)) == durations.to_iso(iso)


def test_an_iso_duration_too_long_for_any_clock_is_unreadable_not_an_overflow():
    with pytest.raises(durations.DurationInvalid):
        durations.parse("P99999999999999999999D")
