"""BPMN timers of every kind on an injected clock, with a save/restore before every firing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.clock import FakeClock
from engine.errors import InvalidModel
from engine.problem_texts import said
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from engine.timers import StartSchedule, reschedule
from tests.conftest import RESOURCES
from tests.unit.test_parsing import model

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TIMERS = RESOURCES / "timers"


def load(name: str) -> ParsedDefinition:
    return parse_bundle({f"{name}.bpmn": (TIMERS / f"{name}.bpmn").read_bytes()})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


def at(clock: FakeClock, runtime: Runtime, definition: ParsedDefinition, wf, hours: float):  # type: ignore[no-untyped-def]
    """Move the clock, reload the instance from its saved state, fire what is due."""
    clock.set(T0 + timedelta(hours=hours))
    wf = runtime.loads(definition, runtime.dumps(wf))
    return wf, runtime.fire_due_timers(definition, wf)


def open_ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.bpmn_id for t in result.open_tasks]


def test_boundary_timers_interrupting_and_non_interrupting(clock: FakeClock) -> None:
    definition, runtime = load("boundary_timers"), Runtime(clock=clock)
    wf, result = runtime.start(definition, {"reminders": 0})
    armed = {t.bpmn_id: (t.kind, t.due) for t in result.waiting_timers}
    assert armed == {"hourly": ("cycle", T0 + timedelta(hours=1)),
                     "sla_breach": ("duration", T0 + timedelta(hours=4))}
    wf, result = at(clock, runtime, definition, wf, 1.01)
    assert open_ids(result) == ["handle"]  # non-interrupting: the task stays
    assert {t.bpmn_id: t.due for t in result.waiting_timers}["hourly"] == T0 + timedelta(hours=2)
    wf, result = at(clock, runtime, definition, wf, 3.5)  # two more reminders, R3 is used up
    assert [t.bpmn_id for t in result.waiting_timers] == ["sla_breach"]
    wf, result = at(clock, runtime, definition, wf, 4.01)
    assert open_ids(result) == ["escalate"]  # interrupting: handle is cancelled
    assert result.waiting_timers == []


def test_a_late_cycle_fires_once_not_in_a_burst(clock: FakeClock) -> None:
    definition, runtime = load("boundary_timers"), Runtime(clock=clock)
    wf, _ = runtime.start(definition, {"reminders": 0})
    wf, result = at(clock, runtime, definition, wf, 2.5)  # two periods due at once
    reminders = [t for t in wf.get_tasks() if t.task_spec.bpmn_id == "remind"]
    assert len(reminders) == 1
    assert {t.bpmn_id: t.due for t in result.waiting_timers}["hourly"] == T0 + timedelta(hours=3)


def test_event_based_gateway_timer_branch(clock: FakeClock) -> None:
    definition, runtime = load("reply_or_call"), Runtime(clock=clock)
    wf, result = runtime.start(definition, {})
    assert result.status == "waiting"
    assert [(t.bpmn_id, t.due) for t in result.waiting_timers] == [("gw", T0 + timedelta(hours=48))]
    wf, result = at(clock, runtime, definition, wf, 47.9)
    assert result.status == "waiting" and open_ids(result) == []
    wf, result = at(clock, runtime, definition, wf, 48.01)
    assert open_ids(result) == ["call"]


def test_time_date_from_process_data(clock: FakeClock) -> None:
    definition, runtime = load("wait_until"), Runtime(clock=clock)
    wf, result = runtime.start(definition, {"remind_at": "2026-03-02T20:00:00+08:00"})
    assert result.waiting_timers[0].due == datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
    wf, result = at(clock, runtime, definition, wf, 2.99)
    assert result.status == "waiting"
    wf, result = at(clock, runtime, definition, wf, 3.01)
    assert result.status == "completed" and result.variables["fired"] is True


def test_reschedule_moves_one_timer(clock: FakeClock) -> None:
    definition, runtime = load("reply_or_call"), Runtime(clock=clock)
    wf, result = runtime.start(definition, {})
    reschedule(wf, result.waiting_timers[0].guid, T0 + timedelta(hours=2))
    wf, result = at(clock, runtime, definition, wf, 2.01)
    assert open_ids(result) == ["call"]
    with pytest.raises(KeyError):
        reschedule(wf, "00000000-0000-0000-0000-000000000000", T0)


def test_timer_start_event_runs_once_per_instance(clock: FakeClock) -> None:
    definition, runtime = load("hourly_start"), Runtime(clock=clock)
    assert definition.start_schedules == [StartSchedule("start", "cycle", "R/PT1H")]
    wf, result = runtime.start(definition, {})
    assert open_ids(result) == ["check"] and result.waiting_timers == []
    wf, result = at(clock, runtime, definition, wf, 5)
    assert open_ids(result) == ["check"] and result.waiting_timers == []


@pytest.mark.parametrize(("value", "kind", "after_hours", "expected_hours"), [
    ("R/PT1H", "cycle", 0, 1),            # first period after the anchor
    ("R/PT1H", "cycle", 1, 2),            # strictly after
    ("R/PT1H", "cycle", 5.5, 6),          # downtime: the missed ones are skipped
    ("R3/PT1H", "cycle", 2.5, 3),
    ("R3/PT1H", "cycle", 3, None),        # three occurrences, then no more
    ("R/2026-03-02T12:00:00+00:00/P1D", "cycle", 0, 3),
    ("R/2026-03-02T12:00:00+00:00/P1D", "cycle", 3, 27),
    ("PT30M", "duration", 0, 0.5),
    ("PT30M", "duration", 1, None),
    ("2026-03-03T09:00:00+00:00", "date", 0, 24),
    ("2026-03-03T09:00:00+00:00", "date", 25, None),
    ("R/2026-01-31T09:00:00+00:00/P1M", "cycle", 0, 24 * 29),     # 31 March: calendar months
    ("R/2026-01-31T09:00:00+00:00/P1M", "cycle", 24 * 29, 24 * 59),  # then 30 April
    ("R2/2026-01-31T09:00:00+00:00/P1M", "cycle", 0, None),       # Jan 31, Feb 28: done
    ("R/P1M", "cycle", 0, 24 * 31),                                  # a month after deploying
])
def test_start_schedule_occurrences(value: str, kind: str, after_hours: float,
                                    expected_hours: float | None) -> None:
    schedule = StartSchedule("start", kind, value)
    got = schedule.next_start(T0, T0 + timedelta(hours=after_hours))
    assert got == (None if expected_hours is None else T0 + timedelta(hours=expected_hours))


def test_a_start_timer_that_needs_process_data_is_refused() -> None:
    body = '''<bpmn:startEvent id="s"><bpmn:timerEventDefinition id="t">
<bpmn:timeCycle>cycle_from_data</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" /><bpmn:endEvent id="e" />'''
    with pytest.raises(InvalidModel) as info:
        parse_bundle({"p.bpmn": model(body)})
    assert info.value.problems[0].code == "invalid_timer"


def test_two_timer_starts_run_only_the_one_that_came_due(clock: FakeClock) -> None:
    body = '''<bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent"><bpmn:flowNodeRef>w</bpmn:flowNodeRef>
</bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="day_end"><bpmn:timerEventDefinition id="t1">
<bpmn:timeCycle>"R/2026-01-01T17:30:00+08:00/P1D"</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:startEvent id="evening_end"><bpmn:timerEventDefinition id="t2">
<bpmn:timeCycle>"R/2026-01-01T22:30:00+08:00/P1D"</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:sequenceFlow id="f1" sourceRef="day_end" targetRef="w" />
<bpmn:sequenceFlow id="f0" sourceRef="evening_end" targetRef="w" />
<bpmn:userTask id="w" name="W" /><bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="e" />
<bpmn:endEvent id="e" />'''
    definition = parse_bundle({"p.bpmn": model(body)})
    runtime = Runtime(clock=clock)
    # anchored weeks in the past: Spiff alone would fire once per missed day
    wf, result = runtime.start(definition, {}, start_event="evening_end")
    assert open_ids(result) == ["w"] and result.waiting_timers == []
    cancelled = [t.task_spec.bpmn_id for t in wf.tasks.values()
                 if t.state == TaskState.CANCELLED]
    assert cancelled == ["day_end"]
    done = runtime.complete_task(definition, wf, result.open_tasks[0].guid, {})
    assert done.status == "completed"


@pytest.mark.parametrize("typed, iso", [("4 小时", "PT4H"), ("1.5 小时", "PT1H30M"),
                                        ("30 minutes", "PT30M")])
def test_a_timer_duration_in_words_is_refused_with_its_iso_form(typed: str, iso: str) -> None:
    """SLA policies take '4 小时'; a BPMN timer needs ISO 8601: the refusal says which."""
    body = f'''<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w" />
<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition id="t">
<bpmn:timeDuration>"{typed}"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="e" /><bpmn:endEvent id="e" />'''
    with pytest.raises(InvalidModel) as info:
        parse_bundle({"p.bpmn": model(body)})
    [found] = info.value.problems
    assert (found.code, found.element_id) == ("invalid_timer", "w")
    assert f'"{iso}"' in found.message and f'"{iso}"' in said(found, "zh")
