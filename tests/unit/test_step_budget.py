"""Engine work per call is bounded: recursive call activities are refused at deploy, and a run
that nests, loops or lasts too long stops with an incident instead of holding the caller."""
from __future__ import annotations

import itertools

import pytest

import engine.parsing
from engine.errors import InvalidModel
from engine.parsing import parse_bundle
from engine.runtime import Runtime
from engine.step_budget import StepLimits
from tests.conftest import RESOURCES, bundle

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">\n')


def calling(process: str, called: str | None, inside_subprocess: bool = False) -> str:
    """A process whose one step calls ``called`` (a plain script when None), optionally from
    inside an embedded subprocess."""
    step = (f'<bpmn:callActivity id="call_{called}" name="Call" calledElement="{called}" />'
            if called else '<bpmn:scriptTask id="work"><bpmn:script>x = 1</bpmn:script>'
                           '</bpmn:scriptTask>')
    first = f"call_{called}" if called else "work"
    if inside_subprocess:
        p = process
        step = (f'<bpmn:subProcess id="{p}_sub"><bpmn:startEvent id="{p}_s" />'
                f'<bpmn:sequenceFlow id="{p}_sf1" sourceRef="{p}_s" targetRef="{first}" />'
                f'{step}<bpmn:sequenceFlow id="{p}_sf2" sourceRef="{first}" targetRef="{p}_e" />'
                f'<bpmn:endEvent id="{p}_e" /></bpmn:subProcess>')
        first = f"{p}_sub"
    return (f'<bpmn:process id="{process}" isExecutable="true">'
            f'<bpmn:startEvent id="{process}_start" />'
            f'<bpmn:sequenceFlow id="{process}_f1" sourceRef="{process}_start" '
            f'targetRef="{first}" />\n{step}\n'
            f'<bpmn:sequenceFlow id="{process}_f2" sourceRef="{first}" '
            f'targetRef="{process}_end" /><bpmn:endEvent id="{process}_end" /></bpmn:process>\n')


def document(*processes: str) -> bytes:
    return (HEAD + "".join(processes) + "</bpmn:definitions>\n").encode()


SELF_CALL = {"self.bpmn": document(calling("selfcall", "selfcall"))}


@pytest.mark.parametrize("files, element_ids", [
    (SELF_CALL, {"call_selfcall"}),
    ({"a.bpmn": document(calling("aa", "bb")), "b.bpmn": document(calling("bb", "aa"))},
     {"call_aa", "call_bb"}),
    ({"sub.bpmn": document(calling("outer", "outer", inside_subprocess=True))},
     {"call_outer"}),
])
def test_a_process_that_calls_itself_is_refused_at_deploy(files, element_ids) -> None:
    with pytest.raises(InvalidModel) as refused:
        parse_bundle(files)
    problems = [p for p in refused.value.problems if p.code == "recursive_call"]
    assert {p.element_id for p in problems} == element_ids
    assert all(p.line and "calls" in p.message for p in problems)


def test_calls_that_do_not_come_back_are_deployed() -> None:
    parse_bundle(bundle(RESOURCES / "subprocesses"))
    parse_bundle({"chain.bpmn": document(calling("first", "second"),
                                         calling("second", None, inside_subprocess=True))})


@pytest.fixture
def deployed_before_the_lint(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A recursive model as an older Flowdesk deployed it, without the deploy-time rule."""
    monkeypatch.setattr(engine.parsing, "lint_recursive_calls", lambda roots: [])
    return parse_bundle(SELF_CALL)


def test_recursion_at_run_time_stops_at_the_depth_limit(deployed_before_the_lint) -> None:
    _, result = Runtime(limits=StepLimits(timer=lambda: 0.0, max_call_depth=5)).start(
        deployed_before_the_lint)
    assert result.status == "error" and result.incident.kind == "call_depth"
    assert "nested 6 deep" in result.incident.message


def test_an_engine_run_stops_after_its_step_budget(deployed_before_the_lint) -> None:
    limits = StepLimits(timer=lambda: 0.0, max_tasks=40, max_call_depth=10_000)
    _, result = Runtime(limits=limits).start(deployed_before_the_lint)
    assert result.status == "error" and result.incident.kind == "step_limit"
    assert result.incident.task_guid and "40" in result.incident.message


def test_an_engine_run_stops_when_its_time_is_up(deployed_before_the_lint) -> None:
    ticks = itertools.count()  # a budget clock that moves one second per reading
    limits = StepLimits(timer=lambda: float(next(ticks)), max_seconds=10,
                        max_call_depth=10_000)
    _, result = Runtime(limits=limits).start(deployed_before_the_lint)
    assert result.status == "error" and result.incident.kind == "time_limit"


def test_a_stopped_run_continues_on_retry() -> None:
    """The task the budget stopped at stays READY: a retry with a new budget goes on."""
    definition = parse_bundle(bundle(RESOURCES / "subprocesses"))
    tight = Runtime(limits=StepLimits(timer=lambda: 0.0, max_tasks=2))
    wf, stopped = tight.start(definition)
    assert stopped.incident is not None and stopped.incident.kind == "step_limit"
    resumed = Runtime().retry(definition, wf)
    assert resumed.incident is None and resumed.open_tasks, resumed
