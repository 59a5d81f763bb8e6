"""Negative-review (中差评) handling end to end over the REST API, on an injected clock.

The call-window calendar and the phone-call SLA policy come from the process's sla.json, created
through the admin API; the 48-hour timer and the promised-date timer are fired by the scheduler.
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

import holidays
import pytest

from engine.clock import FakeClock
from services.due_runner import run_due
from services.notify.fanout import fan_out_all
from services.identity import create_token, ensure_user
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import claim_and_complete, deploy, end_events
from tests.negative_review_paths import PATHS, REJECTED, TIMER

FOLDER = PROCESSES / "negative-review"
SLA = json.loads((FOLDER / "sla.json").read_text(encoding="utf-8"))
SHANGHAI = timezone(timedelta(hours=8))
PRIORITY = {"low": 25, "medium": 50, "high": 75, "urgent": 100}
CALL_WINDOWS = ((time(9, 30), time(10, 30)), (time(16, 0), time(21, 0)))


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(SHANGHAI)


def in_call_window(when: datetime) -> bool:
    """Inside 09:30–10:30 or 16:00–21:00 Shanghai time, on a day that is no CN holiday."""
    when = when.astimezone(SHANGHAI)
    day = when.date()
    if day in holidays.country_holidays("CN", years=day.year) or \
            day.isoformat() in SLA["calendars"]["call_windows"].get("extra_holidays", []):
        return False
    return any(start <= when.time() <= end for start, end in CALL_WINDOWS)


@pytest.fixture
def ready(server, tokens, fd):  # type: ignore[no-untyped-def]
    """Calendar and policy from sla.json, the process deployed, an after-sales agent's token."""
    admin = tokens["admin"]
    for name, config in SLA["calendars"].items():
        assert server.call("PUT", f"/api/v1/admin/calendars/{name}", admin, json=config).ok
    for name, config in SLA["policies"].items():
        put = server.call("PUT", f"/api/v1/admin/sla-policies/{name}", admin, json=config)
        assert put.ok, put.text
    files = {name: data for name, data in bundle(FOLDER).items() if name != "sla.json"}
    assert deploy(server, admin, files).status_code == 201
    ensure_user(fd, "huilan", ["staff"], ["AfterSales"])
    return create_token(fd, "huilan")


def open_tasks(server, tokens, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks?instance_id={instance_id}", tokens["admin"]).json()["items"]


def pending_timers(server, tokens, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/admin/timers?instance_id={instance_id}&kind=timer",
                      tokens["admin"]).json()["items"]


def fire_timer(server, tokens, fd, clock: FakeClock, instance_id: int) -> datetime:  # type: ignore[no-untyped-def]
    """Nothing fires a minute early; a second after its due time the one armed timer fires."""
    [timer] = pending_timers(server, tokens, instance_id)
    due = datetime.fromisoformat(timer["due_at"])
    clock.set(due - timedelta(minutes=1))
    assert run_due(fd) == 0
    clock.set(due + timedelta(seconds=1))
    assert run_due(fd) == 1
    return due


def start(server, token: str, letter: str) -> int:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", token, json={
        "process_key": "negative_review", "business_key": f"ZCP-{letter}"})
    assert started.status_code == 201, started.text
    return started.json()["id"]


