"""The runtime in SpiffWorkflow's save/restore style: every scenario runs straight through and
again with a serialize → reload between every step, and both must give the same result."""
from __future__ import annotations

import copy

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import FormInvalid, TaskNotFound, TaskNotReady
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from engine.step_result import StepResult
from tests.conftest import RESOURCES, bundle, scripted_bundle

Step = tuple[str, dict]  # (bpmn id of the task to complete, form data)


def drive(definition: ParsedDefinition, steps: list[Step], variables: dict,
          save_restore: bool, runtime: Runtime | None = None) -> list[StepResult]:
    """Run ``steps``; with ``save_restore`` the workflow is rebuilt from JSON before each one."""
    runtime = runtime or Runtime()
    wf, result = runtime.start(definition, variables)
    results = [result]
    for bpmn_id, data in steps:
        if save_restore:
            wf = runtime.loads(definition, runtime.dumps(wf))
        task = next(t for t in results[-1].open_tasks if t.bpmn_id == bpmn_id)
        results.append(runtime.complete_task(definition, wf, task.guid, data))
    if save_restore:
        final = runtime.loads(definition, runtime.dumps(wf))
        assert runtime.inspect(definition, final).status == results[-1].status
    return results


def summary(results: list[StepResult]) -> list[tuple]:
    return [(r.status, [t.bpmn_id for t in r.open_tasks], r.variables) for r in results]


def both_ways(definition: ParsedDefinition, steps: list[Step], variables: dict) -> list[tuple]:
    straight = summary(drive(definition, steps, variables, save_restore=False))
    restored = summary(drive(definition, steps, variables, save_restore=True))
    assert straight == restored
    return straight


@pytest.fixture(scope="module")
def three() -> ParsedDefinition:
    return parse_bundle(bundle(RESOURCES / "three_steps"))


def test_three_steps_same_result_with_save_restore(three: ParsedDefinition) -> None:
    out = both_ways(three, [("step_one", {"note": "a", "count": 2}), ("step_two", {"x": 1}),
                           ("step_three", {"done": True})], {"customer": {"name": "Li"}})
    assert [o[1] for o in out] == [["step_one"], ["step_two"], ["step_three"], []]
    assert out[-1][0] == "completed"
    assert out[-1][2] == {"customer": {"name": "Li"}, "note": "a", "count": 2, "x": 1,
                          "done": True}


