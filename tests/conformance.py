"""The conformance matrix: small models of the BPMN elements Flowdesk accepts, each with a path
through it, run straight through and rebuilt before every step from saved state with the model
parsed again (a restart, a second node, evicted caches). ``tests/unit/test_conformance.py``
runs them on the engine, ``tests/integration/test_conformance_api.py`` through the API on both
databases.

A step is ``("complete", bpmn_id, data)`` (the first open task of that element: one item of a
multi-instance task at a time), ``("message", name, payload)``, ``("signal", name, payload)``,
``("advance", "PT31M", {})`` (the clock moves on and due timers fire),
``("variables", "", {...})`` (an admin changes the instance's variables), ``("external",
bpmn_id, variables)`` (a worker completes that external task) or ``("bpmn_error", bpmn_id,
{"code", "variables"})`` (a worker throws a BPMN error from it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.clock import FakeClock
from engine.diagram import progress
from engine.parsing import parse_bundle
from engine.runtime import Runtime
from engine.step_result import StepResult
from engine.sla import parse_duration
from tests.conftest import RESOURCES, bundle

CONFORMANCE = RESOURCES / "conformance"
CONDITIONS = {"paid": False, "urgent": False, "withdrawn": False, "complaint": False}
Step = tuple[str, str, dict]


@dataclass(frozen=True)
class Case:
    """One path through one model, and where it must end."""

    name: str
    folder: Path
    variables: dict
    steps: list[Step]
    status: str  # the instance's status after the last step
    variables_after: dict = field(default_factory=dict)  # a subset of the final variables


CASES = [
    Case("exclusive default, parallel, inclusive two of three", CONFORMANCE / "gateways",
         {"route": "b", "picks": ["x", "y"]},
         [("complete", "choose", {}), ("complete", "task_b", {}), ("complete", "right", {}),
          ("complete", "left", {}), ("complete", "inc_y", {}), ("complete", "inc_x", {})],
         "completed", {"summary": "b:x,y"}),
    Case("exclusive condition, inclusive default", CONFORMANCE / "gateways",
         {"route": "a", "picks": []},
         [("complete", "choose", {}), ("complete", "task_a", {}), ("complete", "left", {}),
          ("complete", "right", {}), ("complete", "inc_none", {})],
         "completed", {"summary": "a:"}),
    Case("multi-instance parallel, then sequential", CONFORMANCE / "multi_instance",
         {"items": ["p1", "p2", "p3"]},
         [("complete", "check_each", {"check": "ok-1"}),
          ("complete", "check_each", {"check": "ok-2"}),
          ("complete", "check_each", {"check": "ok-3"}),
          ("complete", "confirm_each", {"confirmation": "c-1"}),
          ("complete", "confirm_each", {"confirmation": "c-2"}),
          ("complete", "confirm_each", {"confirmation": "c-3"})],
         "completed", {"items": ["p1", "p2", "p3"]}),
    Case("multi-instance without output, completion condition, loop cardinality",
         CONFORMANCE / "multi_instance_plain", {"items": ["p1", "p2", "p3"], "box_full": False},
         [("complete", "look_at_each", {"seen": 1}), ("complete", "look_at_each", {"seen": 2}),
          ("complete", "look_at_each", {"seen": 3}), ("complete", "pack_each", {}),
          ("complete", "pack_each", {"box_full": True}), ("complete", "sign_twice", {}),
          ("complete", "sign_twice", {"signed": True})],
         "completed", {"items": ["p1", "p2", "p3"], "box_full": True, "signed": True}),
    # Sub-workflows take the script engine from the top workflow; setting it on them failed
    # every cold load of an instance with a subprocess or call activity.
    Case("embedded subprocess and call activity", RESOURCES / "subprocesses", {},
         [("complete", "inner_review", {"approved": True}), ("complete", "called_step", {}),
          ("complete", "after", {})],
         "completed", {"score": 20}),
    # The reply's branch runs beside the task and ends on its own: its data stays on that branch
    # (SpiffWorkflow's data flow), so the main path still reads replies == 0. SpiffWorkflow 3.2
    # catches a non-interrupting message boundary once per activity, not once per message.
    Case("non-interrupting message boundary, then an intermediate message catch",
         CONFORMANCE / "events", {"replies": 0},
         [("message", "customer_reply", {}), ("complete", "work", {"done": True}),
          ("message", "parcel_arrived", {})],
         "completed", {"replies": 0, "done": True}),
    Case("interrupting signal boundary", CONFORMANCE / "events", {"replies": 0},
         [("signal", "case_withdrawn", {})], "completed", {"replies": 0}),
    Case("non-interrupting timer boundary, intermediate timer, subprocess, manual task",
         CONFORMANCE / "timers_errors", {},
         [("advance", "PT31M", {}), ("complete", "intake", {"bad": False}),
          ("advance", "PT2H1M", {}), ("complete", "call_customer", {})],
         "completed", {"bad": False}),
    Case("error end event in a subprocess caught by an error boundary",
         CONFORMANCE / "timers_errors", {},
         [("complete", "intake", {"bad": True}), ("advance", "PT2H1M", {}),
          ("complete", "fix", {"fixed": True})],
         "completed", {"bad": True, "fixed": True}),
    Case("non-interrupting message event subprocess beside the main flow",
         CONFORMANCE / "event_subprocess", {},
         [("message", "customer_note", {}), ("complete", "take_note", {"note": "call back"}),
          ("complete", "work", {"done": True})],
         "completed", {"done": True}),
    Case("interrupting signal event subprocess stops the main flow and the other",
         CONFORMANCE / "event_subprocess", {},
         [("message", "customer_note", {}), ("signal", "case_withdrawn", {}),
          ("complete", "close_withdrawn", {"closed": True})],
         "completed", {"closed": True}),
    Case("external tasks done by workers, one inside a subprocess", CONFORMANCE / "external",
         {"sku": "A-1"},
         [("external", "check_stock", {"in_stock": True}),
          ("external", "print_label", {"label": "L-1"}), ("complete", "ship", {})],
         "completed", {"in_stock": True, "label": "L-1"}),
    Case("a BPMN error from an external task caught by its error boundary",
         CONFORMANCE / "external", {"sku": "A-2"},
         [("bpmn_error", "check_stock", {"code": "OUT_OF_STOCK",
                                         "variables": {"eta": "next week"}}),
          ("complete", "backorder", {})],
         "completed", {"eta": "next week"}),
    Case("a BPMN error from an external task caught on its subprocess",
         CONFORMANCE / "external", {"sku": "A-3"},
         [("external", "check_stock", {"in_stock": True}),
          ("bpmn_error", "print_label", {"code": "PRINTER_JAM", "variables": {}}),
          ("complete", "pack_by_hand", {"packed": True})],
         "completed", {"in_stock": True, "packed": True}),
    Case("an interrupting timer boundary withdraws an external task", CONFORMANCE / "external",
         {"sku": "A-4"},
         [("advance", "PT1H1M", {}), ("complete", "chase_supplier", {})], "completed", {}),
    # A timer fires once it is past due, so each advance goes a minute beyond. The reminders'
    # own branch keeps its data (SpiffWorkflow's data flow), so they are counted in a data
    # object, which belongs to the workflow, not to a branch.
    Case("timeDate intermediate, timeCycle non-interrupting boundary firing twice",
         CONFORMANCE / "timer_kinds", {},
         [("advance", "PT61M", {}), ("advance", "PT61M", {}), ("advance", "PT60M", {}),
          ("complete", "handle", {})],
         "completed", {"data_objects": {"reminders": 2}}),
    Case("escalation thrown in a subprocess, caught by a non-interrupting boundary",
         CONFORMANCE / "escalation", {"refused": False},
         [("complete", "work", {"notes": "late"}), ("complete", "note_late", {}),
          ("complete", "finish", {"refused": False})],
         "completed", {"notes": "late"}),
    # An interrupting escalation ends the subprocess: what was set inside it stays there.
    Case("escalation end event caught by an interrupting boundary",
         CONFORMANCE / "escalation", {"refused": False},
         [("complete", "work", {}), ("complete", "finish", {"refused": True}),
          ("complete", "supervise", {"taken_over": True}), ("complete", "note_late", {})],
         "completed", {"refused": False, "taken_over": True}),
    # The catches wait before the throw: SpiffWorkflow keeps no message nobody waits for (a
    # send task before its receive task is waiting loses the message).
    Case("signal and message thrown and caught in the same instance", CONFORMANCE / "throw_catch",
         {}, [("complete", "pack", {"parcel_no": "SF123", "weight": 2.5}),
              ("complete", "ship", {})],
         "completed", {"parcel_info": {"parcel_no": "SF123", "weight": 2.5}}),
    Case("event-based gateway: the timer comes first", CONFORMANCE / "event_gateway", {},
         [("complete", "ask_customer", {}), ("advance", "P2DT1M", {}), ("complete", "chase", {})],
         "completed"),
    Case("event-based gateway: the message comes first", CONFORMANCE / "event_gateway", {},
         [("complete", "ask_customer", {}), ("message", "customer_reply", {}),
          ("complete", "read_reply", {})],
         "completed"),
    # Every round of a loop deepens the task tree (G2): past 900 tasks deep (about 300 rounds
    # of a three-step loop) the runtime stops with an incident. Here a counter bounds it.
    Case("standard loop until a condition, gateway loop back", CONFORMANCE / "loops",
         {"rounds": 0},
         [("complete", "ask", {"satisfied": False}), ("complete", "ask", {"satisfied": True}),
          ("complete", "review", {"redo": True}), ("complete", "review", {"redo": False})],
         "completed", {"satisfied": True, "rounds": 2}),
    Case("standard loop to its maximum, gateway loop to its bound", CONFORMANCE / "loops",
         {"rounds": 0},
         [("complete", "ask", {"satisfied": False}), ("complete", "ask", {"satisfied": False}),
          ("complete", "ask", {"satisfied": False}), ("complete", "review", {"redo": True}),
          ("complete", "review", {"redo": True}), ("complete", "review", {"redo": True})],
         "completed", {"satisfied": False, "rounds": 3}),
    Case("data object written by a script, read and written by a user task",
         CONFORMANCE / "data_objects", {"amount": 10},
         [("complete", "review_quote", {"quote": {"amount": 25, "approved": True}})],
         "completed", {"final_amount": 25,
                       "data_objects": {"quote": {"amount": 25, "approved": True}}}),
    Case("business rule task (DMN): a VIP is called back", CONFORMANCE / "business_rule",
         {"tier": "VIP", "amount": 10}, [("complete", "call_back", {})],
         "completed", {"route": "call"}),
    Case("business rule task (DMN): a small amount gets a written reply",
         CONFORMANCE / "business_rule", {"tier": "normal", "amount": 10},
         [("complete", "write_back", {})], "completed", {"route": "write"}),
    Case("script, service and user tasks", CONFORMANCE / "task_kinds",
         {"customer_name": "李伟"}, [("complete", "answer", {"answer": "已处理"})],
         "completed", {"greeting": "您好, 李伟", "handover": {"requested": "handover_tasks"},
                       "answer": "已处理"}),
    Case("terminate end event on one parallel branch ends the other",
         CONFORMANCE / "terminate", {}, [("complete", "check_fraud", {"fraud": True})],
         "completed", {"fraud": True}),
    Case("terminate end event not reached: both branches end", CONFORMANCE / "terminate", {},
         [("complete", "check_fraud", {"fraud": False}), ("complete", "refund", {})],
         "completed", {"fraud": False}),
    # Timer-started event subprocesses wait beside the work from the start; BPMN lets them
    # live only while their process does, so once the work is done the unfired ones are
    # withdrawn and the instance ends (SpiffWorkflow kept it waiting for them).
    Case("non-interrupting timer-cycle event subprocess, then the work ends the instance",
         CONFORMANCE / "timer_event_subprocess", {},
         [("advance", "PT61M", {}), ("complete", "chase", {"chased": True}),
          ("complete", "work", {"done": True})],
         "completed", {"done": True}),
    Case("interrupting timer event subprocess stops the work and the other",
         CONFORMANCE / "timer_event_subprocess", {},
         [("advance", "PT61M", {}), ("advance", "P1D", {}),
          ("complete", "close_expired", {"closed": True})],
         "completed", {"closed": True}),
    Case("timer event subprocesses withdrawn when the work is done first",
         CONFORMANCE / "timer_event_subprocess", {}, [("complete", "work", {"done": True})],
         "completed", {"done": True}),
    # Event subprocesses inside an embedded subprocess (SpiffWorkflow 3.2 started only the
    # top process's, and read error and escalation start events as plain ones, which ran at
    # once). An event subprocess starts from the instance's variables of the moment (Spiff's
    # started from its process's data as it was when the process began); when branches
    # meet, the one that arrives last wins for every variable it carries.
    Case("non-interrupting escalation event subprocess inside a subprocess",
         CONFORMANCE / "code_event_subprocess", {"result": None},
         [("complete", "inspect", {"result": "ok"}), ("complete", "wrap_up", {}),
          ("complete", "note_late", {"noted": True}), ("complete", "close", {})],
         "completed", {"result": "ok", "noted": True}),
    Case("error end event caught by an error event subprocess of its subprocess",
         CONFORMANCE / "code_event_subprocess", {"result": None},
         [("complete", "inspect", {"result": "bad"}), ("complete", "repair", {"repaired": True}),
          ("complete", "close", {})],
         "completed", {"repaired": True}),
    Case("error not handled by its subprocess reaches the process's error event subprocess",
         CONFORMANCE / "code_event_subprocess", {"result": None},
         [("complete", "inspect", {"result": "fatal"}), ("complete", "handle_fatal", {})],
         "completed"),
    Case("message event subprocess inside a subprocess", CONFORMANCE / "code_event_subprocess",
         {"result": None},
         [("message", "customer_note", {}), ("complete", "read_note", {}),
          ("complete", "inspect", {"result": "ok"}), ("complete", "note_late", {}),
          ("complete", "wrap_up", {}), ("complete", "close", {})],
         "completed", {"result": "ok"}),
    # Conditional events read the instance's variables and are looked at again whenever they
    # change. SpiffWorkflow 3.2 evaluated one only when the token arrived, on its own
    # branch's copy of the data, so these would wait for ever.
    Case("conditional catch fires when the other branch pays", CONFORMANCE / "conditional",
         CONDITIONS, [("complete", "intake", {}), ("complete", "take_payment", {"paid": True}),
                      ("complete", "ship", {"shipped": True})],
         "completed", {"paid": True, "shipped": True}),
    Case("conditional catch already true on arrival", CONFORMANCE / "conditional",
         {**CONDITIONS, "paid": True},
         [("complete", "intake", {}), ("complete", "ship", {}), ("complete", "take_payment", {})],
         "completed", {"paid": True}),
    Case("conditional catch fires after a variables update", CONFORMANCE / "conditional",
         CONDITIONS, [("complete", "intake", {}), ("variables", "", {"paid": True}),
                      ("complete", "ship", {"shipped": True}), ("complete", "take_payment", {})],
         "completed", {"paid": True, "shipped": True}),
    Case("interrupting conditional boundary", CONFORMANCE / "conditional", CONDITIONS,
         [("variables", "", {"withdrawn": True}), ("complete", "close_withdrawn", {})],
         "completed", {"withdrawn": True}),
    # A non-interrupting conditional boundary fires once per activity (as a message one does).
    Case("non-interrupting conditional boundary", CONFORMANCE / "conditional", CONDITIONS,
         [("complete", "intake", {}), ("complete", "take_payment", {"paid": True}),
          ("variables", "", {"urgent": True}), ("complete", "notify_urgent", {}),
          ("complete", "ship", {})],
         "completed", {"urgent": True}),
    Case("conditional-start event subprocess", CONFORMANCE / "conditional", CONDITIONS,
         [("variables", "", {"complaint": True}),
          ("complete", "handle_complaint", {"answered": True}), ("complete", "intake", {}),
          ("complete", "take_payment", {"paid": True}), ("complete", "ship", {})],
         "completed", {"complaint": True, "answered": True, "paid": True}),
]


def run(case: Case, reload_each_step: bool) -> list[tuple]:
    """Each step's (status, open user task ids, variables, open external task ids), then the
    path: the elements done.

    ``reload_each_step``: before every step the model is parsed again and the instance
    rebuilt from its saved state by a new runtime, as after a restart (nothing that lives
    only in memory, on the instance or on the parsed definition, survives)."""
    files = bundle(case.folder)
    clock = FakeClock()
    runtime, definition = Runtime(clock=clock), parse_bundle(files)
    wf, result = runtime.start(definition, case.variables)
    seen = [snapshot(result)]
    for action, target, data in case.steps:
        if reload_each_step:
            state = runtime.dumps(wf)
            runtime, definition = Runtime(clock=clock), parse_bundle(files)
            wf = runtime.loads(definition, state)
        if action == "complete":
            task = next(t for t in result.open_tasks if t.bpmn_id == target)
            result = runtime.complete_task(definition, wf, task.guid, data)
        elif action == "advance":
            clock.advance(seconds=parse_duration(target).total_seconds())
            result = runtime.fire_due_timers(definition, wf)
        elif action == "variables":
            result = runtime.update_variables(definition, wf, data)
        elif action == "external":
            task = next(t for t in result.external_tasks if t.bpmn_id == target)
            result = runtime.complete_external(definition, wf, task.guid, data)
        elif action == "bpmn_error":
            task = next(t for t in result.external_tasks if t.bpmn_id == target)
            result = runtime.throw_external_error(definition, wf, task.guid, data["code"],
                                                  variables=data["variables"])
        else:
            result = runtime.send_event(definition, wf, action, target, data)
        assert result.incident is None, result.incident
        seen.append(snapshot(result))
    if reload_each_step:
        wf = Runtime(clock=clock).loads(parse_bundle(files), runtime.dumps(wf))
    seen.append(tuple(progress(wf)))
    return seen


def snapshot(result: StepResult) -> tuple:
    return (result.status, sorted(t.bpmn_id for t in result.open_tasks), result.variables,
            sorted(t.bpmn_id for t in result.external_tasks))
