"""External tasks on the engine: Camunda Modeler's attributes make a service task wait for a
worker; it is completed, or ended by a BPMN error that an error boundary catches, from outside;
every scenario also runs with the workflow rebuilt from its saved state before every step."""
from __future__ import annotations

import uuid

import pytest
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.util.task import TaskState

from engine import external_tasks
from engine.errors import ErrorNotCaught, InvalidModel, TaskNotReady
from engine.external_tasks import ExternalServiceTask
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from engine.step_result import StepResult
from tests.conftest import RESOURCES, bundle

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
        '<bpmn:error id="err_a" name="A" errorCode="A" />\n')


def model(task: str, boundaries: str = "", after: str = "") -> dict[str, bytes]:
    """A process: start -> ``task`` (id svc) -> end, with ``boundaries`` on svc, each
    leading to its own user task (id ``on_<boundary id>``) in the lane."""
    ids = [part.split('"')[1] for part in boundaries.split('<bpmn:boundaryEvent id=')[1:]]
    leads = "".join(
        f'<bpmn:sequenceFlow id="f_{b}" sourceRef="{b}" targetRef="on_{b}" />'
        f'<bpmn:userTask id="on_{b}" /><bpmn:sequenceFlow id="g_{b}" sourceRef="on_{b}" '
        f'targetRef="end_{b}" /><bpmn:endEvent id="end_{b}" />' for b in ids)
    refs = "".join(f"<bpmn:flowNodeRef>on_{b}</bpmn:flowNodeRef>" for b in ids)
    body = (f'<bpmn:laneSet id="ls"><bpmn:lane id="l" name="Agent">{refs}</bpmn:lane>'
            '</bpmn:laneSet><bpmn:startEvent id="s" />'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="svc" />'
            f'{task}{boundaries}{leads}{after}'
            '<bpmn:sequenceFlow id="f2" sourceRef="svc" targetRef="e" /><bpmn:endEvent id="e" />')
    return {"p.bpmn": (HEAD + f'<bpmn:process id="p" isExecutable="true">{body}'
                       '</bpmn:process></bpmn:definitions>').encode()}


def external(attributes: str = 'camunda:topic="work"', inner: str = "") -> str:
    return f'<bpmn:serviceTask id="svc" name="Work" camunda:type="external" {attributes}>' \
           f'{inner}</bpmn:serviceTask>'


def error_boundary(boundary_id: str, ref: str | None) -> str:
    definition = f'errorRef="{ref}"' if ref else ""
    return (f'<bpmn:boundaryEvent id="{boundary_id}" attachedToRef="svc">'
            f'<bpmn:errorEventDefinition id="ed_{boundary_id}" {definition} />'
            '</bpmn:boundaryEvent>')


@pytest.fixture(scope="module")
def card_payment() -> ParsedDefinition:
    return parse_bundle(bundle(RESOURCES / "external"))


def test_camunda_attributes_make_an_external_task(card_payment: ParsedDefinition) -> None:
    spec = card_payment.spec.task_specs["charge_card"]
    assert isinstance(spec, ExternalServiceTask)
    assert (spec.topic, spec.input_expressions, spec.priority) == (
        "charge_card", {"amount": "amount", "currency": "'CNY'"}, 10)
    assert card_payment.has_external_tasks
    assert card_payment.error_variables == {"card_declined": ("decline_code", "decline_reason")}
    assert not parse_bundle(bundle(RESOURCES / "three_steps")).has_external_tasks


Scenario = list[tuple[str, str, dict]]


def drive(definition: ParsedDefinition, steps: Scenario, save_restore: bool) -> list[tuple]:
    """Run the steps (``external``: complete; ``error``: throw data["code"]); with
    ``save_restore`` the workflow is rebuilt from its saved state before each one."""
    runtime = Runtime()
    wf, result = runtime.start(definition, {"amount": 99.5})
    seen = [_picture(result)]
    for action, bpmn_id, data in steps:
        if save_restore:
            wf = runtime.loads(definition, runtime.dumps(wf))
        if action == "user":
            task = next(t for t in result.open_tasks if t.bpmn_id == bpmn_id)
            result = runtime.complete_task(definition, wf, task.guid, data)
            seen.append(_picture(result))
            continue
        task = next(t for t in result.external_tasks if t.bpmn_id == bpmn_id)
        if action == "external":
            result = runtime.complete_external(definition, wf, task.guid, data)
        else:
            result = runtime.throw_external_error(definition, wf, task.guid, data["code"],
                                                  data.get("message", ""), data.get("variables"))
        seen.append(_picture(result))
    return seen


