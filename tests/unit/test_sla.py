"""SLA clock decisions: due times, pauses, policy changes, warnings, escalations.

Policy validation and durations are in test_sla_policy.py."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.sla import (
    ClockEvent, ClockState, SlaPolicy, WallClock, change_duration, due_at, elapsed,
    mark_fired, next_event, parse_duration, pause, rebase, resume, sla_status,
    start_clock, stop,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2026: the 5th is a Monday, the 10th/11th a weekend."""
    return datetime(2026, 1, day, hour, minute, tzinfo=timezone.utc)


class OfficeHours:
    """Fake business calendar: UTC, Mon-Fri 09:00-17:00, no holidays."""

    def is_open(self, t: datetime) -> bool:
        return t.weekday() < 5 and 9 <= t.hour < 17

    def next_open(self, t: datetime) -> datetime:
        if self.is_open(t):
            return t
        day = t.replace(hour=9, minute=0, second=0, microsecond=0)
        if t.weekday() < 5 and t < day:
            return day
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    def _close(self, t: datetime) -> datetime:
        return t.replace(hour=17, minute=0, second=0, microsecond=0)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        t, rest = start, duration
        while True:
            t = self.next_open(t)
            room = self._close(t) - t
            if rest <= room:
                return t + rest
            rest, t = rest - room, self._close(t)

    def between(self, a: datetime, b: datetime) -> timedelta:
        total, t = timedelta(0), a
        while True:
            t = self.next_open(t)
            if t >= b:
                return total
            end = min(self._close(t), b)
            total, t = total + end - t, end


OFFICE, WALL = OfficeHours(), WallClock()


def policy(**changes: object) -> SlaPolicy:
    data: dict = {"name": "first answer", "process_key": "complaint", "target": "task",
                  "target_ref": "triage", "clock": "first_response", "duration": "PT4H"}
    data.update(changes)
    return SlaPolicy.from_dict(data)


def test_fake_calendar_is_sane() -> None:
    assert OFFICE.between(at(9, 16), at(12, 10)) == 2 * H
    assert OFFICE.add(at(9, 16), 2 * H) == at(12, 10)
    assert OFFICE.next_open(at(10, 12)) == at(12, 9) and OFFICE.next_open(at(6, 8)) == at(6, 9)


@pytest.mark.parametrize("cal, start, duration, due", [
    (WALL, at(5, 10), "PT4H", at(5, 14)),
    (WALL, at(9, 15), "PT4H", at(9, 19)),            # wall time runs over the evening
    (WALL, at(5, 10), "P1D", at(6, 10)),
    (OFFICE, at(5, 10), "PT4H", at(5, 14)),
    (OFFICE, at(5, 15), "PT4H", at(6, 11)),           # 2h today, 2h tomorrow morning
    (OFFICE, at(9, 15), "PT4H", at(12, 11)),          # Friday afternoon -> Monday
    (OFFICE, at(10, 10), "PT4H", at(12, 13)),         # started on Saturday: counts from Monday 09:00
    (OFFICE, at(5, 7), "PT1H", at(5, 10)),            # started before opening
    (OFFICE, at(6, 20), "PT8H", at(7, 17)),           # started after closing
    (OFFICE, at(5, 13), "PT4H", at(5, 17)),           # lands exactly on closing time
    (OFFICE, at(5, 9), "P1D", at(7, 17)),             # P1D is 24 business hours = three office days
])
def test_due_time(cal: object, start: datetime, duration: str, due: datetime) -> None:
    state = start_clock(policy(duration=duration), start, cal)  # type: ignore[arg-type]
    assert due_at(state, cal) == due  # type: ignore[arg-type]
    assert sla_status(state, policy(duration=duration), start, cal) == "ok"  # type: ignore[arg-type]


