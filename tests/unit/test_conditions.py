"""Conditional events read the instance's variables, so a change on another branch fires them:
a message's payload, a timer's path, a retry with corrected variables, a task inside a
subprocess (the matrix covers tasks completed and an admin's update); models without one
never pay for the check."""
from __future__ import annotations

import pytest

from engine import conditions
from engine.clock import FakeClock
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from engine.step_result import StepResult
from tests.conformance import CONFORMANCE
from tests.conftest import bundle

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:message id="msg_go" name="go" />
  <bpmn:process id="ready_when" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent">
      <bpmn:flowNodeRef>proceed</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="a1" sourceRef="fork" targetRef="wait_ready" />
    <bpmn:intermediateCatchEvent id="wait_ready">
      <bpmn:conditionalEventDefinition id="c"><bpmn:condition>ready</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="a2" sourceRef="wait_ready" targetRef="proceed" />
    <bpmn:userTask id="proceed" />
    <bpmn:sequenceFlow id="a3" sourceRef="proceed" targetRef="join" />
    <bpmn:sequenceFlow id="b1" sourceRef="fork" targetRef="source" />
    <bpmn:exclusiveGateway id="source" default="b_script" />
    <bpmn:sequenceFlow id="b_message" sourceRef="source" targetRef="go">
      <bpmn:conditionExpression>via == "message"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="b_timer" sourceRef="source" targetRef="an_hour">
      <bpmn:conditionExpression>via == "timer"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="b_script" sourceRef="source" targetRef="compute" />
    <bpmn:intermediateCatchEvent id="go">
      <bpmn:messageEventDefinition id="m" messageRef="msg_go">
        <bpmn:extensionElements>
          <spiffworkflow:messageVariable>ready</spiffworkflow:messageVariable>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="an_hour">
      <bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="b2" sourceRef="an_hour" targetRef="set_ready" />
    <bpmn:scriptTask id="set_ready"><bpmn:script>ready = True</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="compute"><bpmn:script>ready = 10 / divisor &gt; 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="b3" sourceRef="go" targetRef="merge" />
    <bpmn:sequenceFlow id="b4" sourceRef="set_ready" targetRef="merge" />
    <bpmn:sequenceFlow id="b5" sourceRef="compute" targetRef="merge" />
    <bpmn:exclusiveGateway id="merge" />
    <bpmn:sequenceFlow id="b6" sourceRef="merge" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""
FILES = {"ready_when.bpmn": MODEL.encode()}


def _drive(via: str, reload_each_step: bool, **start: object) -> list[tuple]:
    """Start with ``via``, make the other branch change 'ready', then complete 'proceed'."""
    clock = FakeClock()
    runtime, definition = Runtime(clock=clock), parse_bundle(FILES)
    wf, result = runtime.start(definition, {"ready": False, "via": via, **start})
    seen = [_seen(result)]

    def reloaded() -> ParsedDefinition:
        nonlocal runtime, wf
        if reload_each_step:
            state = runtime.dumps(wf)
            runtime, parsed = Runtime(clock=clock), parse_bundle(FILES)
            wf = runtime.loads(parsed, state)
            return parsed
        return definition

    parsed = reloaded()
    if via == "message":
        result = runtime.send_event(parsed, wf, "message", "go", True)  # type: ignore[arg-type]
    elif via == "timer":
        clock.advance(minutes=61)
        result = runtime.fire_due_timers(parsed, wf)
    else:
        seen.append(_seen(result))
        result = runtime.retry(parsed, wf, {"divisor": 2})
    seen.append(_seen(result))
    parsed = reloaded()
    result = runtime.complete_task(parsed, wf, result.open_tasks[0].guid, {})
    seen.append(_seen(result))
    return seen


def _seen(result: StepResult) -> tuple:
    return (result.status, [t.bpmn_id for t in result.open_tasks],
            result.variables.get("ready"), result.incident and result.incident.bpmn_id)


@pytest.mark.parametrize("via, start", [("message", {}), ("timer", {}),
                                        ("retry", {"divisor": 0})])
