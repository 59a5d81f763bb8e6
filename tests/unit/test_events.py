"""What an instance waits for and what it throws for the others (``engine.events``), for each
kind of catcher, and that it holds after the instance is saved and loaded again."""
from __future__ import annotations

import pytest

from engine.events import Subscription, correlation_hash
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from tests.conftest import RESOURCES, bundle

MESSAGING = RESOURCES / "messaging"


def model(folder: str) -> ParsedDefinition:
    path = MESSAGING / folder
    return parse_bundle(bundle(path if path.exists() else RESOURCES / "conformance" / folder))


@pytest.fixture
def runtime() -> Runtime:
    return Runtime()


def reloaded(runtime: Runtime, definition: ParsedDefinition, wf):  # type: ignore[no-untyped-def]
    return runtime.loads(definition, runtime.dumps(wf))


def test_an_intermediate_catch_is_correlated_by_the_cases_own_values(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("reply_wait")
    _, result = runtime.start(definition, {"order_no": 1001})
    assert result.subscriptions == [Subscription("message", "customer_replied", "wait_reply",
                                                 {"order_no": "1001"})]
    _, unknown = runtime.start(definition, {})  # no order number: reached by id or key only
    assert unknown.subscriptions[0].correlation == {}


def test_a_receive_task_puts_the_payload_in_its_variable(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("receive_task")
    wf, result = runtime.start(definition, {"order_no": "R1"})
    assert [(s.bpmn_id, s.correlation) for s in result.subscriptions] == [
        ("wait_refund", {"order_no": "R1"})]
    wf = reloaded(runtime, definition, wf)
    result = runtime.send_event(definition, wf, "message", "refund_done",
                                {"order_no": "R1", "amount": 30})
    assert [t.bpmn_id for t in result.open_tasks] == ["tell_buyer"]
    assert result.variables["refund"] == {"order_no": "R1", "amount": 30}
    assert result.subscriptions == []


def test_an_event_based_gateway_waits_for_its_message_branch(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("gateway_wait")
    wf, result = runtime.start(definition, {})
    # SpiffWorkflow waits on the gateway itself, for any of its branches' events
    assert [(s.kind, s.name, s.bpmn_id) for s in result.subscriptions] == [
        ("message", "parcel_arrived", "which_first")]
    assert len(result.waiting_timers) == 1
    wf = reloaded(runtime, definition, wf)
    result = runtime.send_event(definition, wf, "message", "parcel_arrived", {"carrier": "SF"})
    assert [t.bpmn_id for t in result.open_tasks] == ["unpack"]
    assert result.subscriptions == [] and result.waiting_timers == []


def test_event_subprocess_starts_are_waited_for_while_the_instance_runs(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("event_subprocess")
    wf, result = runtime.start(definition, {})
    assert {(s.kind, s.name) for s in result.subscriptions} == {
        ("message", "customer_note"), ("signal", "case_withdrawn")}
    wf = reloaded(runtime, definition, wf)
    result = runtime.send_event(definition, wf, "signal", "case_withdrawn", {})
    assert result.status != "completed"
    assert [t.bpmn_id for t in result.open_tasks] == ["close_withdrawn"]


def test_boundary_events_are_waited_for_on_their_activity(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("events")
    _, result = runtime.start(definition, {"replies": 0})
    assert {(s.kind, s.name, s.bpmn_id) for s in result.subscriptions} == {
        ("message", "customer_reply", "replied"), ("signal", "case_withdrawn", "withdrawn")}


def test_start_events_by_name() -> None:
    assert [(s.kind, s.name) for s in model("order_intake").start_events] == [
        ("message", "order_created")]
    assert [(s.kind, s.name) for s in model("closing_report").start_events] == [
        ("signal", "shop_closed")]
    assert model("reply_wait").start_events == []
    assert not model("notifier").catches_events and model("reply_wait").catches_events


def test_a_message_start_event_starts_with_the_payload(runtime) -> None:  # type: ignore[no-untyped-def]
    _, result = runtime.start(model("order_intake"), {"case_no": "C1"},
                              event=("message", "order_created", {"order_no": "TB9"}))
    assert [t.bpmn_id for t in result.open_tasks] == ["check_order"]
    assert result.variables["order_no"] == "TB9" and result.variables["case_no"] == "C1"


def test_what_an_instance_throws_for_the_others(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("notifier")
    wf, result = runtime.start(definition, {"order_no": "TB7", "reply": "好"})
    assert result.thrown == []
    wf = reloaded(runtime, definition, wf)
    result = runtime.complete_task(definition, wf, result.open_tasks[0].guid, {})
    message, signal = result.thrown
    assert (message.kind, message.name, message.correlation) == (
        "message", "customer_replied", {"order_no": "TB7"})
    assert message.payload == {"order_no": "TB7", "reply": "好"}
    assert (signal.kind, signal.name) == ("signal", "shop_closed")  # a signal end event


def test_a_signal_caught_inside_is_also_broadcast(runtime) -> None:  # type: ignore[no-untyped-def]
    definition = model("internal_signal")
    wf, result = runtime.start(definition, {})
    result = runtime.complete_task(definition, wf, result.open_tasks[0].guid, {})
    assert result.status == "completed"  # the other branch heard it
    assert [(t.kind, t.name) for t in result.thrown] == [("signal", "stock_checked")]


def test_correlation_hash_ignores_order_and_type() -> None:
    assert correlation_hash({"a": 1, "b": "x"}) == correlation_hash({"b": "x", "a": "1"})
    assert correlation_hash({"a": 1}) != correlation_hash({"a": 2})