def test_state_is_state_only(three: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, _ = runtime.start(three, {})
    state = runtime.dumps(wf)
    assert '"serializer_version":"1.5"' in state
    assert '"spec"' not in state and "task_specs" not in state


def test_form_is_validated_and_nothing_changes_on_failure(three: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, result = runtime.start(three, {})
    before = runtime.dumps(wf)
    with pytest.raises(FormInvalid) as info:
        runtime.complete_task(three, wf, result.open_tasks[0].guid, {"count": -1})
    assert {e["field"] for e in info.value.errors} == {"note", "count"}
    assert runtime.dumps(wf) == before


def test_only_ready_tasks_run(three: ParsedDefinition) -> None:
    """G4: Spiff would happily run a FUTURE task; the runtime refuses."""
    runtime = Runtime()
    wf, _ = runtime.start(three, {})
    future = next(t for t in wf.get_tasks() if t.task_spec.bpmn_id == "step_two")
    with pytest.raises(TaskNotReady):
        runtime.complete_task(three, wf, str(future.id), {})
    with pytest.raises(TaskNotFound):
        runtime.complete_task(three, wf, "00000000-0000-0000-0000-000000000000", {})
    with pytest.raises(TaskNotFound):
        runtime.complete_task(three, wf, "not-a-uuid", {})


def test_nested_data_of_completed_tasks_is_not_shared(three: ParsedDefinition) -> None:
    """G1: changing nested data later must not rewrite what an earlier task saw."""
    runtime = Runtime()
    wf, first = runtime.start(three, {"customer": {"address": {"city": "Hangzhou"}}})
    second = runtime.complete_task(three, wf, first.open_tasks[0].guid, {"note": "n"})
    task_two = wf.get_task_from_id(__import__("uuid").UUID(second.open_tasks[0].guid))
    task_two.data["customer"]["address"]["city"] = "Bergen"
    done = next(t for t in wf.get_tasks() if t.task_spec.bpmn_id == "step_one")
    assert done.data["customer"]["address"]["city"] == "Hangzhou"


def _raw_spec(script: str) -> ParsedDefinition:
    """Bypass the deploy-time lint, to prove the run-time sandbox holds on its own."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(scripted_bundle(script)["scripted.bpmn"])
    return ParsedDefinition(key="scripted", name="s", sha256="", spec=parser.get_spec("scripted"),
                            subprocess_specs={}, forms={})


@pytest.mark.parametrize("script, expected", [
    ("x = 1\ny = __import__('os').system('touch {marker}')", "__import__"),
    ("x = 1\nopen('{marker}', 'w').write('pwned')", "open"),
    ("x = ().__class__.__bases__[0].__subclasses__()\nopen('{marker}', 'w')", "starts with"),
    ("x = 1\nwhile True:\n    pass", "time"),
])
def test_forbidden_scripts_become_incidents(tmp_path, script: str, expected: str) -> None:
    marker = tmp_path / "pwned"
    definition = _raw_spec(script.format(marker=marker))
    runtime = Runtime(cpu_seconds=0.3)
    wf, result = runtime.start(definition, {"keep": 1})
    assert result.status == "error"
    assert result.incident is not None and result.incident.bpmn_id == "compute"
    assert expected.lower() in result.incident.message.lower()
    assert not marker.exists()
    assert "x" not in result.variables and result.variables["keep"] == 1


def test_script_error_reports_its_line() -> None:
    definition = _raw_spec("a = 1\nb = 2\nc = a / 0")
    result = Runtime().start(definition, {})[1]
    assert result.status == "error" and result.incident.line == 3
    assert "ZeroDivisionError" in result.incident.message


def test_good_script_runs() -> None:
    definition = _raw_spec("total = sum([i * 2 for i in range(4)])\nlabel = 'vip'.upper()")
    result = Runtime().start(definition, {})[1]
    assert result.status == "running"
    assert result.variables["total"] == 12 and result.variables["label"] == "VIP"


LOOP = '''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="loop" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="join" />
    <bpmn:exclusiveGateway id="join" />
    <bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="work" />
    <bpmn:userTask id="work" name="Work" />
    <bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="again" />
    <bpmn:exclusiveGateway id="again" default="f5" />
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="join">
      <bpmn:conditionExpression>repeat == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="again" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>'''


def test_deep_loops_stop_with_an_error_instead_of_a_false_completion() -> None:
    """G2: past the depth limit Spiff would hide the READY task and report 'completed'."""
    definition = parse_bundle({"loop.bpmn": LOOP.encode()})
    runtime = Runtime(max_depth=40)
    wf, result = runtime.start(definition, {})
    for _ in range(30):
        if result.status != "running":
            break
        result = runtime.complete_task(definition, wf, result.open_tasks[0].guid,
                                       {"repeat": True})
    assert result.status == "error"
    assert result.incident.kind == "loop_limit" and "looped" in result.incident.message


def test_loop_ends_normally_below_the_limit() -> None:
    definition = parse_bundle({"loop.bpmn": LOOP.encode()})
    steps = [("work", {"repeat": True})] * 3 + [("work", {"repeat": False})]
    out = both_ways(definition, steps, {})
    assert out[-1][0] == "completed"


def test_cancel(three: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, _ = runtime.start(three, {})
    assert runtime.cancel(wf).status == "cancelled"


def test_variables_are_copies(three: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, result = runtime.start(three, {"a": {"b": 1}})
    snapshot = copy.deepcopy(result.variables)
    result.variables["a"]["b"] = 99
    assert runtime.inspect(three, wf).variables == snapshot




def test_timers_run_on_the_injected_clock() -> None:
    from datetime import datetime, timezone

    from engine.clock import FakeClock
    from tests.unit.test_parsing import timer_model
    definition = parse_bundle({"t.bpmn": timer_model('"PT1H"')})
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    runtime = Runtime(clock=clock)
    wf, result = runtime.start(definition, {})
    assert result.status == "waiting"
    assert result.waiting_timers[0].due == datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    wf = runtime.loads(definition, runtime.dumps(wf))
    clock.advance(minutes=59)
    assert runtime.fire_due_timers(definition, wf).status == "waiting"
    clock.advance(minutes=1, seconds=1)  # Spiff fires once the due time has passed
    assert runtime.fire_due_timers(definition, wf).status == "completed"


def test_assignee_variable_names_the_user_from_process_data() -> None:
    from tests.unit.test_parsing import model
    body = '''<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="take" />
<bpmn:userTask id="take" name="Take over">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="assigneeVariable" value="substitute" />
    <spiffworkflow:property name="candidateGroups" value="Agent" />
  </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
<bpmn:sequenceFlow id="f2" sourceRef="take" targetRef="e" /><bpmn:endEvent id="e" />'''
    definition = parse_bundle({"p.bpmn": model(body)})
    runtime = Runtime()
    _, named = runtime.start(definition, {"substitute": "xiaozhou"})
    assert (named.open_tasks[0].assignee, named.open_tasks[0].candidate_groups) == (
        "xiaozhou", ["Agent"])
    _, unnamed = runtime.start(definition, {"substitute": "  "})
    assert unnamed.open_tasks[0].assignee is None


def test_candidate_groups_variable_routes_at_run_time() -> None:
    from tests.unit.test_parsing import model
    body = '''<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="take" />
<bpmn:userTask id="take" name="Handle">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="candidateGroupsVariable" value="route_to" />
    <spiffworkflow:property name="candidateGroups" value="Agent" />
  </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
<bpmn:sequenceFlow id="f2" sourceRef="take" targetRef="e" /><bpmn:endEvent id="e" />'''
    definition = parse_bundle({"p.bpmn": model(body)})
    runtime = Runtime()
    assert runtime.start(definition, {"route_to": "ComplaintGroup"})[1].open_tasks[0] \
        .candidate_groups == ["ComplaintGroup"]
    assert runtime.start(definition, {})[1].open_tasks[0].candidate_groups == ["Agent"]


def test_scripts_read_dates_from_the_injected_clock() -> None:
    from datetime import datetime, timezone

    from engine.clock import FakeClock
    from tests.unit.test_parsing import model
    body = '''<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="calc" />
<bpmn:scriptTask id="calc"><bpmn:script>stamp = now()
day = today()
notice = days_between(day, leave_start)
back = add_days(leave_start, 3)</bpmn:script></bpmn:scriptTask>
<bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="e" /><bpmn:endEvent id="e" />'''
    definition = parse_bundle({"p.bpmn": model(body)})
    clock = FakeClock(datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc))  # 01:00 on 2 March there
    runtime = Runtime(clock=clock, timezone="Asia/Shanghai")
    _, result = runtime.start(definition, {"leave_start": "2026-03-09"})
    assert result.variables["stamp"] == "2026-03-01T17:00:00+00:00"
    assert (result.variables["day"], result.variables["notice"], result.variables["back"]) == (
        "2026-03-02", 7, "2026-03-12")


def test_variables_merge_the_branches_waiting_at_a_parallel_join() -> None:
    from tests.unit.test_parsing import model
    body = '''<bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent"><bpmn:flowNodeRef>ask</bpmn:flowNodeRef>
</bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split" />
<bpmn:parallelGateway id="split" />
<bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="ask" />
<bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="calc" />
<bpmn:userTask id="ask" name="Ask" />
<bpmn:scriptTask id="calc"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
<bpmn:sequenceFlow id="f4" sourceRef="ask" targetRef="join" />
<bpmn:sequenceFlow id="f5" sourceRef="calc" targetRef="join" />
<bpmn:parallelGateway id="join" />
<bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="e" /><bpmn:endEvent id="e" />'''
    definition = parse_bundle({"p.bpmn": model(body)})
    _, result = Runtime().start(definition, {"customer_name": "王芳"})
    assert result.variables == {"customer_name": "王芳", "x": 1}
