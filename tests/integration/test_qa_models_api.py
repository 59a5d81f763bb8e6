"""Models nobody on the team drew, as a process designer would (bpmn-js / Camunda Modeler with
Spiff's extensions), run through the API on SQLite and PostgreSQL across a restart at every
wait state: before every step a new Flowdesk (a new app over the same database: no parsed
model, no live workflow survives) takes over, and timers are fired by the injected clock and
the ticker's own work. Each path must give the engine's own straight run (``tests.conformance
.run``): the same open tasks after each step, the same end and variables. Messages correlate
by the model's correlation properties, and a second instance with other values must not be
reached. Models are in ``tests/resources/qa_models``."""
from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from api.app import create_app
from engine.clock import FakeClock
from engine.parsing import parse_bundle
from engine.sla import parse_duration
from services.due_runner import run_due
from tests.conformance import Case, run
from tests.conftest import RESOURCES, bundle

QA = RESOURCES / "qa_models"


@dataclass(frozen=True)
class QaCase:
    """A path through a model; ``correlation``: the message correlation values the instance
    holds (messages are sent with them, not to the instance by id)."""

    case: Case
    correlation: dict | None = None
    postgres: bool = False


def qa(name: str, folder: str, variables: dict, steps: list, status: str = "completed",
       after: dict | None = None, correlation: dict | None = None,
       postgres: bool = False) -> QaCase:
    return QaCase(Case(name, QA / folder, variables, steps, status, after or {}), correlation,
                  postgres)


CASES = [
    qa("interrupting timer on a subprocess: two hourly reminders inside, then done",
       "sub_deadline", {},
       [("advance", "PT61M", {}), ("advance", "PT60M", {}), ("complete", "inspect", {}),
        ("complete", "close_case", {})], after={"data_objects": {"reminders": 2}}, postgres=True),
    qa("interrupting timer on a subprocess: the day passes", "sub_deadline", {},
       [("advance", "PT61M", {}), ("advance", "P1D", {}), ("complete", "escalate", {})]),
    qa("signal boundary on a task inside a subprocess, correlated pickup", "sub_withdrawn",
       {"order_no": "TB1"},
       [("signal", "qa_warehouse_alarm", {}), ("complete", "check_shelf", {}),
        ("complete", "pack", {}), ("message", "qa_courier_pickup", {"courier": "SF"}),
        ("complete", "confirm", {})], after={"courier": "SF"}, correlation={"order_no": "TB1"}, postgres=True),
    qa("correlated message boundary cancels a subprocess waiting on a message",
       "sub_withdrawn", {"order_no": "TB1"},
       [("complete", "pack", {}), ("message", "qa_order_cancelled", {"reason": "买错了"}),
        ("complete", "refund", {})], correlation={"order_no": "TB1"}),
    qa("correlated message boundary cancels a subprocess at a user task", "sub_withdrawn",
       {"order_no": "TB1"},
       [("message", "qa_order_cancelled", {}), ("complete", "refund", {})],
       correlation={"order_no": "TB1"}),
    qa("call activity two levels deep with a timer at the bottom", "call_two_levels", {},
       [("complete", "gc_check", {"stock_ok": True}), ("advance", "PT2H1M", {}),
        ("complete", "child_review", {}), ("complete", "parent_close", {})], postgres=True),
    qa("error end two levels down caught on the middle call activity", "call_two_levels", {},
       [("complete", "gc_check", {"stock_ok": False}), ("advance", "PT2H1M", {}),
        ("complete", "child_fix", {}), ("complete", "parent_close", {})]),
    qa("interrupting timer on a call activity whose callee calls another", "call_two_levels",
       {}, [("complete", "gc_check", {"stock_ok": True}), ("advance", "P3DT1M", {}),
            ("complete", "parent_late", {})]),
    qa("parallel multi-instance with output, sequential one with a reminder", "mi_deadline",
       {"items": ["a", "b"], "customers": ["c1", "c2"]},
       [("complete", "rate_each", {"rating": 1}), ("complete", "rate_each", {"rating": 2}),
        ("advance", "PT61M", {}), ("complete", "call_each", {"call": "ok1"}),
        ("complete", "call_each", {"call": "ok2"})],
       after={"ratings": [1, 2], "calls": ["ok1", "ok2"]}),
    qa("interrupting timer on a parallel multi-instance task", "mi_deadline",
       {"items": ["a", "b"], "customers": ["c1"]},
       [("complete", "rate_each", {"rating": 1}), ("advance", "PT4H1M", {}),
        ("complete", "chase", {})]),
    qa("parallel multi-instance subprocess with a timer, sequential multi-instance call",
       "mi_subprocess", {"parcels": ["P1", "P2"]},
       [("complete", "inspect_parcel", {"verdict": "ok"}),
        ("complete", "inspect_parcel", {"verdict": "bad"}), ("advance", "PT31M", {}),
        ("complete", "print_label", {"label": "L1"}),
        ("complete", "print_label", {"label": "L2"}), ("complete", "mis_done", {})],
       after={"results": ["P1:ok", "P2:bad"], "labels": ["L1", "L2"]}, postgres=True),
    qa("terminate end event inside a subprocess ends only the subprocess", "terminate_in_sub",
       {}, [("complete", "check_fraud", {"fraud": True}), ("complete", "after_checks", {})]),
    qa("subprocess without its terminate end event", "terminate_in_sub", {},
       [("complete", "check_fraud", {"fraud": False}), ("complete", "check_stock", {}),
        ("complete", "after_checks", {})]),
    qa("loop back to an event-based gateway: the reply on the third day", "chase_loop",
       {"ticket_no": "T1", "chases": 0},
       [("complete", "ask", {}), ("advance", "P1DT1M", {}), ("advance", "P1DT1M", {}),
        ("message", "qa_buyer_reply", {"text": "收到"}), ("complete", "read_reply", {})],
       after={"chases": 2, "text": "收到"}, correlation={"ticket_no": "T1"}, postgres=True),
    qa("loop back to an event-based gateway: three days, no reply", "chase_loop",
       {"ticket_no": "T1", "chases": 0},
       [("complete", "ask", {}), ("advance", "P1DT1M", {}), ("advance", "P1DT1M", {}),
        ("advance", "P1DT1M", {}), ("complete", "close_unanswered", {})],
       after={"chases": 3}, correlation={"ticket_no": "T1"}),
    qa("escalation from a called process, non-interrupting boundary on the call activity",
       "escalation_from_call", {},
       [("complete", "quote", {"cost": 800}), ("complete", "approve_cost", {}),
        ("complete", "repair", {}), ("complete", "hand_back", {})]),
    qa("called process without the escalation", "escalation_from_call", {},
       [("complete", "quote", {"cost": 80}), ("complete", "repair", {}),
        ("complete", "hand_back", {})]),
]