@pytest.mark.parametrize("letter", sorted(PATHS))
def test_negative_review_path(server, tokens, fd, clock, ready, letter: str) -> None:  # type: ignore[no-untyped-def]
    path, agent = PATHS[letter], ready
    clock.set(local(path["start"]))
    instance_id = start(server, agent, letter)
    timed_out: datetime | None = None  # when the 48 h timer was due
    fired: list[str] = []
    for bpmn_id, lane, data in path["steps"]:
        if lane == TIMER:
            due = fire_timer(server, tokens, fd, clock, instance_id)
            fired.append(bpmn_id)
            if bpmn_id == "no_response_48h":
                assert due == local(path["start"]) + timedelta(hours=48)
                timed_out = due
            continue
        tasks = open_tasks(server, tokens, instance_id)
        assert [(t["bpmn_id"], t["candidate_group"]) for t in tasks] == [(bpmn_id, lane)]
        task = tasks[0]
        if bpmn_id != "register_review":
            assert task["priority"] == PRIORITY[path["priority"]]
        if bpmn_id == "record_customer_reply":
            [timer] = pending_timers(server, tokens, instance_id)
            assert "48小时无响应" in timer["label"]
        if bpmn_id == "phone_call":
            detail = server.get(f"/api/v1/tasks/{task['id']}", agent).json()
            assert local(detail["due_at"]) == local(path["phone_due"])
            assert in_call_window(local(detail["due_at"])) and detail["sla_state"] == "ok"
            assert timed_out and local(detail["created_at"]) == timed_out + timedelta(seconds=1)
        if letter in ("D", "H"):
            for rejected_id, payload, field, why in REJECTED:
                if rejected_id != bpmn_id:
                    continue
                r = server.post(f"/api/v1/tasks/{task['id']}/complete", agent, json={"data": payload})
                assert r.status_code == 422, why
                assert field in [e["field"] for e in r.json()["errors"]], (why, r.json())
            assert [t["id"] for t in open_tasks(server, tokens, instance_id)] == [task["id"]]
        if bpmn_id == "register_review":
            outsider = server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["outsider"],
                                   json={"data": data})
            assert outsider.status_code == 403
        claim_and_complete(server, agent, task["id"], data)
        if bpmn_id == "record_customer_reply":
            assert pending_timers(server, tokens, instance_id) == []  # the 48 h timer is withdrawn

    detail = server.get(f"/api/v1/instances/{instance_id}", agent).json()
    assert detail["status"] == "completed" and detail["open_tasks"] == []
    variables = detail["variables"]
    assert (variables["priority"], variables["handling_status"], variables["progress"],
            variables["case_status"]) == (path["priority"], path["handling_status"],
                                          path["progress"], path["case_status"])
    audit = detail["audit"]
    completions = [a for a in audit if a["action"] == "task.completed"]
    assert len(completions) == sum(1 for _, lane, _ in path["steps"] if lane != TIMER)
    timer_entries = [a["after"] for a in audit if a["action"] == "timer.fired"]
    labels = {"no_response_48h": "48小时无响应", "wait_promised_date": "等到答应修改日"}
    assert [labels[t] in e["timer"] for t, e in zip(fired, timer_entries)] == [True] * len(fired)
    assert len(timer_entries) == len(fired)
    if timed_out:
        assert local(timer_entries[0]["due_at"]) == timed_out
    if "wait_promised_date" in fired:
        promised = variables["promised_date"] + "T23:59:59+08:00"
        assert local(timer_entries[-1]["due_at"]) == local(promised)
    assert end_events(fd, instance_id) == [path["end"]]
    # nothing is left armed: an answered case gets no call two days later
    clock.set(clock.now() + timedelta(days=3))
    assert run_due(fd) == 0


def test_severe_reviews_come_first(server, tokens, fd, clock, ready) -> None:  # type: ignore[no-untyped-def]
    """评价严重的优先处理: after registering, the severe case's tasks lead the inbox."""
    agent = ready
    clock.set(local("2026-03-02T09:00:00+08:00"))
    cases = {}
    for letter in ("B", "D", "A", "C"):  # low, medium, urgent, high; registered in this order
        instance_id = start(server, agent, letter)
        [task] = open_tasks(server, tokens, instance_id)
        claim_and_complete(server, agent, task["id"], PATHS[letter]["steps"][0][2])
        cases[instance_id] = PATHS[letter]["priority"]
        clock.advance(minutes=1)
    inbox = server.get("/api/v1/tasks?process_key=negative_review", agent).json()["items"]
    assert [t["bpmn_id"] for t in inbox] == ["send_wangwang_message"] * 4
    assert [cases[t["instance_id"]] for t in inbox] == ["urgent", "high", "medium", "low"]
    assert [t["priority"] for t in inbox] == [100, 75, 50, 25]


