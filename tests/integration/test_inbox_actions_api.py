"""What the inbox does from a task: wait (with a note) and resume, the views' counts and the
view to land on, reassign to a colleague, escalate to the supervisors."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.notify.fanout import fan_out_all
from store.tables import AuditEntry, Notification
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


@pytest.fixture
def started(server, tokens):  # type: ignore[no-untyped-def]
    """Two three_steps cases started by the agent; returns their first tasks' ids."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    ids = []
    for n in range(2):
        response = server.post("/api/v1/instances", tokens["agent"], json={
            "process_key": "three_steps", "business_key": f"W-{n}"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["open_tasks"][0]["id"])
    return ids


def actions(fd, task_id: int) -> list[tuple[str, dict | None]]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return [(r.action, r.after) for r in uow.execute(
            select(AuditEntry.action, AuditEntry.after).where(AuditEntry.task_id == task_id)
            .order_by(AuditEntry.id))]


def test_waiting_with_a_note_and_resume(server, tokens, fd, started) -> None:  # type: ignore[no-untyped-def]
    task_id = started[0]
    url = f"/api/v1/tasks/{task_id}/waiting"
    assert server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"]).ok
    waiting = server.post(url, tokens["agent"], json={"reason": "waiting_customer",
                                                      "note": "客户去找发票"})
    assert waiting.status_code == 200, waiting.text
    assert (waiting.json()["waiting_reason"], waiting.json()["waiting_note"]) == (
        "waiting_customer", "客户去找发票")
    listed = server.get("/api/v1/tasks?assignee=me", tokens["agent"]).json()["items"]
    assert [(t["id"], t["waiting_note"]) for t in listed] == [(task_id, "客户去找发票")]
    # the old body (reason only) still works; a note too long is a 422 naming it
    assert server.post(url, tokens["agent"], json={"reason": "waiting_third_party"}).json()[
        "waiting_note"] is None
    too_long = server.post(url, tokens["agent"], json={"reason": "x", "note": "字" * 501})
    assert too_long.status_code == 422 and "note" in too_long.text
    resumed = server.post(url, tokens["agent"], json={"reason": None, "note": "ignored"})
    assert (resumed.json()["waiting_reason"], resumed.json()["waiting_note"]) == (None, None)
    assert server.post(url, tokens["agent2"], json={"reason": "waiting_customer"}
                       ).status_code == 403  # claimed by the agent
    trail = actions(fd, task_id)
    assert [a for a, _ in trail if a.startswith("task.")][-3:] == [
        "task.waiting", "task.waiting", "task.resumed"]


def test_case_waiting_by_the_agent_holding_one_of_its_tasks(server, tokens, started) -> None:  # type: ignore[no-untyped-def]
    task = server.get(f"/api/v1/tasks/{started[0]}", tokens["agent"]).json()
    url = f"/api/v1/instances/{task['instance_id']}/waiting"
    body = {"reason": "waiting_customer", "note": "等客户寄回商品"}
    assert server.post(url, tokens["agent"], json=body).status_code == 403  # not claimed yet
    assert server.post(f"/api/v1/tasks/{started[0]}/claim", tokens["agent"]).ok
    waiting = server.post(url, tokens["agent"], json=body)
    assert waiting.status_code == 200, waiting.text
    assert (waiting.json()["waiting_reason"], waiting.json()["waiting_note"]) == (
        "waiting_customer", "等客户寄回商品")
    assert server.post(url, tokens["agent2"], json=body).status_code == 403
    resumed = server.post(url, tokens["agent"], json={"reason": None})
    assert (resumed.json()["waiting_reason"], resumed.json()["waiting_note"]) == (None, None)
    audit = [e["action"] for e in resumed.json()["audit"]]
    assert audit[-2:] == ["instance.waiting", "instance.resumed"]


def test_view_counts_and_landing(server, tokens, started) -> None:  # type: ignore[no-untyped-def]
    counts = server.get("/api/v1/tasks/counts", tokens["agent"]).json()
    assert counts == {"mine": 0, "unassigned": 2, "overdue": 0, "due_today": 0,
                      "delegated": 0, "capped": [], "landing": "unassigned"}
    assert server.post(f"/api/v1/tasks/{started[0]}/claim", tokens["agent"]).ok
    counts = server.get("/api/v1/tasks/counts", tokens["agent"]).json()
    assert (counts["mine"], counts["unassigned"], counts["landing"]) == (1, 1, "mine")
    outsider = server.get("/api/v1/tasks/counts", tokens["outsider"]).json()
    assert outsider == {"mine": 0, "unassigned": 0, "overdue": 0, "due_today": 0,
                        "delegated": 0, "capped": [], "landing": "mine"}
    other = server.get("/api/v1/tasks/counts?process_key=nothing_here", tokens["admin"]).json()
    assert other["unassigned"] == 0
    bad = server.get("/api/v1/tasks/counts?tz=Mars/Base", tokens["agent"])
    assert bad.status_code == 422 and "tz" in bad.text


def test_staff_reassign_a_task_they_hold_to_a_colleague(server, tokens, fd, started) -> None:  # type: ignore[no-untyped-def]
    task_id = started[0]
    url = f"/api/v1/tasks/{task_id}/assign"
    people = server.get(f"/api/v1/tasks/{task_id}/assignees", tokens["agent"]).json()
    assert {"agent", "agent2", "supervisor", "admin"} <= {p["username"] for p in people}
    assert "outsider" not in {p["username"] for p in people}
    assert server.get(f"/api/v1/tasks/{task_id}/assignees", tokens["outsider"]
                      ).status_code == 403
    assert server.post(url, tokens["agent"], json={"user": "agent2"}).status_code == 403
    assert server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"]).ok
    not_in_group = server.post(url, tokens["agent"], json={"user": "outsider"})
    assert not_in_group.status_code == 422 and not_in_group.json()["errors"][0]["field"] == "user"
    assert server.post(url, tokens["agent"], json={"user": "ghost"}).status_code == 422
    handed = server.post(url, tokens["agent"], json={"user": "agent2"})
    assert handed.status_code == 200 and handed.json()["assignee"] == "agent2"
    assert server.post(url, tokens["agent"], json={"user": "agent"}).status_code == 403
    assert ("task.assigned", {"state": "claimed", "assignee": "agent2"}) in actions(fd, task_id)


def test_escalate_to_the_supervisors_with_a_reason(server, tokens, fd, started) -> None:  # type: ignore[no-untyped-def]
    task_id = started[1]
    url = f"/api/v1/tasks/{task_id}/escalate"
    assert server.post(url, tokens["agent"], json={}).status_code == 422
    blank = server.post(url, tokens["agent"], json={"reason": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    assert server.post(url, tokens["outsider"], json={"reason": "x"}).status_code == 403
    done = server.post(url, tokens["agent"], json={"reason": "客户要求主管回电"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["escalation_reason"], body["escalated_by"]) == ("客户要求主管回电", "agent")
    assert body["escalated_at"] is not None
    flagged = server.get("/api/v1/tasks?escalated=true", tokens["supervisor"]).json()["items"]
    assert [t["id"] for t in flagged] == [task_id]
    assert ("task.escalated", {"escalation_reason": "客户要求主管回电"}) in actions(fd, task_id)
    fan_out_all(fd)  # the audit row tells the supervisors of the task's group, in the app
    with fd.uow(read_only=True) as uow:
        outbox = uow.execute(select(Notification.kind, Notification.recipient,
                                    Notification.channel)
                             .where(Notification.task_id == task_id, Notification.kind == "escalation")
                             .order_by(Notification.recipient)).all()
    assert [tuple(row) for row in outbox] == [("escalation", "admin", "in_app"),
                                              ("escalation", "supervisor", "in_app")]
    assert server.post(f"/api/v1/tasks/{task_id}/complete", tokens["agent"],
                       json={"data": {"note": "x"}}).ok
    assert server.post(url, tokens["supervisor"], json={"reason": "late"}).status_code == 409