class Restarts:
    """A new Flowdesk app over the same database whenever asked, as a restarted server."""

    def __init__(self, database_url: str, tmp: Path, clock: FakeClock) -> None:
        self.config = {"database_url": database_url, "testing": True, "script_cpu_seconds": 0.5,
                       "secrets_key_file": str(tmp / "secrets.key")}
        self.clock = clock
        self.app: Flask | None = None

    def restart(self) -> Flask:
        self.close()
        self.app = create_app(self.config, clock=self.clock)
        return self.app

    def close(self) -> None:
        if self.app is not None:
            self.app.extensions["flowdesk"].dispose()
            self.app = None


@pytest.fixture
def restarts(database_url: str, tmp_path: Path, clock: FakeClock,  # type: ignore[no-untyped-def]
             app) -> Iterator[Restarts]:
    """``app`` first: it sets up the secrets key file, and the tokens live in its database."""
    each = Restarts(database_url, tmp_path, clock)
    yield each
    each.close()


# Every path on SQLite; on PostgreSQL one path of each kind of wait (timers, a signal and
# correlated messages, call activities, multi-instance, an event-based loop): a restart per
# step costs a new app, and the suite's time is bounded.
def runs(cases: list[QaCase]) -> list:  # type: ignore[type-arg]
    """Each case on SQLite, and those marked ``postgres`` on PostgreSQL too."""
    return [pytest.param(c, db, id=f"{db}-{c.case.name}") for db in ("sqlite", "postgres")
            for c in cases if db == "sqlite" or c.postgres]


RUNS = runs(CASES)


@pytest.mark.parametrize(("qa_case", "database_url"), RUNS, indirect=["database_url"])
def test_a_designers_model_runs_across_restarts(tokens, clock, restarts,  # type: ignore[no-untyped-def]
                                                 qa_case: QaCase) -> None:
    assert drive(qa_case, tokens, clock, restarts)["status"] == qa_case.case.status


