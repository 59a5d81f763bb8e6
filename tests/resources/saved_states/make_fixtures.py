"""Make the saved-state fixtures that ``tests/unit/test_saved_states.py`` loads.

Each fixture is an instance state exactly as Flowdesk stores it (``Runtime.dumps``: the
``state`` column of ``process_instances``), saved at an interesting wait by the serializer of
the day, with what a reload must show (open tasks, armed timers, variables) and one step to
take afterwards with what that step must lead to. The test loads the *saved* text with the
*current* runtime, so a serializer change that cannot read yesterday's rows fails it.

Run this ONLY to ADD fixtures: a new case, or (after a serializer or SpiffWorkflow upgrade)
the current version's files beside the old ones. Never to refresh an existing file: a fixture
is a record of what an older Flowdesk wrote, and rewriting it would hide exactly the breakage
it guards against. The script therefore never overwrites; it writes the files that are missing
for the current serializer version and names the ones it left alone:

    .venv/bin/python tests/resources/saved_states/make_fixtures.py

Files are named ``<case>.serializer-<version>.json``. Add a case by adding a function to
``CASES`` below (it returns the workflow at its wait and the step to take next).
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.clock import FakeClock  # noqa: E402
from engine.parsing import ParsedDefinition, parse_bundle  # noqa: E402
from engine.runtime import Runtime  # noqa: E402
from engine.step_result import StepResult  # noqa: E402

# Every case runs on this fake clock, so the timers' due times and the user-status history
# in the state are the same on every machine.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def files_of(folder: str, names: list[str] | None = None) -> dict[str, bytes]:
    """The deployable files of a bundle folder (relative to the repository), as a deploy sends
    them; ``names``: only these files (a folder holding several processes)."""
    base = ROOT / folder
    found = {f.name: f.read_bytes() for f in sorted(base.rglob("*"))
             if f.is_file() and f.suffix in (".bpmn", ".dmn", ".json") and f.name != "sla.json"}
    return {n: found[n] for n in names} if names is not None else found


def plain(value: Any) -> Any:
    """JSON-ready (dates as ISO text), as the fixture stores it and the test compares it."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def picture(result: StepResult, with_guids: bool = True) -> dict:
    """What a result shows: status, open user tasks, armed timers, variables, and the external
    tasks waiting for a worker when there are any (older fixtures have none)."""
    def task(t: Any) -> dict:
        shown = {"bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane}
        return {"guid": t.guid, **shown} if with_guids else shown

    def timer(t: Any) -> dict:
        shown = {"bpmn_id": t.bpmn_id, "name": t.name, "kind": t.kind,
                 "due": t.due.isoformat(), "start_event": t.start_event}
        return {"guid": t.guid, **shown} if with_guids else shown

    def external(t: Any) -> dict:
        shown = {"bpmn_id": t.bpmn_id, "topic": t.topic, "input": plain(t.input),
                 "priority": t.priority}
        return {"guid": t.guid, **shown} if with_guids else shown

    shown = {"status": result.status,
             "open_tasks": [task(t) for t in result.open_tasks],
             "waiting_timers": [timer(t) for t in result.waiting_timers],
             "variables": plain(result.variables)}
    if result.external_tasks:
        shown["external_tasks"] = [external(t) for t in result.external_tasks]
    return shown


def take_step(runtime: Runtime, clock: FakeClock, definition: ParsedDefinition, wf: Any,
              result: StepResult, step: dict) -> StepResult:
    """The fixture's next step: complete an open task or an external task, or move the clock
    and fire timers. (The test module imports this, so both take the step the same way.)"""
    if "external" in step:
        task = next(t for t in result.external_tasks if t.bpmn_id == step["external"])
        return runtime.complete_external(definition, wf, task.guid, step["variables"])
    if "complete" in step:
        task = next(t for t in result.open_tasks if t.bpmn_id == step["complete"])
        return runtime.complete_task(definition, wf, task.guid, step["data"])
    clock.set(datetime.fromisoformat(step["fire_timers_at"]))
    return runtime.fire_due_timers(definition, wf)


# -- the cases: each runs a process to a wait; returns (runtime, wf, result, next step) --------

Case = Callable[[Runtime, ParsedDefinition], tuple[Any, StepResult, dict]]


def three_steps_at_step_two(runtime: Runtime, definition: ParsedDefinition):  # type: ignore[no-untyped-def]
    """A plain user-task wait: step one done, step two open."""
    wf, result = runtime.start(definition, {"customer": {"name": "Li", "tier": "VIP"}})
    result = runtime.complete_task(definition, wf, result.open_tasks[0].guid,
                                   {"note": "checked", "count": 2})
    return wf, result, {"complete": "step_two", "data": {"x": 1}}


def parallel_one_branch_done(runtime: Runtime, definition: ParsedDefinition):  # type: ignore[no-untyped-def]
    """Parallel branches: the finance check done, the logistics check still open."""
    wf, result = runtime.start(definition, {"refund": 100, "ratio": 4})
    finance = next(t for t in result.open_tasks if t.bpmn_id == "check_finance")
    result = runtime.complete_task(definition, wf, finance.guid, {"paid": True})
    return wf, result, {"complete": "check_logistics", "data": {"shipped": True}}


def boundary_timers_after_a_reminder(runtime: Runtime, definition: ParsedDefinition):  # type: ignore[no-untyped-def]
    """A user task with two boundary timers: the hourly (R3) cycle fired once, the 4 h breach
    still armed."""
    wf, result = runtime.start(definition, {"reminders": 0})
    runtime.clock.set(T0 + timedelta(hours=1, minutes=1))  # type: ignore[attr-defined]
    result = runtime.fire_due_timers(definition, wf)
    return wf, result, {"fire_timers_at": (T0 + timedelta(hours=4, minutes=1)).isoformat()}


def wait_until_a_date(runtime: Runtime, definition: ParsedDefinition):  # type: ignore[no-untyped-def]
    """An intermediate timer on a date from a variable: no user task, only the timer."""
    wf, result = runtime.start(definition, {"remind_at": (T0 + timedelta(days=2)).isoformat()})
    return wf, result, {"fire_timers_at": (T0 + timedelta(days=2, minutes=1)).isoformat()}


def complaint_registered(runtime: Runtime, definition: ParsedDefinition):  # type: ignore[no-untyped-def]
    """The shipped complaint process after its first task, started for a known customer (the
    variables an API start adds: case_no, initiator, customer), waiting for the acceptance
    check."""
    customer = {"id": 7, "code": "C-0007", "name": "李伟", "tier": "VIP", "abc_class": "A",
                "phone": "13800001111", "email": "li.wei@example.com", "im_id": "liwei_tb",
                "dedicated_agent": None, "birthday": "1988-06-11"}
    wf, result = runtime.start(definition, {"case_no": "TS202603020001", "initiator": "agent",
                                            "customer": customer})
    register = {"customer_name": "李伟", "contact": "li.wei@example.com",
                "channel": "online_chat", "platform": "tmall", "order_no": "TB20240611001",
                "complaint_class": "product", "complaint_subclass": "quality",
                "severity": "severe", "description": "电水壶使用两天后底座漏水。",
                "damage": "水壶无法使用。", "demand": "全额退款。"}
    result = runtime.complete_task(definition, wf, result.open_tasks[0].guid, register)
    accept = {"has_complainant": True, "has_issue": True, "has_damage": True,
              "has_demand": True, "within_scope": True}
    return wf, result, {"complete": "check_acceptance", "data": accept}


def external_task_waiting(runtime: Runtime, definition: ParsedDefinition):  # type: ignore[no-untyped-def]
    """External tasks (a Camunda Modeler model): charging the card waits for a worker
    (STARTED, with its evaluated input and its priority); once done, the receipt's task
    waits."""
    wf, result = runtime.start(definition, {"amount": 99.5})
    return wf, result, {"external": "charge_card", "variables": {"charge_id": "ch_42"}}


# name: (bundle folder relative to the repository, the files of it, or None for all, the case)
CASES: dict[str, tuple[str, list[str] | None, Case]] = {
    "three_steps_at_step_two": ("tests/resources/three_steps", None, three_steps_at_step_two),
    "parallel_one_branch_done": ("tests/resources/parallel", None, parallel_one_branch_done),
    "boundary_timers_after_a_reminder": ("tests/resources/timers", ["boundary_timers.bpmn"],
                                         boundary_timers_after_a_reminder),
    "wait_until_a_date": ("tests/resources/timers", ["wait_until.bpmn"], wait_until_a_date),
    "complaint_registered": ("processes/complaint-handling", None, complaint_registered),
    "external_task_waiting": ("tests/resources/external", None, external_task_waiting),
}


def make(name: str) -> dict:
    folder, names, case = CASES[name]
    definition = parse_bundle(files_of(folder, names))
    clock = FakeClock(T0)
    runtime = Runtime(clock=clock)
    wf, result, step = case(runtime, definition)
    saved_at = clock.now()
    state = runtime.dumps(wf)
    # the expectations come from the workflow that was never saved: a reload must match it
    at_wait = picture(runtime.inspect(definition, wf))
    after = take_step(runtime, clock, definition, wf, result, step)
    return {
        "case": name,
        "about": (case.__doc__ or "").strip(),
        "made_by": "tests/resources/saved_states/make_fixtures.py (add only, never refresh)",
        "bundle": folder,
        "files": names,
        "serializer_version": runtime.serializer.version,
        "spiff_version": runtime.serializer.spiff_version,
        "clock": saved_at.isoformat(),
        "state": state,
        "expect": at_wait,
        "next_step": step,
        # task and timer guids made by the step are new (random) ones: compared without guids
        "expect_after_step": picture(after, with_guids=False),
    }


def main() -> int:
    version = Runtime().serializer.version
    for name in CASES:
        path = HERE / f"{name}.serializer-{version}.json"
        if path.exists():
            print(f"kept    {path.name} (fixtures are never refreshed)")
            continue
        path.write_text(json.dumps(make(name), ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
        print(f"wrote   {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