def test_a_missed_call_window_notifies_the_supervisor(server, tokens, fd, clock, ready) -> None:  # type: ignore[no-untyped-def]
    """The phone call not made by its due time: the clock breaches and Supervisor is told."""
    path, agent = PATHS["E"], ready
    clock.set(local(path["start"]))
    instance_id = start(server, agent, "E")
    for bpmn_id, lane, data in path["steps"][:3]:
        [task] = open_tasks(server, tokens, instance_id)
        claim_and_complete(server, agent, task["id"], data)
    fire_timer(server, tokens, fd, clock, instance_id)
    [call] = open_tasks(server, tokens, instance_id)
    assert call["bpmn_id"] == "phone_call"
    clock.set(local(path["phone_due"]) - timedelta(minutes=1))
    assert run_due(fd) == 0
    clock.set(local(path["phone_due"]) + timedelta(minutes=1))
    assert run_due(fd) == 2  # the breach, then escalation level 1 (after PT0S)
    late = server.get(f"/api/v1/tasks/{call['id']}", agent).json()
    assert late["sla_state"] == "breached"
    fan_out_all(fd)  # the sla.* audit rows become notifications (the policy names the groups)
    notes = server.get("/api/v1/admin/notifications?per_page=200", tokens["admin"]).json()["items"]
    told = {(n["kind"], n["recipient"]) for n in notes if n["task_id"] == call["id"]}
    assert {("sla_breach", "supervisor"), ("escalation", "supervisor")} <= told
    actions = [a["action"] for a in server.get(f"/api/v1/instances/{instance_id}", agent).json()["audit"]]
    assert {"timer.fired", "sla.breach", "sla.escalation"} <= set(actions)


def test_a_reply_message_by_order_number_ends_the_48_hour_wait(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                              ready) -> None:
    """The IM bridge reports the buyer's reply by order number: the wait ends at once, the
    48-hour timer is withdrawn, and the reply is on the case for recording the outcome."""
    from tests.negative_review_paths import SMS, WANGWANG, register
    agent = ready
    clock.set(local("2026-03-02T09:00:00+08:00"))
    cases = {}
    for letter, order_no in (("M", "TB-M-1"), ("N", "TB-N-2")):
        cases[order_no] = start(server, agent, letter)
        for bpmn_id, _lane, data in [register("severe", "negative", order_no=order_no),
                                     WANGWANG, SMS]:
            (task,) = open_tasks(server, tokens, cases[order_no])
            assert task["bpmn_id"] == bpmn_id
            claim_and_complete(server, agent, task["id"], data)
    waiting = cases["TB-N-2"]
    assert [t["bpmn_id"] for t in open_tasks(server, tokens, waiting)] == ["record_customer_reply"]
    clock.advance(seconds=3 * 3600)
    sent = server.post("/api/v1/messages", tokens["shop"], json={
        "name": "customer_replied", "correlation": {"order_no": "TB-N-2"},
        "variables": {"customer_reply": "已经改成好评了"}})
    assert sent.status_code == 200, sent.text
    assert [r["instance_id"] for r in sent.json()["reached"]] == [waiting]
    assert [t["bpmn_id"] for t in open_tasks(server, tokens, waiting)] == ["record_outcome"]
    assert pending_timers(server, tokens, waiting) == []  # the 48 h timer is withdrawn
    detail = server.get(f"/api/v1/instances/{waiting}", tokens["admin"]).json()
    assert detail["variables"]["customer_reply"] == "已经改成好评了"
    assert any(a["action"] == "message.received" and a["actor"] == "shop"
               for a in detail["audit"])
    other = cases["TB-M-1"]  # the other case still waits for its own buyer
    assert [t["bpmn_id"] for t in open_tasks(server, tokens, other)] == ["record_customer_reply"]