@pytest.mark.parametrize("cal, pauses, due", [
    (OFFICE, [], at(6, 10)),
    (OFFICE, [(at(5, 11), at(5, 12))], at(6, 11)),
    (OFFICE, [(at(5, 16), at(6, 10))], at(6, 12)),                 # 16-17 and 9-10: two business hours
    (OFFICE, [(at(5, 17, 30), at(6, 8, 30))], at(6, 10)),          # paused over the night: costs nothing
    (OFFICE, [(at(5, 11), at(5, 11, 30)), (at(5, 13), at(5, 13, 15)), (at(5, 16, 30), at(6, 9, 15))],
     at(6, 11, 30)),                                               # 30m + 15m + 30m + 15m
    (WALL, [], at(5, 18)),
    (WALL, [(at(5, 16), at(6, 10))], at(6, 12)),                   # wall time: 18 hours later
    (WALL, [(at(5, 11), at(5, 12)), (at(5, 13), at(5, 13, 30))], at(5, 19, 30)),
])
def test_pause_moves_due_by_paused_business_time(cal: object, pauses: list, due: datetime) -> None:
    state = start_clock(policy(duration="PT8H"), at(5, 10), cal)  # type: ignore[arg-type]
    for start, end in pauses:
        before = elapsed(state, start, cal)  # type: ignore[arg-type]
        state = pause(state, start, cal, "waiting_customer")  # type: ignore[arg-type]
        assert state.status == "paused" and state.pause_reason == "waiting_customer"
        assert due_at(state, cal) is None and next_event(state, policy(), cal) is None  # type: ignore[arg-type]
        assert elapsed(state, end, cal) == before == state.elapsed  # type: ignore[arg-type]
        assert sla_status(state, policy(duration="PT8H"), end, cal) == "paused"  # type: ignore[arg-type]
        state = resume(state, end, cal)  # type: ignore[arg-type]
    assert due_at(state, cal) == due  # type: ignore[arg-type]
    assert [list(p) for p in state.pauses] == [[s, e] for s, e in pauses]


def test_pause_and_resume_are_idempotent_and_stop_closes_a_pause() -> None:
    state = start_clock(policy(), at(5, 10), OFFICE)
    assert resume(state, at(5, 11), OFFICE) is state
    paused = pause(state, at(5, 11), OFFICE, "waiting_third_party")
    assert pause(paused, at(5, 12), OFFICE, "other") is paused
    done = stop(paused, at(5, 15), OFFICE)
    assert done.status == "stopped" and done.pauses == ((at(5, 11), at(5, 15)),) and done.elapsed == H
    assert stop(done, at(6, 9), OFFICE) is done and sla_status(done, policy(), at(9, 9), OFFICE) == "met"


@pytest.mark.parametrize("new, due, breached_now", [
    ("PT6H", at(5, 16), False),
    ("PT12H", at(6, 14), False),
    ("PT5H", at(5, 15), True),      # exactly reached: the deadline itself is a breach
    ("PT4H", at(5, 14), True),      # shorter than the time already used: overdue since 14:00
])
def test_change_duration_on_running_clock(new: str, due: datetime, breached_now: bool) -> None:
    now, pol = at(5, 15), policy(duration="PT8H")
    state = change_duration(start_clock(pol, at(5, 10), OFFICE), parse_duration(new))
    assert due_at(state, OFFICE) == due
    event = next_event(state, pol, OFFICE)
    assert event == ClockEvent("breach", due)
    assert (event.at <= now) is breached_now  # type: ignore[union-attr]
    assert (sla_status(state, pol, now, OFFICE) == "breached") is breached_now


def test_shortened_below_folded_time_is_breach_now() -> None:
    pol = policy(duration="PT8H")
    state = pause(start_clock(pol, at(5, 10), OFFICE), at(5, 15), OFFICE, "waiting_customer")
    state = change_duration(resume(state, at(5, 16), OFFICE), 2 * H)
    assert next_event(state, pol, OFFICE) == ClockEvent("breach", at(5, 16))   # the resume instant: now
    with pytest.raises(ValueError):
        change_duration(state, timedelta(0))


@pytest.mark.parametrize("old, new, now, due", [
    (WALL, OFFICE, at(5, 16), at(8, 10)),     # 6h used in wall time; 18 business hours left from Mon 16:00
    (OFFICE, WALL, at(6, 9), at(6, 10)),      # 7 business hours used (Mon 10-17); 1 wall hour left
    (OFFICE, OFFICE, at(6, 9), at(6, 10)),    # same calendar: nothing moves
])
def test_rebase_onto_another_calendar(old: object, new: object, now: datetime, due: datetime) -> None:
    pol = policy(duration="PT8H" if old is OFFICE else "PT24H")
    state = rebase(start_clock(pol, at(5, 10), old), now, old, new, "office")  # type: ignore[arg-type]
    assert due_at(state, new) == due  # type: ignore[arg-type]
    assert state.running_since == now and state.calendar == "office"
    assert rebase(state, now, new, new).calendar == "office"  # type: ignore[arg-type]


