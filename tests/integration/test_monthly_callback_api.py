"""The monthly callback round over the REST API, driven by its timer start event.

Customers come from the customer API, complaints from complaint_handling cases started with their
customer_id, and each round's selection from the ``callback_customers`` start-data provider. The
rounds and payloads are in tests/monthly_callback_paths.py (mirrored in the process README).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.clock import FakeClock
from services.due_runner import run_due
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import claim_and_complete, deploy, rejected
from tests.monthly_callback_paths import (COMPLAINTS_AT, CUSTOMERS, EMPTY_REPORT, FEBRUARY_ROUND,
                                          ROUNDS)

KEY = "monthly_callback"


def tasks_of(server, token: str, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks?instance_id={instance_id}&per_page=100",
                      token).json()["items"]


def detail_of(server, token: str, task_id: int) -> dict:  # type: ignore[no-untyped-def]
    response = server.get(f"/api/v1/tasks/{task_id}", token)
    assert response.status_code == 200, response.text
    return response.json()


def start_fired(server, admin: str, fd, clock: FakeClock, accepted: list) -> dict:  # type: ignore[no-untyped-def]
    """Check the next scheduled round is armed for one of the ``accepted`` instants, move the
    clock just past it and let the scheduler start it; returns the new instance."""
    armed = server.get("/api/v1/admin/timers?kind=start", admin).json()["items"]
    assert len(armed) == 1 and armed[0]["ref"] == "monthly_start"
    assert armed[0]["due_at"] in [at.isoformat() for at in accepted]
    at = datetime.fromisoformat(armed[0]["due_at"])
    clock.set(at - timedelta(seconds=1))
    assert run_due(fd) == 0
    clock.set(at + timedelta(seconds=1))
    before = server.get(f"/api/v1/instances?process_key={KEY}", admin).json()["total"]
    assert run_due(fd) == 1
    found = server.get(f"/api/v1/instances?process_key={KEY}", admin).json()
    assert found["total"] == before + 1
    instance = server.get(f"/api/v1/instances/{max(i['id'] for i in found['items'])}",
                          admin).json()
    assert instance["case_no"] == f"HF{at:%Y%m%d}0001"
    return instance


def create_customers(server, token: str, clock: FakeClock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ids = {}
    start = clock.now()
    for code, (created, record, _) in CUSTOMERS.items():
        clock.set(created)
        made = server.post("/api/v1/customers", token, json={"code": code, **record})
        assert made.status_code == 201, made.text
        ids[code] = made.json()["id"]
    clock.set(start)
    return ids


def test_two_monthly_rounds_follow_up_the_improvement_actions(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                               clock: FakeClock) -> None:
    admin, agent, supervisor = tokens["admin"], tokens["agent"], tokens["supervisor"]
    assert deploy(server, admin, bundle(PROCESSES / "complaint-handling")).ok
    assert deploy(server, admin, bundle(PROCESSES / "monthly-callback")).status_code == 201
    ids = create_customers(server, agent, clock)
    code_of = {v: k for k, v in ids.items()}
    clock.set(COMPLAINTS_AT)
    for code, (_, _, complaints) in CUSTOMERS.items():
        for _ in range(complaints):
            assert server.post("/api/v1/instances", agent, json={
                "process_key": "complaint_handling", "customer_id": ids[code]}).status_code == 201

    for letter in ("A", "B"):
        spec = ROUNDS[letter]
        instance = start_fired(server, admin, fd, clock, spec["at"])
        iid = instance["id"]
        assert instance["status"] == "running" and instance["started_by"] == "scheduler"
        variables = instance["variables"]
        assert variables["callback_round"] == spec["round"]
        assert variables["previous_improvement_actions"] == spec["previous_improvement_actions"]
        assert {code_of[c["id"]]: c["reasons"] for c in variables["callback_customers"]} == \
            spec["selected"]
        assert "customer" not in variables  # each call's customer is in its own task only

        # 1. the previous round's improvement actions are checked first
        for n, check in enumerate(spec["checks"]):
            open_tasks = tasks_of(server, admin, iid)
            assert [(t["bpmn_id"], t["candidate_group"]) for t in open_tasks] == [
                ("check_previous_actions", "Supervisor")]
            shown = detail_of(server, supervisor, open_tasks[0]["id"])
            assert shown["name"] == "核查上轮改进措施落实情况"
            assert shown["data"]["previous_improvement_actions"] == \
                spec["previous_improvement_actions"]
            if n == 0:
                assert rejected(server, supervisor, open_tasks[0]["id"], {
                    "action_checks": [{"action": "退款进度每日短信通知客户", "done": False,
                                       "note": " "}]}) == {"action_checks/0/note"}
                assert rejected(server, supervisor, open_tasks[0]["id"],
                                {"action_checks": []}) == {"action_checks"}
                assert server.post(f"/api/v1/tasks/{open_tasks[0]['id']}/complete", agent,
                                   json={"data": check}).status_code == 403
            else:  # it came back, listing what the first submission missed
                assert shown["data"]["unchecked_actions"] == ["新客户首单附积分使用说明"]
            claim_and_complete(server, supervisor, open_tasks[0]["id"], check)

        # 2. one callback task per selected customer, all in the Agent inbox at once
        open_tasks = tasks_of(server, agent, iid)
        assert {t["bpmn_id"] for t in open_tasks} == {"callback_customer"}
        assert len(open_tasks) == len(spec["selected"])
        by_code = {}
        for task in open_tasks:
            shown = detail_of(server, agent, task["id"])
            code = shown["data"]["customer"]["code"]
            by_code[code] = task
            assert shown["name"] == "一对一回访客户" and task["candidate_group"] == "Agent"
            assert shown["data"]["customer"]["id"] == ids[code]
            assert shown["data"]["customer"]["reasons"] == spec["selected"][code]
            assert task["priority"] == spec["priority"][code]
            assert shown["data"]["callback_customers"] is None  # not the whole list per task
        assert set(by_code) == set(spec["selected"])
        if letter == "A":
            first = by_code["HF-C1"]["id"]
            assert rejected(server, agent, first,
                            {"reached": True, "channel": "phone"}) == {"satisfaction"}
            assert rejected(server, agent, first,
                            {"reached": False, "channel": "phone"}) == {"note"}
            assert rejected(server, agent, first, {"reached": True, "channel": "fax",
                                                   "satisfaction": 4}) == {"channel"}
            assert rejected(server, agent, first, {"reached": True, "channel": "phone",
                                                   "satisfaction": 6}) == {"satisfaction"}
        for n, (code, call) in enumerate(spec["calls"].items()):
            claim_and_complete(server, agent if n % 2 == 0 else tokens["agent2"], by_code[code]["id"], call)
            if n < len(spec["calls"]) - 1:  # the others stay open until the last call is in
                assert len(tasks_of(server, admin, iid)) == len(spec["calls"]) - n - 1
                midway = server.get(f"/api/v1/instances/{iid}", admin).json()["variables"]
                assert midway["callback_round"] == spec["round"] and "customer" not in midway

        # 3. the written report, with the round's summary
        open_tasks = tasks_of(server, admin, iid)
        assert [(t["bpmn_id"], t["candidate_group"]) for t in open_tasks] == [
            ("write_report", "Supervisor")]
        report_task = open_tasks[0]["id"]
        shown = detail_of(server, supervisor, report_task)["data"]
        for name, value in spec["expected"].items():
            assert shown[name] == pytest.approx(value), name
        assert [r["customer_id"] for r in shown["call_records"]] == sorted(
            ids[c] for c in spec["calls"])
        assert server.post(f"/api/v1/tasks/{report_task}/complete", agent,
                           json={"data": spec["report"]}).status_code == 403
        assert rejected(server, supervisor, report_task, {"report": "短"}) == {
            "report", "improvement_actions"}
        assert rejected(server, supervisor, report_task, {
            "report": spec["report"]["report"],
            "improvement_actions": ["  "]}) == {"improvement_actions/0"}
        claim_and_complete(server, supervisor, report_task, spec["report"])

        done = server.get(f"/api/v1/instances/{iid}", admin).json()
        assert done["status"] == "completed" and done["open_tasks"] == []
        out = done["variables"]
        assert out["round_status"] == "reported"
        assert out["improvement_actions"] == spec["report"]["improvement_actions"]
        records = {code_of[r["customer_id"]]: r for r in out["call_records"]}
        assert set(records) == set(spec["calls"])
        for code, call in spec["calls"].items():
            assert records[code]["reached"] is call["reached"]
            assert records[code]["satisfaction"] == call.get("satisfaction")
            assert records[code]["reasons"] == spec["selected"][code]
            assert records[code]["issues"] == call.get("issues", "")
        if letter == "B":
            assert out["actions_done"] == ["退款进度每日短信通知客户"]
            assert out["actions_not_done"] == ["新客户首单附积分使用说明"]
            assert out["unchecked_actions"] == []
        assert "customer" not in out and "reached" not in out  # per-call data stays per call
        trail = [a for a in done["audit"] if a["action"] != "task.opened"]
        assert [a["action"] for a in trail[:2]] == ["instance.started", "timer.start_fired"]
        assert trail[1]["actor"] == "scheduler"
        completions = [a for a in done["audit"] if a["action"] == "task.completed"]
        assert len(completions) == len(spec["checks"]) + len(spec["calls"]) + 1
        assert {a["actor"] for a in completions} == (
            {"agent", "agent2", "supervisor"} if len(spec["calls"]) > 1 else {"supervisor"})


def test_a_round_without_customers_goes_straight_to_the_report(server, tokens,  # type: ignore[no-untyped-def]
                                                               clock: FakeClock) -> None:
    admin, supervisor = tokens["admin"], tokens["supervisor"]
    assert deploy(server, admin, bundle(PROCESSES / "monthly-callback")).status_code == 201
    armed = server.get("/api/v1/admin/timers?kind=start", admin).json()["items"]
    assert [(t["ref"], t["due_at"]) for t in armed] == [
        ("monthly_start", FEBRUARY_ROUND.isoformat())]
    started = server.post("/api/v1/instances", supervisor, json={"process_key": KEY})
    assert started.status_code == 201, started.text  # an unscheduled round runs at once
    instance = started.json()
    assert instance["variables"]["callback_customers"] == []
    assert instance["variables"]["customer_count"] == 0
    assert [(t["bpmn_id"], t["candidate_group"]) for t in instance["open_tasks"]] == [
        ("write_report", "Supervisor")]
    claim_and_complete(server, supervisor, instance["open_tasks"][0]["id"], EMPTY_REPORT)
    done = server.get(f"/api/v1/instances/{instance['id']}", admin).json()
    assert done["status"] == "completed"
    out = done["variables"]
    assert (out["call_records"], out["reached_count"], out["average_satisfaction"],
            out["improvement_actions"], out["round_status"]) == ([], 0, None, [], "reported")
    # the schedule is untouched by the manual round
    armed = server.get("/api/v1/admin/timers?kind=start", admin).json()["items"]
    assert [t["due_at"] for t in armed] == [FEBRUARY_ROUND.isoformat()]
