"""Operating one running instance (issue 17): suspend and resume, the variables API, and
modification, through the REST API on SQLite and PostgreSQL, on an injected clock."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.clock import FakeClock
from services.due_runner import run_due
from store.tables import DueWork, HumanTask
from tests.complaint_paths import PATHS
from tests.conftest import PROCESSES, RESOURCES, bundle
from tests.integration.conftest import claim_and_complete, deploy

TIMERS = RESOURCES / "timers"
ZH = {"Accept-Language": "zh"}


def _start(server, token, key, variables=None) -> dict:  # type: ignore[no-untyped-def]
    body = {"process_key": key} if variables is None else {"process_key": key,
                                                             "variables": variables}
    answer = server.post("/api/v1/instances", token, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _boundary_instance(server, tokens) -> dict:  # type: ignore[no-untyped-def]
    files = {"boundary_timers.bpmn": (TIMERS / "boundary_timers.bpmn").read_bytes()}
    assert deploy(server, tokens["admin"], files).status_code == 201
    return _start(server, tokens["agent"], "boundary_timers", {"reminders": 0})


def _detail(server, token, instance_id) -> dict:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/instances/{instance_id}", token).json()


def _actions(detail: dict, action: str) -> list[dict]:
    return [a for a in detail["audit"] if a["action"] == action]


def _due_states(fd, instance_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return sorted((r.kind, r.state) for r in uow.execute(
            select(DueWork.kind, DueWork.state).where(DueWork.instance_id == instance_id)))


# -- suspend and resume --------------------------------------------------------------------

def test_suspend_blocks_tasks_and_timers_until_resume(server, tokens, fd,
                                                      clock: FakeClock) -> None:
    instance = _boundary_instance(server, tokens)
    iid, task_id = instance["id"], instance["open_tasks"][0]["id"]
    path = f"/api/v1/instances/{iid}"
    assert server.post(f"{path}/suspend", tokens["agent"], json={"reason": "x"}).status_code == 403
    assert server.post(f"{path}/suspend", tokens["admin"], json={}).status_code == 422
    blank = server.post(f"{path}/suspend", tokens["supervisor"], json={"reason": "  "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    suspended = server.post(f"{path}/suspend", tokens["supervisor"],
                            json={"reason": "客户投诉需法务核查"})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    [entry] = _actions(suspended.json(), "instance.suspended")
    assert entry["actor"] == "supervisor" and entry["before"] == {"status": "running"}
    assert entry["after"]["reason"] == "客户投诉需法务核查" and entry["after"]["due_work_held"] == 2
    assert server.post(f"{path}/suspend", tokens["admin"],
                       json={"reason": "again"}).status_code == 409

    claim = server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"], headers=ZH)
    assert claim.status_code == 409 and "挂起" in claim.json()["detail"]
    assign = server.post(f"/api/v1/tasks/{task_id}/assign", tokens["supervisor"], headers=ZH,
                         json={"user": "agent"})  # a first response too: not while suspended
    assert assign.status_code == 409 and "挂起" in assign.json()["detail"]
    bulk = server.post("/api/v1/tasks/bulk", tokens["supervisor"], json={
        "action": "assign", "to": "agent", "ids": [task_id]}).json()
    assert [item["status"] for item in bulk["items"]] == [409]
    complete = server.post(f"/api/v1/tasks/{task_id}/complete", tokens["admin"], json={},
                           headers={"Accept-Language": "en"})
    assert complete.status_code == 409 and "suspended" in complete.json()["detail"]

    clock.advance(hours=1, seconds=1)  # the hourly reminder is due while suspended
    assert run_due(fd) == 0
    assert _due_states(fd, iid) == [("timer", "suspended"), ("timer", "suspended")]
    assert _actions(_detail(server, tokens["admin"], iid), "timer.fired") == []

    resumed = server.post(f"{path}/resume", tokens["admin"], json={"reason": "核查完毕"})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "running"
    assert _actions(resumed.json(), "instance.resumed")[0]["after"]["due_work_released"] == 2
    assert run_due(fd) == 1  # the reminder fires now; the breach (4 h) is not due yet
    assert len(_actions(_detail(server, tokens["admin"], iid), "timer.fired")) == 1
    assert server.post(f"{path}/resume", tokens["admin"], json={"reason": "x"}).status_code == 409
    claim_and_complete(server, tokens["agent"], task_id, {})


def test_a_message_to_a_suspended_instance_is_queued_until_resume(server, tokens, fd) -> None:
    files = {"reply_or_call.bpmn": (TIMERS / "reply_or_call.bpmn").read_bytes()}
    assert deploy(server, tokens["admin"], files).status_code == 201
    instance = _start(server, tokens["agent"], "reply_or_call")
    path = f"/api/v1/instances/{instance['id']}"
    assert server.post(f"{path}/suspend", tokens["admin"], json={"reason": "hold"}).ok
    sent = server.post("/api/v1/messages", tokens["admin"],
                       json={"name": "customer_reply", "instance_id": instance["id"]})
    assert sent.status_code == 200, sent.text
    assert sent.json()["reached"][0]["queued"] is True
    assert ("deliver", "suspended") in _due_states(fd, instance["id"])
    assert run_due(fd) == 0
    assert not _actions(_detail(server, tokens["admin"], instance["id"]), "message.received")
    assert server.post(f"{path}/resume", tokens["admin"], json={"reason": "go"}).ok
    assert run_due(fd) == 1
    assert _actions(_detail(server, tokens["admin"], instance["id"]), "message.received")


def _clock(server, admin, instance_id: int, policy: str) -> dict:  # type: ignore[no-untyped-def]
    items = server.get(f"/api/v1/admin/sla-clocks?instance_id={instance_id}&policy={policy}",
                       admin).json()["items"]
    assert len(items) == 1
    return items[0]


def test_sla_clocks_pause_while_suspended_only_where_the_policy_says(server, tokens, fd,
                                                                     clock: FakeClock) -> None:
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).status_code == 201
    for name, pause_when in (("keeps_running", []), ("pauses", ["suspended"])):
        policy = {"process_key": "three_steps", "target": "instance",
                  "clock": "instance_resolution", "duration": "PT8H", "pause_when": pause_when}
        assert server.call("PUT", f"/api/v1/admin/sla-policies/{name}", admin, json=policy).ok
    iid = _start(server, admin, "three_steps")["id"]
    due_before = {n: _clock(server, admin, iid, n)["due_at"] for n in ("keeps_running", "pauses")}
    assert server.post(f"/api/v1/instances/{iid}/suspend", admin, json={"reason": "r"}).ok
    assert _clock(server, admin, iid, "pauses")["sla_state"] == "paused"
    assert _clock(server, admin, iid, "keeps_running")["sla_state"] != "paused"
    clock.advance(hours=2)
    assert server.post(f"/api/v1/instances/{iid}/resume", admin, json={"reason": "r"}).ok
    after = {n: _clock(server, admin, iid, n) for n in ("keeps_running", "pauses")}
    assert after["keeps_running"]["due_at"] == due_before["keeps_running"]
    assert after["pauses"]["sla_state"] != "paused"
    assert after["pauses"]["due_at"] != due_before["pauses"]  # moved by the two hours


# -- the variables API ---------------------------------------------------------------------

def _complaint_at(server, tokens, steps: int) -> dict:  # type: ignore[no-untyped-def]
    """A complaint (path B) with its first ``steps`` tasks done."""
    assert deploy(server, tokens["admin"],
                  bundle(PROCESSES / "complaint-handling")).status_code == 201
    instance = _start(server, tokens["agent"], "complaint_handling")
    for bpmn_id, _lane, data in PATHS["B"]["steps"][:steps]:
        [task] = _detail(server, tokens["admin"], instance["id"])["open_tasks"]
        assert task["bpmn_id"] == bpmn_id
        token = tokens["agent"] if task["candidate_group"] == "Agent" else tokens["admin"]
        claim_and_complete(server, token, task["id"], data)
    return _detail(server, tokens["admin"], instance["id"])


def test_variables_read_and_corrected_with_schema_and_audit(server, tokens) -> None:
    instance = _complaint_at(server, tokens, 3)
    path = f"/api/v1/instances/{instance['id']}/variables"
    read = server.get(path, tokens["supervisor"])
    assert read.status_code == 200, read.text
    assert read.json()["variables"]["amount"] == 199
    assert server.get(path, tokens["designer"]).status_code == 403
    assert _actions(_detail(server, tokens["admin"], instance["id"]),
                    "instance.variables_read")[0]["actor"] == "supervisor"

    no_reason = server.call("PATCH", path, tokens["admin"], json={"variables": {"amount": 150}})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    wrong = server.call("PATCH", path, tokens["admin"],
                        json={"variables": {"amount": "很多", "findings": "照片显示底座开裂"},
                              "reason": "typo"})
    assert wrong.status_code == 422, wrong.text
    assert [e["field"] for e in wrong.json()["errors"]] == ["amount"]
    for unusable in ({"": 1, "__class__": "x", "交付 日期": "明天"},):  # no script can read these
        named = server.call("PATCH", path, tokens["admin"], headers=ZH,
                            json={"variables": unusable, "reason": "typo"})
        assert named.status_code == 422, named.text
        assert sorted(e["field"] for e in named.json()["errors"]) == [
            "(form)", "__class__", "交付 日期"]
        assert "变量名" in named.json()["errors"][0]["message"]
        assert named.json()["detail"].startswith("以下变量不能保存：") and "__class__" in \
            named.json()["detail"]  # not the task form's sentence
    huge = server.call("PATCH", path, tokens["admin"], headers=ZH, json={
        "variables": {"photo_notes": "x" * 2_000_001}, "reason": "typo"})  # what no script may store
    assert huge.status_code == 422, huge.status_code
    [error] = huge.json()["errors"]
    assert error["field"] == "photo_notes" and "太大" in error["message"]
    assert server.call("PATCH", path, tokens["agent"],
                       json={"variables": {"amount": 150}, "reason": "r"}).status_code == 403
    fixed = server.call("PATCH", path, tokens["supervisor"],
                        json={"variables": {"amount": 150}, "reason": "客户同意部分退款"})
    assert fixed.status_code == 200, fixed.text
    [entry] = _actions(fixed.json(), "instance.variables_updated")
    assert entry["actor"] == "supervisor" and entry["before"] == {"amount": 199}
    assert entry["after"] == {"amount": 150, "status": "running", "reason": "客户同意部分退款"}


# -- modification --------------------------------------------------------------------------

def _task_rows(fd, instance_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return [(r.bpmn_id, r.state) for r in uow.execute(
            select(HumanTask.bpmn_id, HumanTask.state).where(HumanTask.instance_id == instance_id)
            .order_by(HumanTask.id))]


def test_a_stuck_complaint_moved_back_and_forward(server, tokens, fd) -> None:
    instance = _complaint_at(server, tokens, 3)  # waits at issue_refund
    iid, path = instance["id"], f"/api/v1/instances/{instance['id']}/modify"
    options = server.get(path, tokens["admin"]).json()
    assert [e["id"] for e in options["active"]] == ["issue_refund"]
    assert "handle_complaint" in [e["id"] for e in options["targets"]]
    back = server.post(path, tokens["admin"], json={
        "operations": [{"cancel": "issue_refund"}, {"start_before": "handle_complaint"}],
        "variables": {"amount": 150}, "reason": "退款金额需重新协商"})
    assert back.status_code == 200, back.text
    body = back.json()
    assert [t["bpmn_id"] for t in body["open_tasks"]] == ["handle_complaint"]
    assert body["variables"]["amount"] == 150
    assert _task_rows(fd, iid)[-2:] == [("issue_refund", "cancelled"),
                                        ("handle_complaint", "open")]
    [entry] = _actions(body, "instance.modified")
    assert entry["before"] == {"status": "running", "active": ["issue_refund"]}
    assert entry["after"]["active"] == ["handle_complaint"]
    assert entry["after"]["reason"] == "退款金额需重新协商"
    assert [a["action"] for a in body["audit"]].count("task.cancelled") == 1

    claim_and_complete(server, tokens["agent"], body["open_tasks"][0]["id"],
                       PATHS["B"]["steps"][2][2])
    forward = server.post(path, tokens["admin"], json={
        "operations": [{"cancel": "issue_refund"}, {"start_after": "issue_refund"}],
        "reason": "已线下退款"})
    assert forward.status_code == 200, forward.text
    assert [t["bpmn_id"] for t in forward.json()["open_tasks"]] == ["confirm_satisfaction"]


def test_modification_refusals_name_the_element(server, tokens) -> None:
    instance = _complaint_at(server, tokens, 1)  # waits at check_acceptance
    path = f"/api/v1/instances/{instance['id']}/modify"
    ops = {"operations": [{"cancel": "check_acceptance"}], "reason": "r"}
    assert server.post(path, tokens["supervisor"], json=ops).status_code == 403
    assert server.post(path, tokens["admin"], json={"operations": ops["operations"]}
                       ).status_code == 422
    unknown = server.post(path, tokens["admin"], headers=ZH, json={
        "operations": [{"start_before": "no_such_step"}], "reason": "r"})
    assert unknown.status_code == 422 and "no_such_step" in unknown.json()["detail"]
    inactive = server.post(path, tokens["admin"], headers=ZH, json={
        "operations": [{"cancel": "issue_refund"}], "reason": "r"})
    assert inactive.status_code == 409 and "issue_refund" in inactive.json()["detail"]
    several = server.post(path, tokens["admin"], json={
        "operations": [{"cancel": "check_acceptance"}, {"start_after": "gw_remedy"}],
        "reason": "r"})
    assert several.status_code == 409 and "gw_remedy" in several.json()["detail"]
    both = server.post(path, tokens["admin"], json={
        "operations": [{"cancel": "check_acceptance", "start_before": "handle_complaint"}],
        "reason": "r"})
    assert both.status_code == 422
    detail = _detail(server, tokens["admin"], instance["id"])
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["check_acceptance"]
    assert _actions(detail, "instance.modified") == []
    assert server.post(f"/api/v1/instances/{instance['id']}/suspend", tokens["admin"],
                       json={"reason": "r"}).ok
    assert server.post(path, tokens["admin"], json=ops).status_code == 409


def test_modification_restarts_a_task_with_its_boundary_timers(server, tokens, fd,
                                                              clock: FakeClock) -> None:
    instance = _boundary_instance(server, tokens)
    t0 = clock.now()
    clock.advance(minutes=30)
    moved = server.post(f"/api/v1/instances/{instance['id']}/modify", tokens["admin"], json={
        "operations": [{"cancel": "handle"}, {"start_before": "handle"}], "reason": "重新计时"})
    assert moved.status_code == 200, moved.text
    assert [t["bpmn_id"] for t in moved.json()["open_tasks"]] == ["handle"]
    with fd.uow(read_only=True) as uow:
        pending = sorted(r.due_at for r in uow.execute(select(DueWork.due_at).where(
            DueWork.instance_id == instance["id"], DueWork.state == "pending")))
    assert pending == [t0 + timedelta(minutes=90), t0 + timedelta(hours=4, minutes=30)]


def test_a_subprocess_is_cancelled_whole_with_its_tasks_and_timers(server, tokens, fd,
                                                                   clock: FakeClock) -> None:
    """Cancelling an embedded subprocess (as its interrupting boundary would) cancels the task
    and the timers inside it and its own boundary timer; the case goes on where the admin put
    the token, also after the timers' instants have passed."""
    files = bundle(RESOURCES / "qa_models" / "sub_deadline")
    assert deploy(server, tokens["admin"], files).status_code == 201
    instance = _start(server, tokens["agent"], "qa_sub_deadline")
    assert [t["bpmn_id"] for t in instance["open_tasks"]] == ["inspect"]
    assert ("timer", "pending") in _due_states(fd, instance["id"])
    offered = server.get(f"/api/v1/instances/{instance['id']}/modify", tokens["admin"]).json()
    assert "handle" in [e["id"] for e in offered["active"]]
    moved = server.post(f"/api/v1/instances/{instance['id']}/modify", tokens["admin"], json={
        "operations": [{"cancel": "handle"}, {"start_before": "close_case"}],
        "reason": "退货已当面处理完毕"})
    assert moved.status_code == 200, moved.text
    assert [t["bpmn_id"] for t in moved.json()["open_tasks"]] == ["close_case"]
    with fd.uow(read_only=True) as uow:
        inspect = uow.execute(select(HumanTask.state).where(
            HumanTask.instance_id == instance["id"], HumanTask.bpmn_id == "inspect")).scalar_one()
    assert inspect == "cancelled"
    assert [s for k, s in _due_states(fd, instance["id"]) if k == "timer"
            and s == "pending"] == []
    clock.advance(days=2)
    run_due(fd)  # neither the reminder nor the deadline fires any more
    detail = _detail(server, tokens["admin"], instance["id"])
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["close_case"]
    claim_and_complete(server, tokens["agent"], detail["open_tasks"][0]["id"], {})
    assert _detail(server, tokens["admin"], instance["id"])["status"] == "completed"