def test_rebase_while_paused_keeps_the_folded_time() -> None:
    state = pause(start_clock(policy(duration="PT8H"), at(5, 10), OFFICE), at(5, 12), OFFICE, "waiting_customer")
    moved = rebase(state, at(6, 12), OFFICE, WALL, None)
    assert moved.elapsed == 2 * H and moved.status == "paused" and moved.calendar is None
    assert due_at(resume(moved, at(6, 13), WALL), WALL) == at(6, 19)


@pytest.mark.parametrize("cal, warning, in_hours, when", [
    (OFFICE, {"percent": 50}, False, at(5, 14)),
    (OFFICE, {"percent": 90}, False, at(6, 9, 12)),        # 7h12m of business time
    (OFFICE, {"before": "PT30M"}, False, at(6, 9, 30)),    # 7h30m used
    (OFFICE, {"before": "PT1H"}, False, at(5, 17)),        # 7h used lands on closing time...
    (OFFICE, {"before": "PT1H"}, True, at(6, 9)),          # ...delivered when the office opens
    (OFFICE, {"percent": 50}, True, at(5, 14)),            # already in hours: unchanged
    (WALL, {"percent": 80}, False, at(5, 16, 24)),
    (WALL, {"before": "PT2H"}, False, at(5, 16)),
])
def test_warning_time(cal: object, warning: dict, in_hours: bool, when: datetime) -> None:
    pol = policy(duration="PT8H", warning=warning, warn_in_business_hours=in_hours,
                 calendar="office" if cal is OFFICE else None)
    state = start_clock(pol, at(5, 10), cal)  # type: ignore[arg-type]
    assert next_event(state, pol, cal) == ClockEvent("warning", when)  # type: ignore[arg-type]


def test_warning_after_a_pause_and_when_already_past() -> None:
    pol = policy(duration="PT8H", warning={"percent": 50}, calendar="office")
    state = pause(start_clock(pol, at(5, 10), OFFICE), at(5, 11), OFFICE, "waiting_customer")
    state = resume(state, at(5, 13), OFFICE)
    assert next_event(state, pol, OFFICE) == ClockEvent("warning", at(5, 16))
    state = change_duration(pause(state, at(5, 16), OFFICE, "x"), 6 * H)   # 4h used of 6h: 50% passed
    state = resume(state, at(5, 16, 30), OFFICE)
    assert next_event(state, pol, OFFICE) == ClockEvent("warning", at(5, 16, 30))
    assert sla_status(state, pol, at(5, 16, 30), OFFICE) == "at_risk"
    # a warning that can only come at or after the due time is skipped
    state = change_duration(state, 4 * H)
    assert next_event(state, pol, OFFICE) == ClockEvent("breach", at(5, 16, 30))


ESCALATIONS = [{"after": "PT0S", "actions": [{"type": "raise_priority", "priority": 80},
                                            {"type": "notify", "to": "leads", "message": "overdue"}]},
               {"after": "PT4H", "actions": [{"type": "reassign", "user": "boss"},
                                            {"type": "signal", "name": "sla_breached"}]}]


@pytest.mark.parametrize("cal, expected", [
    (OFFICE, [("warning", at(5, 13), 0), ("breach", at(5, 14), 0), ("escalation", at(5, 14), 1),
              ("escalation", at(6, 10), 2)]),
    (WALL, [("warning", at(5, 13), 0), ("breach", at(5, 14), 0), ("escalation", at(5, 14), 1),
            ("escalation", at(5, 18), 2)]),
])
def test_escalation_sequence(cal: object, expected: list) -> None:
    pol = policy(warning={"before": "PT1H"}, escalations=ESCALATIONS,
                 calendar="office" if cal is OFFICE else None)
    state, seen = start_clock(pol, at(5, 10), cal), []  # type: ignore[arg-type]
    while (event := next_event(state, pol, cal)) is not None:  # type: ignore[arg-type]
        seen.append(tuple(event))
        state = mark_fired(state, event, event.at)
        assert mark_fired(state, event, event.at + H) == state        # repeating a delivery changes nothing
        assert len(seen) < 10
    assert seen == expected
    assert state.warned_at == at(5, 13) and state.breached_at == at(5, 14) and state.escalation_level == 2
    assert sla_status(state, pol, expected[-1][1], cal) == "breached"  # type: ignore[arg-type]