def _picture(result: StepResult) -> tuple:
    assert result.incident is None, result.incident
    return (result.status, [t.bpmn_id for t in result.open_tasks],
            [(t.bpmn_id, t.topic, t.input) for t in result.external_tasks], result.variables)


@pytest.mark.parametrize("steps", [
    [("external", "charge_card", {"charge_id": "ch_1"}), ("external", "send_receipt", {})],
    [("error", "charge_card", {"code": "CARD_DECLINED", "message": "余额不足",
                               "variables": {"bank": "ICBC"}}),
     ("user", "call_customer", {})],
    [("external", "charge_card", {}), ("error", "send_receipt", {"code": "SMTP_DOWN"})],
], ids=["completed", "caught by its code", "caught by a catch-all boundary"])
def test_the_same_results_with_save_and_restore_between_steps(
        card_payment: ParsedDefinition, steps: Scenario) -> None:
    straight = drive(card_payment, steps, save_restore=False)
    assert drive(card_payment, steps, save_restore=True) == straight
    assert straight[0][:3] == ("waiting", [], [
        ("charge_card", "charge_card", {"amount": 99.5, "currency": "CNY"})])
    assert straight[-1][0] == "completed"


def test_a_caught_error_sets_its_variables_and_camundas_code_and_message(
        card_payment: ParsedDefinition) -> None:
    seen = drive(card_payment, [("error", "charge_card", {
        "code": "CARD_DECLINED", "message": "余额不足", "variables": {"bank": "ICBC"}})],
                 save_restore=True)
    status, open_ids, externals, variables = seen[-1]
    assert (status, open_ids, externals) == ("running", ["call_customer"], [])
    assert variables == {"amount": 99.5, "bank": "ICBC", "decline_code": "CARD_DECLINED",
                         "decline_reason": "余额不足"}