def test_a_condition_fires_when_its_variables_change(via: str, start: dict) -> None:
    straight = _drive(via, False, **start)
    assert straight == _drive(via, True, **start)
    assert straight[0][:2] == (("error", []) if via == "retry" else ("waiting", []))
    assert straight[-2][:3] == ("running", ["proceed"], True)
    assert straight[-1][:3] == ("completed", [], True)


def test_models_without_conditions_skip_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path stays as it was: no conditional event, no re-evaluation."""
    gateways = parse_bundle(bundle(CONFORMANCE / "gateways"))
    assert not gateways.has_conditions
    assert parse_bundle(bundle(CONFORMANCE / "conditional")).has_conditions
    assert parse_bundle(FILES).has_conditions

    def never(wf: object) -> bool:
        raise AssertionError("looked at conditions")

    monkeypatch.setattr(conditions, "recheck", never)
    runtime = Runtime()
    wf, result = runtime.start(gateways, {"route": "a", "picks": []})
    result = runtime.complete_task(gateways, wf, result.open_tasks[0].guid, {})
    assert result.incident is None and result.status == "running"


SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="flag_inside" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent">
      <bpmn:flowNodeRef>raise_flag</bpmn:flowNodeRef><bpmn:flowNodeRef>carry_on</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>flagged</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:subProcess id="work">
      <bpmn:startEvent id="work_start" />
      <bpmn:sequenceFlow id="w1" sourceRef="work_start" targetRef="raise_flag" />
      <bpmn:userTask id="raise_flag" />
      <bpmn:sequenceFlow id="w2" sourceRef="raise_flag" targetRef="carry_on" />
      <bpmn:userTask id="carry_on" />
      <bpmn:sequenceFlow id="w3" sourceRef="carry_on" targetRef="work_end" />
      <bpmn:endEvent id="work_end" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="on_flag" attachedToRef="work" cancelActivity="false">
      <bpmn:conditionalEventDefinition id="c"><bpmn:condition>flag</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="b1" sourceRef="on_flag" targetRef="flagged" />
    <bpmn:userTask id="flagged" />
    <bpmn:sequenceFlow id="b2" sourceRef="flagged" targetRef="flag_end" />
    <bpmn:endEvent id="flag_end" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_boundary_condition_sees_a_change_inside_its_subprocess() -> None:
    """SpiffWorkflow looks at a workflow's waiting events again when one of its own tasks
    completes; a change inside a subprocess is in another workflow, so the runtime's own
    look after the step is what fires the boundary on the subprocess."""
    definition = parse_bundle({"flag_inside.bpmn": SUBPROCESS.encode()})
    runtime = Runtime()
    wf, result = runtime.start(definition, {"flag": False})
    result = runtime.complete_task(definition, wf, result.open_tasks[0].guid, {"flag": True})
    assert sorted(t.bpmn_id for t in result.open_tasks) == ["carry_on", "flagged"]
    for bpmn_id in ("flagged", "carry_on"):
        task = next(t for t in result.open_tasks if t.bpmn_id == bpmn_id)
        result = runtime.complete_task(definition, wf, task.guid, {})
    assert result.status == "completed" and result.incident is None


def test_a_process_with_a_conditional_start_waits_until_it_holds() -> None:
    """Its start event reads the start variables; a later update can make it true."""
    body = SUBPROCESS.replace('<bpmn:startEvent id="start" />', (
        '<bpmn:startEvent id="start"><bpmn:conditionalEventDefinition id="s">'
        '<bpmn:condition>open</bpmn:condition></bpmn:conditionalEventDefinition>'
        '</bpmn:startEvent>'))
    definition = parse_bundle({"flag_inside.bpmn": body.encode()})
    runtime = Runtime()
    _, started = runtime.start(definition, {"open": True, "flag": False})
    assert [t.bpmn_id for t in started.open_tasks] == ["raise_flag"]
    wf, waiting = runtime.start(definition, {"open": False, "flag": False})
    assert (waiting.status, waiting.open_tasks) == ("waiting", [])
    opened = runtime.update_variables(definition, wf, {"open": True})
    assert [t.bpmn_id for t in opened.open_tasks] == ["raise_flag"]