def test_status_transitions() -> None:
    pol = policy(warning={"percent": 50}, calendar="office")
    state = start_clock(pol, at(5, 10), OFFICE)
    steps = [(None, at(5, 11), "ok"), (None, at(5, 12), "at_risk"),
             ("pause", at(5, 13), "paused"), (None, at(6, 9), "paused"), ("resume", at(6, 9), "at_risk"),
             (None, at(6, 9, 59), "at_risk"), (None, at(6, 10), "breached"), ("stop", at(6, 10, 30), "breached"),
             (None, at(9, 12), "breached")]
    for action, now, status in steps:
        if action == "pause":
            state = pause(state, now, OFFICE, "waiting_customer")
        elif action == "resume":
            state = resume(state, now, OFFICE)
        elif action == "stop":
            state = stop(state, now, OFFICE)
        assert sla_status(state, pol, now, OFFICE) == status, (action, now)
    assert state.breached_at == at(6, 10)       # a late stop records when the deadline passed


@pytest.mark.parametrize("stop_at, status", [
    (at(5, 13, 59), "met"), (at(5, 14), "breached"), (at(10, 12), "breached")])
def test_stop_in_time_or_late(stop_at: datetime, status: str) -> None:
    pol = policy(calendar="office")
    state = stop(start_clock(pol, at(5, 10), OFFICE), stop_at, OFFICE)
    assert sla_status(state, pol, at(20, 9), OFFICE) == status and next_event(state, pol, OFFICE) is None


def test_breached_is_sticky_even_after_the_duration_grows() -> None:
    pol = policy()
    state = start_clock(pol, at(5, 10), WALL)
    state = mark_fired(state, ClockEvent("breach", at(5, 14)), at(5, 14, 1))
    state = change_duration(state, 10 * H)
    assert sla_status(state, pol, at(5, 15), WALL) == "breached"
    assert stop(state, at(5, 15), WALL).breached_at == at(5, 14)
    assert next_event(state, pol, WALL) is None                        # no escalations configured


def test_paused_after_the_deadline_is_breached() -> None:
    pol = policy()
    state = pause(start_clock(pol, at(5, 10), OFFICE), at(5, 15), OFFICE, "waiting_customer")
    assert sla_status(state, pol, at(5, 16), OFFICE) == "breached"
    assert stop(state, at(5, 16), OFFICE).breached_at == at(5, 15)


def test_resumed_with_nothing_left_is_due_at_once_even_when_closed() -> None:
    pol = policy()
    state = pause(start_clock(pol, at(5, 10), OFFICE), at(5, 14), OFFICE, "waiting_customer")  # exactly used up
    state = resume(state, at(10, 11), OFFICE)                                               # Saturday
    assert due_at(state, OFFICE) == at(10, 11) and sla_status(state, pol, at(10, 11), OFFICE) == "breached"
    assert next_event(state, pol, OFFICE) == ClockEvent("breach", at(10, 11))
    first = mark_fired(state, ClockEvent("breach", at(10, 11)), at(10, 12))
    assert mark_fired(first, ClockEvent("breach", at(12, 9)), at(12, 9)).breached_at == at(10, 11)


def test_mark_fired_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError):
        mark_fired(start_clock(policy(), at(5, 10), WALL), ClockEvent("nudge", at(5, 10)), at(5, 10))


