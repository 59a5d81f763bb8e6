"""Customer records and case numbers: VIP priority, a dedicated agent, history, references."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from engine.clock import FakeClock
from tests.conftest import PROCESSES, RESOURCES, bundle
from tests.integration.conftest import deploy

VIP = {"code": "TB-buyer-0071", "name": "王芳", "tier": "VIP", "abc_class": "A",
       "phone": "13800001111", "birthday": "1990-05-17", "dedicated_agent": "agent2"}


def test_a_vip_case_gets_priority_and_the_dedicated_agent(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin, agent = tokens["admin"], tokens["agent"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    created = server.post("/api/v1/customers", agent, json=VIP)
    assert created.status_code == 201, created.text
    customer = created.json()
    assert server.post("/api/v1/customers", agent, json=VIP).status_code == 409
    assert server.post("/api/v1/customers", agent,
                       json={**VIP, "code": "x", "tier": "铂金"}).status_code == 422

    started = server.post("/api/v1/instances", agent, json={
        "process_key": "three_steps", "customer_id": customer["id"]}).json()
    task = started["open_tasks"][0]
    assert (task["priority"], task["assignee"], task["state"]) == (90, "agent2", "claimed")
    assert started["variables"]["customer"]["tier"] == "VIP"
    assert started["customer_id"] == customer["id"]

    plain = server.post("/api/v1/customers", agent, json={"code": "c2", "name": "李伟"}).json()
    other = server.post("/api/v1/instances", agent, json={
        "process_key": "three_steps", "customer_id": plain["id"],
        "related_case_no": started["case_no"]}).json()
    assert (other["open_tasks"][0]["priority"], other["open_tasks"][0]["assignee"]) == (50, None)
    assert other["related_case_no"] == started["case_no"]
    refs = server.get(f"/api/v1/instances?related_case_no={started['case_no']}", agent).json()
    assert [i["id"] for i in refs["items"]] == [other["id"]]

    unknown = server.post("/api/v1/instances", agent, json={
        "process_key": "three_steps", "customer_id": 999, "related_case_no": "NOPE"})
    assert unknown.status_code == 422
    assert server.get("/api/v1/instances", agent).json()["total"] == 2  # nothing half-made

    assert server.get(f"/api/v1/customers/{customer['id']}", tokens["outsider"]).status_code == 403
    detail = server.get(f"/api/v1/customers/{customer['id']}", tokens["supervisor"]).json()
    assert [c["case_no"] for c in detail["cases"]] == [started["case_no"]]
    assert server.get(f"/api/v1/customers/{customer['id']}", tokens["designer"]).status_code == 403
    bought = server.post(f"/api/v1/customers/{customer['id']}/purchases", agent, json={
        "order_no": "TB20240611001", "amount": 199.0,
        "purchased_at": "2024-06-11T10:00:00+08:00"})
    assert bought.status_code == 201 and bought.json()["purchases"][0]["amount"] == 199.0
    # staff working the case correct contact details; the tier and the dedicated agent route
    # and rank the customer's cases: supervisors' and admins'
    refused = server.call("PATCH", f"/api/v1/customers/{customer['id']}", agent,
                          json={"tier": "钻石", "dedicated_agent": "agent", "phone": "139 0000 1111"})
    assert refused.status_code == 403
    assert sorted(e["field"] for e in refused.json()["errors"]) == ["dedicated_agent", "tier"]
    unchanged = server.get(f"/api/v1/customers/{customer['id']}", agent).json()
    assert unchanged["phone"] != "13900001111"  # nothing half-written
    same_tier = server.call("PATCH", f"/api/v1/customers/{customer['id']}", agent,
                            json={"tier": unchanged["tier"], "phone": "139 0000 1111"})
    assert same_tier.status_code == 200 and same_tier.json()["phone"] == "13900001111"
    patched = server.call("PATCH", f"/api/v1/customers/{customer['id']}", tokens["supervisor"],
                          json={"tier": "钻石"}).json()
    assert patched["tier"] == "钻石"
    found = server.get("/api/v1/customers?q=王&tier=钻石", agent).json()
    assert [c["id"] for c in found["items"]] == [customer["id"]]


def test_case_numbers_count_per_process_and_day(server, tokens, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    clock.set(datetime(2026, 3, 2, 15, 59, tzinfo=timezone.utc))  # 23:59 in Shanghai
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    first = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"}).json()
    second = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"}).json()
    clock.advance(minutes=2)  # midnight in Shanghai: a new day
    third = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"}).json()
    assert [first["case_no"], second["case_no"], third["case_no"]] == [
        "TS202603020001", "TS202603020002", "TS202603030001"]
    assert server.get(f"/api/v1/instances?case_no={second['case_no']}",
                      admin).json()["items"][0]["id"] == second["id"]

    def start(_: int) -> str:
        return server.post("/api/v1/instances", admin,
                           json={"process_key": "three_steps"}).json()["case_no"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(start, range(12)))
    assert sorted(numbers) == [f"TS20260303{n:04d}" for n in range(2, 14)]


def test_a_dedicated_agent_who_does_not_exist_leaves_the_task_to_its_lane(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    ghost = server.post("/api/v1/customers", admin, json={
        "code": "c9", "name": "赵敏", "dedicated_agent": "left_the_company"}).json()
    started = server.post("/api/v1/instances", admin, json={
        "process_key": "three_steps", "customer_id": ghost["id"]}).json()
    task = started["open_tasks"][0]
    assert (task["assignee"], task["state"]) == (None, "open")
    detail = server.get(f"/api/v1/instances/{started['id']}", admin).json()
    assert "task.assignee_unknown" in [a["action"] for a in detail["audit"]]


def test_a_start_data_provider_selects_customers_for_a_callback_round(server, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc))
    assert deploy(server, admin, bundle(PROCESSES / "complaint-handling")).ok
    assert deploy(server, admin, bundle(RESOURCES / "provided")).ok
    new = server.post("/api/v1/customers", admin, json={"code": "n1", "name": "新客户"}).json()
    clock.advance(days=40)  # "new" means created within 30 days
    old = server.post("/api/v1/customers", admin, json={"code": "o1", "name": "老客户"}).json()
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc) + timedelta(days=80))
    vip = server.post("/api/v1/customers", admin,
                      json={"code": "v1", "name": "大客户", "abc_class": "A"}).json()
    for _ in range(2):
        server.post("/api/v1/instances", admin, json={"process_key": "complaint_handling",
                                                       "customer_id": old["id"]})
    started = server.post("/api/v1/instances", admin, json={"process_key": "provided"}).json()
    chosen = {c["id"]: c["reasons"] for c in started["variables"]["callback_customers"]}
    assert chosen == {old["id"]: ["many_complaints"], vip["id"]: ["new", "high_value"]}
    assert new["id"] not in chosen and started["variables"]["callback_round"] == "2026-05"
    assert started["variables"]["previous_improvement_actions"] == []
