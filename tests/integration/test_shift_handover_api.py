"""Shift handover: at 17:30 the day shift writes the record, its open tasks go to the evening
shift, and a task whose customer is still chatting stays with its agent without breaching."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.clock import FakeClock
from services.due_runner import run_due
from services.identity import create_token, ensure_user
from tests.conftest import PROCESSES, RESOURCES, bundle
from tests.integration.conftest import deploy

SHANGHAI = timezone(timedelta(hours=8))


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=SHANGHAI)


def test_the_day_shift_hands_over_to_the_evening_shift(server, tokens, fd, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    ensure_user(fd, "xiaobai", ["staff"], ["Agent", "DayShift"])
    ensure_user(fd, "xiaowan", ["staff"], ["Agent", "EveningShift"])
    day, evening = create_token(fd, "xiaobai"), create_token(fd, "xiaowan")
    clock.set(at(16))
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    assert deploy(server, admin, bundle(PROCESSES / "shift-handover")).ok
    starts = server.get("/api/v1/admin/timers?kind=start", admin).json()["items"]
    assert sorted(datetime.fromisoformat(s["due_at"]).astimezone(SHANGHAI) for s in starts) == [
        at(17, 30), at(22, 30)]
    policy = {"process_key": "three_steps", "target": "task", "target_ref": "step_one",
              "clock": "resolution", "duration": "PT2H", "pause_when": ["customer_chatting"]}
    assert server.call("PUT", "/api/v1/admin/sla-policies/step_one_2h", admin, json=policy).ok

    tasks = []
    for _ in range(3):
        case = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"})
        tasks.append(case.json()["open_tasks"][0]["id"])
    handed, chatting, untouched = tasks
    for task_id in (handed, chatting):
        assert server.post(f"/api/v1/tasks/{task_id}/claim", day).ok
    assert server.post(f"/api/v1/tasks/{chatting}/waiting", day,
                       json={"reason": "customer_chatting"}).ok

    clock.set(at(17, 31))
    assert run_due(fd) == 1
    handover = server.get("/api/v1/instances?process_key=shift_handover", admin).json()["items"]
    assert len(handover) == 1 and handover[0]["case_no"].startswith("JJ")
    detail = server.get(f"/api/v1/instances/{handover[0]['id']}", admin).json()
    [record] = detail["open_tasks"]
    assert (record["bpmn_id"], record["candidate_group"]) == ("write_record_day", "DayShift")
    record_data = server.get(f"/api/v1/tasks/{record['id']}", day).json()["data"]
    assert sorted(t["id"] for t in record_data["transferred"]) == [handed, chatting]
    assert [t["id"] for t in record_data["still_chatting"]] == [chatting]
    assert server.post(f"/api/v1/tasks/{record['id']}/complete", evening,
                       json={"data": {}}).status_code == 403  # not the leaving shift
    written = server.post(f"/api/v1/tasks/{record['id']}/complete", day, json={"data": {
        "customers_transferred": [{"customer": "王芳", "situation": "等待退款到账"}],
        "urgent_matters": ["TB20240611001 今晚必须回复"], "potential_customers": ["tb_lily88"],
        "written_by": "小白"}})
    assert written.ok, written.text

    def task(task_id: int) -> dict:
        return server.get(f"/api/v1/tasks/{task_id}", admin).json()

    assert (task(handed)["assignee"], task(handed)["escalation_group"]) == (None, "EveningShift")
    assert task(chatting)["assignee"] == "xiaobai"  # the shift extends for this customer
    assert task(untouched)["escalation_group"] is None
    inbox = [t["id"] for t in server.get("/api/v1/tasks", evening).json()["items"]]
    assert handed in inbox
    assert server.post(f"/api/v1/tasks/{handed}/claim", evening).ok
    reads = server.get(f"/api/v1/tasks?instance_id={handover[0]['id']}", evening).json()["items"]
    assert [t["bpmn_id"] for t in reads] == ["read_record_evening"]
    assert server.post(f"/api/v1/tasks/{reads[0]['id']}/complete", evening,
                       json={"data": {"read_by": "小晚"}}).ok
    actions = [a["action"] for a in server.get(f"/api/v1/instances/{handed_case(server, admin, handed)}",
                                              admin).json()["audit"]]
    assert "task.handed_over" in actions

    clock.set(at(18, 5))  # both were due at 18:00; the chatting one is paused
    run_due(fd)
    assert task(handed)["sla_state"] == "breached"
    assert task(chatting)["sla_state"] == "paused"

    clock.set(at(22, 31))
    assert run_due(fd) == 1  # the evening shift's handover
    evening_case = server.get("/api/v1/instances?process_key=shift_handover", admin).json()
    assert evening_case["total"] == 2
    newest = server.get(f"/api/v1/instances/{evening_case['items'][0]['id']}", admin).json()
    [evening_record] = newest["open_tasks"]
    assert evening_record["bpmn_id"] == "write_record_evening"
    evening_data = server.get(f"/api/v1/tasks/{evening_record['id']}", evening).json()["data"]
    assert [t["id"] for t in evening_data["transferred"]] == [handed]  # xiaowan claimed it
    assert server.post(f"/api/v1/tasks/{evening_record['id']}/complete", evening, json={"data": {
        "customers_transferred": [], "urgent_matters": [], "potential_customers": [],
        "written_by": "小晚", "key_orders": "无"}}).ok
    assert (task(handed)["assignee"], task(handed)["escalation_group"]) == (None, "DayShift")
    [read] = server.get(f"/api/v1/tasks?instance_id={newest['id']}", day).json()["items"]
    assert read["bpmn_id"] == "read_record_day"
    assert server.post(f"/api/v1/tasks/{read['id']}/complete", day,
                       json={"data": {"read_by": "小白"}}).ok
    done = server.get(f"/api/v1/instances/{newest['id']}", admin).json()
    assert done["status"] == "completed"
    assert "service.handover_tasks" in [a["action"] for a in done["audit"]]


def handed_case(server, token: str, task_id: int) -> int:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks/{task_id}", token).json()["instance_id"]
