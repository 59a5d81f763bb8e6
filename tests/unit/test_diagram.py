"""engine.diagram: the BPMN ids an instance is at and has done, for drawing its diagram."""
from __future__ import annotations

from engine.clock import FakeClock
from engine.diagram import element_ids, progress
from engine.runtime import Runtime
from tests.unit.test_timers import T0, at, load


def test_a_user_task_with_boundary_timers_then_the_escalation() -> None:
    clock = FakeClock(T0)
    definition, runtime = load("boundary_timers"), Runtime(clock=clock)
    wf, _ = runtime.start(definition, {"reminders": 0})
    # the task and the boundary events waiting on it
    assert progress(wf) == (["handle", "hourly", "sla_breach"], ["start"])
    wf, result = at(clock, runtime, definition, wf, 4.01)
    assert [t.bpmn_id for t in result.open_tasks] == ["escalate"]
    active, completed = progress(wf)
    assert active == ["escalate"]
    assert {"start", "sla_breach"} <= set(completed)
    assert "handle" not in completed  # interrupted, not done


def test_only_the_shown_file_s_elements_are_kept() -> None:
    definition, runtime = load("reply_or_call"), Runtime(clock=FakeClock(T0))
    wf, _ = runtime.start(definition, {})
    specs = [definition.spec, *definition.subprocess_specs.values()]
    known = element_ids(specs, definition.spec.file)
    assert {"start", "gw", "reply", "no_reply", "call"} <= known
    assert element_ids(specs, "another.bpmn") == set()
    assert progress(wf, known) == (["gw"], ["start"])  # an event-based gateway waits
    assert progress(wf, {"start"}) == ([], ["start"])