def test_an_uncaught_error_is_refused_and_changes_nothing(
        card_payment: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, result = runtime.start(card_payment, {"amount": 1})
    before = runtime.dumps(wf)
    with pytest.raises(ErrorNotCaught, match="'扣款'.*'NOT_DECLARED'"):
        runtime.throw_external_error(card_payment, wf, result.external_tasks[0].guid,
                                     "NOT_DECLARED")
    assert runtime.dumps(wf) == before
    assert runtime.inspect(card_payment, wf).external_tasks == result.external_tasks


def test_only_an_open_external_task_can_be_completed_from_outside(
        card_payment: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, result = runtime.start(card_payment, {"amount": 1})
    guid = result.external_tasks[0].guid
    runtime.complete_external(card_payment, wf, guid, {})
    with pytest.raises(TaskNotReady, match="not an external task waiting"):
        runtime.complete_external(card_payment, wf, guid, {})
    declined = runtime.start(card_payment, {"amount": 1})
    runtime.throw_external_error(card_payment, declined[0],
                                 declined[1].external_tasks[0].guid, "CARD_DECLINED")
    user_task = runtime.inspect(card_payment, declined[0]).open_tasks[0]
    with pytest.raises(TaskNotReady):
        runtime.complete_external(card_payment, declined[0], user_task.guid, {})


def test_an_input_that_cannot_be_evaluated_is_an_incident_a_retry_mends(
        card_payment: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, result = runtime.start(card_payment, {})  # no amount
    assert result.status == "error" and result.incident is not None
    assert result.incident.bpmn_id == "charge_card" and result.external_tasks == []
    wf = runtime.loads(card_payment, runtime.dumps(wf))
    mended = runtime.retry(card_payment, wf, {"amount": 5})
    assert mended.status == "waiting" and mended.incident is None
    assert [t.input for t in mended.external_tasks] == [{"amount": 5, "currency": "CNY"}]


def test_a_specific_code_wins_over_a_catch_all_boundary() -> None:
    definition = parse_bundle(model(external(), error_boundary("any", None)
                                    + error_boundary("for_a", "err_a")))
    runtime = Runtime()
    for code, caught_by in (("A", "on_for_a"), ("B", "on_any")):
        wf, result = runtime.start(definition, {})
        after = runtime.throw_external_error(definition, wf, result.external_tasks[0].guid,
                                             code)
        assert [t.bpmn_id for t in after.open_tasks] == [caught_by]


def test_a_multi_instance_external_task_waits_for_each_item() -> None:
    loop = ('<bpmn:multiInstanceLoopCharacteristics>'
            '<bpmn:loopDataInputRef>phones</bpmn:loopDataInputRef>'
            '<bpmn:inputDataItem id="phone" name="phone" />'
            '</bpmn:multiInstanceLoopCharacteristics>')
    definition = parse_bundle(model(external('camunda:topic="sms"', loop),
                                    error_boundary("any", None)))
    runtime = Runtime()
    wf, result = runtime.start(definition, {"phones": ["138", "139"]})
    assert [t.topic for t in result.external_tasks] == ["sms", "sms"]
    first, second = result.external_tasks
    result = runtime.complete_external(definition, wf, first.guid, {})
    assert [t.guid for t in result.external_tasks] == [second.guid]
    wf = runtime.loads(definition, runtime.dumps(wf))
    result = runtime.throw_external_error(definition, wf, second.guid, "GATEWAY_DOWN")
    assert ([t.bpmn_id for t in result.open_tasks], result.external_tasks) == (["on_any"], [])


@pytest.mark.parametrize(("task", "message"), [
    (external(""), "needs a topic (camunda:topic)"),
    ('<bpmn:serviceTask id="svc" camunda:class="com.shop.Charge" />',
     "camunda:class names an implementation Flowdesk cannot run"),
    ('<bpmn:serviceTask id="svc" camunda:type="connector" camunda:topic="x" />',
     'camunda:type="connector" names an implementation'),
    (external(inner='<bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter '
                    'name="total">${a + b}</camunda:inputParameter></camunda:inputOutput>'
                    '</bpmn:extensionElements>'), "must be a constant text or ${variable}"),
    (external(inner='<bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter '
                    'name="x">${y}</camunda:outputParameter></camunda:inputOutput>'
                    '</bpmn:extensionElements>'), "output mappings"),
    (external('camunda:topic="t" camunda:taskPriority="${p}"'), "must be a whole number"),
    ('<bpmn:serviceTask id="svc" />', "no topic for an external worker"),
    ('<bpmn:sendTask id="svc" camunda:type="external" camunda:topic="t" />',
     "Flowdesk runs on service tasks only"),
])
def test_service_tasks_flowdesk_cannot_run_are_refused_at_deploy(task: str, message: str) -> None:
    with pytest.raises(InvalidModel) as raised:
        parse_bundle(model(task))
    # (a send task without a message is refused for that too)
    [problem] = [p for p in raised.value.problems if p.code == "invalid_service_task"]
    assert problem.element_id == "svc"
    assert message in problem.message and problem.line is not None


def test_a_flowdesk_operator_can_make_an_external_task() -> None:
    """The reuse point for connectors: an operator listed in EXTERNAL_OPERATORS becomes an
    external task of its topic, its parameters (expressions) evaluated into the input."""
    task = ('<bpmn:serviceTask id="svc"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="http"><spiffworkflow:parameters>'
            '<spiffworkflow:parameter id="url" type="str" value="base + \'/orders\'" />'
            '<spiffworkflow:parameter id="method" type="str" value="\'GET\'" />'
            '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>'
            '</bpmn:extensionElements></bpmn:serviceTask>')
    definition = parse_bundle(model(task))
    _wf, result = Runtime().start(definition, {"base": "https://shop.example"})
    [opened] = result.external_tasks
    assert (opened.topic, opened.input) == (
        "flowdesk.http", {"url": "https://shop.example/orders", "method": "GET"})


def test_the_spec_converter_round_trips(card_payment: ParsedDefinition) -> None:
    registry = Runtime().serializer._serializer.registry
    spec = card_payment.spec.task_specs["charge_card"]
    dct = registry.convert(spec)
    assert (dct["topic"], dct["input_expressions"], dct["priority"]) == (
        "charge_card", spec.input_expressions, 10)
    restored = registry.restore({**dct, "wf_spec": BpmnProcessSpec("a copy")})
    assert isinstance(restored, ExternalServiceTask)
    assert (restored.topic, restored.input_expressions, restored.priority,
            restored.bpmn_id) == (spec.topic, spec.input_expressions, 10, "charge_card")


def test_an_open_external_task_is_started_in_the_saved_state(
        card_payment: ParsedDefinition) -> None:
    runtime = Runtime()
    wf, result = runtime.start(card_payment, {"amount": 3})
    restored = runtime.loads(card_payment, runtime.dumps(wf))
    task = restored.get_task_from_id(uuid.UUID(result.external_tasks[0].guid))
    assert task.state == TaskState.STARTED
    assert task.internal_data[external_tasks.INPUT_KEY] == {"amount": 3, "currency": "CNY"}