def drive(qa_case: QaCase, tokens: dict, clock: FakeClock, restarts: Restarts) -> dict:
    """Deploy the case's model through the API, then walk its path with a restart before
    every step, comparing each step's open tasks and the end with the engine's straight run;
    returns the case as the API shows it at the end."""
    case = qa_case.case
    expected = run(case, reload_each_step=False)
    files = bundle(case.folder)
    key = parse_bundle(files).key

    def call(method: str, path: str, token: str, body: dict | None = None):  # type: ignore[no-untyped-def]
        assert restarts.app is not None
        answer = restarts.app.test_client().open(path, method=method, json=body,
                             headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code < 500, answer.get_data(as_text=True)
        return answer

    deployed = restarts.restart().test_client().post("/api/v1/definitions", headers={
        "Authorization": f"Bearer {tokens['admin']}"}, data={
        "files": [(io.BytesIO(data), name) for name, data in files.items()]},
        content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_data(as_text=True)

    def start(variables: dict) -> int:
        started = call("POST", "/api/v1/instances", tokens["agent"],
                       {"process_key": key, "variables": variables})
        assert started.status_code == 201, started.get_data(as_text=True)
        return started.get_json()["id"]

    instance_id = start(case.variables)
    decoy = None
    if qa_case.correlation:  # another case of the same process, waiting on other values
        decoy = start({**case.variables, **{k: f"{v}-other" for k, v in
                                            qa_case.correlation.items()}})
        decoy_tasks = open_tasks(call, tokens, decoy)

    assert sorted(t["bpmn_id"] for t in open_tasks(call, tokens, instance_id)) == expected[0][1]
    for n, (action, target, data) in enumerate(case.steps, start=1):
        restarts.restart()  # the instance waits: the server restarts before every step
        if action == "advance":  # the clock moves on; the new node's ticker fires what is due
            clock.advance(seconds=parse_duration(target).total_seconds())
            run_due(restarts.app.extensions["flowdesk"])
        elif action == "message":
            address = ({"correlation": qa_case.correlation} if qa_case.correlation
                       else {"instance_id": instance_id})
            sent = call("POST", "/api/v1/messages", tokens["shop"],
                        {"name": target, "variables": data, **address})
            assert sent.status_code == 200, sent.get_data(as_text=True)
        elif action == "signal":
            sent = call("POST", "/api/v1/signals", tokens["shop"],
                        {"name": target, "variables": data})
            assert sent.status_code == 200, sent.get_data(as_text=True)
        else:
            assert action == "complete"
            task = next(t for t in open_tasks(call, tokens, instance_id)
                        if t["bpmn_id"] == target)
            assert call("POST", f"/api/v1/tasks/{task['id']}/claim",
                        tokens["agent"]).status_code == 200
            done = call("POST", f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                        {"data": data})
            assert done.status_code == 200, done.get_data(as_text=True)
        assert sorted(t["bpmn_id"] for t in open_tasks(call, tokens, instance_id)
                      ) == expected[n][1], (n, action, target)
    restarts.restart()
    detail = call("GET", f"/api/v1/instances/{instance_id}", tokens["agent"]).get_json()
    status, _open, variables, _external = expected[-2]
    assert detail["status"] == status == case.status
    assert detail["incidents"] == []
    assert {k: detail["variables"].get(k) for k in variables} == variables
    assert {k: variables.get(k) for k in case.variables_after} == case.variables_after
    diagram = call("GET", f"/api/v1/instances/{instance_id}/diagram", tokens["agent"]).get_json()
    shown = [i for i in expected[-1][1] if f'id="{i}"' in diagram["bpmn_xml"]]
    assert diagram["completed"] == shown  # the path, in the diagram of the case's own file
    if decoy is not None:
        if any(action == "signal" for action, _t, _d in case.steps):
            return detail  # a signal is a broadcast: the decoy heard it too
        assert open_tasks(call, tokens, decoy) == decoy_tasks
    return detail


def open_tasks(call, tokens: dict, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    items = call("GET", f"/api/v1/tasks?instance_id={instance_id}&sort=id",
                 tokens["agent"]).get_json()["items"]
    return [{k: t[k] for k in ("id", "bpmn_id", "state")} for t in items]
