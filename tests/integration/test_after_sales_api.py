"""After-sales (售后) end to end over the REST API: every category and gateway branch with the
right people, the 24-hour follow-up timer of 到货延迟 on the injected clock, and forms that
reject bad data."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.clock import FakeClock
from services.due_runner import run_due
from services.identity import create_token, ensure_user
from tests.after_sales_paths import (DELAY_DELIVERED, DELAY_INFORM, DELAY_RECORD, DELAY_REGISTER,
                                     DELAY_REVIEW, FOLLOW_UP, PATHS, REJECTED)
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import Client, deploy

KEY = "after_sales"
WHO = {"Agent": "agent", "Supervisor": "supervisor", "Finance": "finance"}
# each rejected payload is tried once, on the first path (in letter order) that opens its task
REJECT_ON = {}
for _bpmn_id, _bad, _why in REJECTED:
    REJECT_ON.setdefault(_bpmn_id, next(
        letter for letter in sorted(PATHS) if _bpmn_id in [s[0] for s in PATHS[letter]["steps"]]))


@pytest.fixture
def people(fd, tokens: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The conftest users plus 国雪, who receives the money lists for Finance."""
    ensure_user(fd, "guoxue", ["staff"], ["Finance"])
    return {**tokens, "finance": create_token(fd, "guoxue")}


def start(server: Client, people: dict[str, str], business_key: str) -> int:
    assert deploy(server, people["admin"], bundle(PROCESSES / "after-sales")).ok
    started = server.post("/api/v1/instances", people["agent"], json={
        "process_key": KEY, "business_key": business_key})
    assert started.status_code == 201, started.text
    return started.json()["id"]


def open_tasks(server: Client, people: dict[str, str], instance_id: int) -> list[dict]:
    return server.get(f"/api/v1/tasks?instance_id={instance_id}", people["admin"]).json()["items"]


def complete(server: Client, people: dict[str, str], task: dict, data: dict) -> None:
    user = WHO[task["candidate_group"]]
    assert server.post(f"/api/v1/tasks/{task['id']}/claim", people[user]).status_code == 200
    done = server.post(f"/api/v1/tasks/{task['id']}/complete", people[user], json={"data": data})
    assert done.status_code == 200, done.text


def only(server: Client, people: dict[str, str], instance_id: int, bpmn_id: str) -> dict:
    tasks = open_tasks(server, people, instance_id)
    assert [t["bpmn_id"] for t in tasks] == [bpmn_id]
    return tasks[0]


def of(tasks: list[dict], bpmn_id: str) -> dict:
    return next(t for t in tasks if t["bpmn_id"] == bpmn_id)


@pytest.mark.parametrize("letter", sorted(PATHS))
def test_after_sales_path(server: Client, people: dict[str, str], letter: str) -> None:
    path = PATHS[letter]
    instance_id = start(server, people, f"SH-{letter}")
    tried = set()
    for bpmn_id, lane, data in path["steps"]:
        tasks = open_tasks(server, people, instance_id)
        assert [(t["bpmn_id"], t["candidate_group"]) for t in tasks] == [(bpmn_id, lane)]
        task = tasks[0]
        if REJECT_ON.get(bpmn_id) == letter and bpmn_id not in tried:
            tried.add(bpmn_id)
            for _, bad, why in (r for r in REJECTED if r[0] == bpmn_id):
                refused = server.post(f"/api/v1/tasks/{task['id']}/complete",
                                      people[WHO[lane]], json={"data": bad})
                assert refused.status_code == 422, f"{bpmn_id}: {why}: {refused.text}"
                assert refused.json()["errors"], why
        if lane != "Agent":  # the money list is Finance's, the Monday review the supervisor's
            refused = server.post(f"/api/v1/tasks/{task['id']}/complete", people["agent"],
                                  json={"data": data})
            assert refused.status_code == 403
        complete(server, people, task, data)
    detail = server.get(f"/api/v1/instances/{instance_id}", people["agent"]).json()
    assert detail["status"] == "completed" and detail["open_tasks"] == []
    variables = detail["variables"]
    assert variables["case_status"] == "closed"
    assert variables["remedy"] == path["remedy"]
    assert variables["responsible_party"] == path["responsible_party"]
    assert variables["category"] == path["steps"][0][2]["category"]
    money = [d for b, _, d in path["steps"] if b in ("pay_compensation", "process_return")]
    if money:  # the last payment record is the one Finance confirmed
        for field in ("amount", "payment_note", "signer", "payment_reference"):
            assert variables[field] == money[-1][field]
        assert variables["finance_confirmed"] is True
    listed = server.get(f"/api/v1/tasks?process_key={KEY}&candidate_group=Finance&state=completed",
                        people["finance"]).json()["items"]  # Finance's own entries of the list
    entries = [server.get(f"/api/v1/tasks/{t['id']}", people["finance"]).json() for t in listed]
    assert [(t["bpmn_id"], t["data"]) for t in entries] == [
        (b, d) for b, _, d in path["steps"] if b == "record_money_list"]
    completions = [a for a in detail["audit"] if a["action"] == "task.completed"]
    assert len(completions) == len(path["steps"])