def test_clock_state_round_trips_through_json() -> None:
    pol = policy(warning={"percent": 50}, calendar="office")
    state = pause(start_clock(pol, at(5, 10), OFFICE), at(5, 11), OFFICE, "waiting_customer")
    state = pause(resume(state, at(5, 12), OFFICE), at(5, 13), OFFICE, "waiting_third_party")
    state = mark_fired(state, ClockEvent("warning", at(5, 12)), at(5, 12, 1))
    data = state.to_dict()
    assert data["status"] == "paused" and data["elapsed"] == "PT2H" and data["duration"] == "PT4H"
    assert data["pauses"] == [["2026-01-05T11:00:00+00:00", "2026-01-05T12:00:00+00:00"],
                              ["2026-01-05T13:00:00+00:00", None]]
    assert data["running_since"] is None and data["calendar"] == "office"
    assert ClockState.from_dict(data) == state
    done = stop(resume(state, at(5, 14), OFFICE), at(5, 15), OFFICE)
    assert ClockState.from_dict(done.to_dict()) == done and done.elapsed == 3 * H


def test_wall_clock_and_naive_times() -> None:
    assert WALL.add(at(5, 10), H) == at(5, 11) and WALL.between(at(5, 11), at(5, 10)) == timedelta(0)
    assert WALL.is_open(at(10, 3)) and WALL.next_open(at(10, 3)) == at(10, 3)
    with pytest.raises(ValueError):
        start_clock(policy(), datetime(2026, 1, 5, 10), WALL)


def test_evaluate_is_the_state_due_time_and_next_event_at_once() -> None:
    """What the host stores of a clock comes from one evaluation, equal to asking the parts
    one by one; a clock that is not running has nothing to schedule."""
    from engine.sla import evaluate

    pol = policy(warning={"percent": 50}, calendar="office", escalations=ESCALATIONS)
    running = start_clock(pol, at(5, 10), OFFICE)
    warned = mark_fired(running, next_event(running, pol, OFFICE), at(5, 12))
    paused = pause(warned, at(5, 13), OFFICE, "waiting_customer")
    stopped = stop(resume(paused, at(6, 9), OFFICE), at(6, 10, 30), OFFICE)
    for state, now in ((running, at(5, 11)), (warned, at(5, 12)), (paused, at(6, 8)),
                       (stopped, at(7, 9))):
        view = evaluate(state, pol, OFFICE, now)
        assert view.status == state.status
        assert view.sla_state == sla_status(state, pol, now, OFFICE)
        assert view.due_at == due_at(state, OFFICE)
        expected = next_event(state, pol, OFFICE) if state.status == "running" else None
        assert view.next_event == expected
    assert evaluate(running, pol, OFFICE, at(5, 11)).next_event.kind == "warning"
    assert evaluate(warned, pol, OFFICE, at(5, 12)).next_event.kind == "breach"
    assert evaluate(paused, pol, OFFICE, at(6, 8)).next_event is None


class NoMoreOpenTime(OfficeHours):
    """Office hours until Friday 2026-01-09 17:00, then never open again (a calendar whose
    open days ran out, or a duration longer than its horizon): ``add`` raises as
    engine.calendars does."""

    END = datetime(2026, 1, 9, 17, tzinfo=timezone.utc)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        got = super().add(start, duration)
        if got > self.END:
            from engine.calendars import CalendarInvalid
            raise CalendarInvalid([{"field": "windows", "message": "never open again"}])
        return got


def test_a_clock_whose_calendar_cannot_reach_its_target_has_no_due_time_and_no_early_event() -> None:
    """Arming such a clock must not fail (it used to raise and answer 500 to the request that
    created the task), and its escalation must not fire at the breach instead."""
    cal = NoMoreOpenTime()
    unreachable = policy(duration="PT100H", warning={"percent": 50},
                         escalations=[{"after": "PT0S", "actions": [{"type": "notify",
                                                                     "to": "Supervisor"}]}])
    state = start_clock(unreachable, at(5, 9), cal)
    assert due_at(state, cal) is None and next_event(state, unreachable, cal) is None
    assert sla_status(state, unreachable, at(9, 16), cal) == "ok"
    # reachable breach, unreachable escalation level: nothing after the breach
    late = policy(duration="PT8H", escalations=[{"after": "PT200H", "actions": [
        {"type": "notify", "to": "Supervisor"}]}])
    state = start_clock(late, at(5, 9), cal)
    assert next_event(state, late, cal) == ClockEvent("breach", at(5, 17))
    breached = mark_fired(state, ClockEvent("breach", at(5, 17)), at(5, 17))
    assert next_event(breached, late, cal) is None