def test_every_gateway_branch_and_rejection_is_covered() -> None:
    """The table itself: all six categories, every remedy, both answers of every yes/no."""
    steps = [(b, d) for p in PATHS.values() for b, _, d in p["steps"]]
    assert {d["category"] for b, d in steps if b == "register_case"} == {
        "与想象不符", "服务不满意", "少发货/缺货", "到货延迟", "运输破损", "质量问题"}
    assert {p["remedy"] for p in PATHS.values()} == {
        "none", "cash_compensation", "return", "exchange", "reship"}
    for bpmn_id, field in (("explain_product", "buyer_accepts"), ("check_shortage", "fault_is_ours"),
                           ("judge_quality", "quality_confirmed"),
                           ("collect_damage_evidence", "signed_for"),
                           ("record_money_list", "finance_confirmed")):
        assert {d[field] for b, d in steps if b == bpmn_id} == {True, False}, bpmn_id
    assert {d["delivery_outcome"] for b, d in steps if b == "track_delivery"} == {"delivered",
                                                                                 "lost"}
    assert set(REJECT_ON) <= {b for b, _ in steps}


def pending_timers(server: Client, people: dict[str, str], instance_id: int) -> list[datetime]:
    rows = server.get(f"/api/v1/admin/timers?kind=timer&instance_id={instance_id}",
                      people["admin"]).json()["items"]
    return [datetime.fromisoformat(r["due_at"]) for r in rows]


def test_late_delivery_follow_up_every_24_hours_until_delivered(
        server: Client, people: dict[str, str], fd, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    instance_id = start(server, people, "SH-DELAY")
    complete(server, people, only(server, people, instance_id, "register_case"), DELAY_REGISTER)
    complete(server, people, only(server, people, instance_id, "inform_buyer_delay"), DELAY_INFORM)
    t0 = clock.now()  # tracking starts: the follow-up cycle is armed
    only(server, people, instance_id, "track_delivery")
    assert pending_timers(server, people, instance_id) == [t0 + timedelta(hours=24)]

    clock.advance(hours=23, minutes=59)
    assert run_due(fd) == 0
    only(server, people, instance_id, "track_delivery")

    clock.set(t0 + timedelta(hours=24, seconds=1))  # a day without delivery: follow up
    assert run_due(fd) == 1
    tasks = open_tasks(server, people, instance_id)
    assert sorted((t["bpmn_id"], t["candidate_group"]) for t in tasks) == [
        ("follow_up_buyer", "Agent"), ("track_delivery", "Agent")]
    assert pending_timers(server, people, instance_id) == [t0 + timedelta(hours=48)]
    bad = server.post(f"/api/v1/tasks/{of(tasks, 'follow_up_buyer')['id']}/complete",
                      people["agent"], json={"data": {"follow_up_via": "wangwang"}})
    assert bad.status_code == 422
    first_follow_up = of(tasks, "follow_up_buyer")
    complete(server, people, first_follow_up, FOLLOW_UP)
    only(server, people, instance_id, "track_delivery")  # tracking goes on

    clock.set(t0 + timedelta(hours=48, seconds=1))  # the second day: another follow-up
    assert run_due(fd) == 1
    tasks = open_tasks(server, people, instance_id)
    assert sorted(t["bpmn_id"] for t in tasks) == ["follow_up_buyer", "track_delivery"]
    late_follow_up = of(tasks, "follow_up_buyer")
    complete(server, people, of(tasks, "track_delivery"), DELAY_DELIVERED)  # delivered
    # no more reminders, and the reminder still open is withdrawn: nothing left to follow up
    assert pending_timers(server, people, instance_id) == []
    only(server, people, instance_id, "record_case")
    withdrawn = server.get(f"/api/v1/tasks/{late_follow_up['id']}", people["admin"]).json()
    assert withdrawn["state"] == "cancelled"

    clock.set(t0 + timedelta(hours=72, seconds=1))
    assert run_due(fd) == 0
    complete(server, people, only(server, people, instance_id, "record_case"), DELAY_RECORD)
    complete(server, people, only(server, people, instance_id, "monday_review"), DELAY_REVIEW)

    detail = server.get(f"/api/v1/instances/{instance_id}", people["agent"]).json()
    assert detail["status"] == "completed" and detail["open_tasks"] == []
    variables = detail["variables"]
    assert variables["case_status"] == "closed" and variables["remedy"] == "none"
    assert variables["responsible_party"] == "customer"
    assert variables["delivery_outcome"] == "delivered"
    audit = detail["audit"]
    assert len([a for a in audit if a["action"] == "timer.fired"]) == 2
    done = {a["task_id"]: a["after"]["data"] for a in audit if a["action"] == "task.completed"}
    assert len(done) == 6  # register, inform, the first follow-up, track, record, review
    assert late_follow_up["id"] not in done
    # what the agent told the buyer is kept with the follow-up task, not in the case variables
    assert done[first_follow_up["id"]] == FOLLOW_UP
