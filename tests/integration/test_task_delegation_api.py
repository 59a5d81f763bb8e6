"""Delegation as Camunda has it: the assignee delegates a task, the delegate resolves it (a
draft, not a completion) and it is back with the owner, who alone completes it; audited, and
whoever now holds the task is told. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.notify.fanout import fan_out_all
from store.tables import AuditEntry, Notification
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


@pytest.fixture
def task_id(server, tokens) -> int:  # type: ignore[no-untyped-def]
    """A three_steps case's first task, claimed by the agent."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": "three_steps", "business_key": "D-1"})
    assert started.status_code == 201, started.text
    task = started.json()["open_tasks"][0]["id"]
    assert server.post(f"/api/v1/tasks/{task}/claim", tokens["agent"]).ok
    return task


def trail(fd, task: int) -> list[tuple[str, dict | None, dict | None]]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return [tuple(r) for r in uow.execute(
            select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.task_id == task, AuditEntry.action.like("task.%"))
            .order_by(AuditEntry.id))]


def test_delegate_resolve_and_the_owner_completes(server, tokens, fd, task_id) -> None:  # type: ignore[no-untyped-def]
    base = f"/api/v1/tasks/{task_id}"
    delegated = server.post(base + "/delegate", tokens["agent"],
                            json={"to": "agent2", "note": "请核对订单"})
    assert delegated.status_code == 200, delegated.text
    body = delegated.json()
    assert (body["owner"], body["assignee"], body["delegation_state"]) == (
        "agent", "agent2", "pending")
    # the owner still sees it
    assert server.get(base, tokens["agent"]).json()["delegation_state"] == "pending"

    # while pending nobody completes it: the delegate gets a clear Chinese 409, so does the owner
    refused = server.post(base + "/complete", tokens["agent2"], json={"data": {"note": "x"}})
    assert refused.status_code == 409
    assert "委托" in refused.json()["detail"] and "agent" in refused.json()["detail"]
    assert server.post(base + "/complete", tokens["agent"],
                       json={"data": {"note": "x"}}).status_code == 409
    assert server.post(base + "/unclaim", tokens["agent2"]).status_code == 409
    assert server.post(base + "/delegate", tokens["agent2"],
                       json={"to": "agent"}).status_code == 409
    assert server.post(base + "/resolve", tokens["agent"], json={}).status_code == 403

    resolved = server.post(base + "/resolve", tokens["agent2"],
                           json={"data": {"note": "订单已核对", "count": 2}})
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["owner"], body["assignee"], body["delegation_state"], body["state"]) == (
        "agent", "agent", "resolved", "claimed")
    assert body["data"]["note"] == "订单已核对"  # a draft: the BPMN task is still open
    assert server.post(base + "/resolve", tokens["agent2"], json={}).status_code == 409
    assert server.post(base + "/complete", tokens["agent2"],
                       json={"data": {"note": "x"}}).status_code == 403  # not theirs any more
    done = server.post(base + "/complete", tokens["agent"], json={"data": body["data"]})
    assert done.status_code == 200, done.text

    rows = [r for r in trail(fd, task_id) if r[0] in ("task.delegated", "task.resolved")]
    assert rows == [
        ("task.delegated", {"assignee": "agent", "owner": None, "delegation_state": None},
         {"assignee": "agent2", "owner": "agent", "delegation_state": "pending",
          "note": "请核对订单"}),
        ("task.resolved", {"assignee": "agent2", "owner": "agent", "delegation_state": "pending"},
         {"assignee": "agent", "owner": "agent", "delegation_state": "resolved",
          "draft": ["count", "note"]})]
    fan_out_all(fd)  # the delegate is told, then the owner when it comes back
    with fd.uow(read_only=True) as uow:
        told = uow.execute(select(Notification.recipient, Notification.kind)
                           .where(Notification.task_id == task_id, Notification.channel == "in_app",
                                  Notification.kind == "assigned_to_me")
                           .order_by(Notification.id)).all()
    assert [tuple(r) for r in told] == [("agent2", "assigned_to_me"), ("agent", "assigned_to_me")]


def test_who_may_delegate_and_to_whom(server, tokens, task_id) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/tasks/{task_id}/delegate"
    assert server.post(url, tokens["agent2"], json={"to": "agent"}).status_code == 403  # not held
    assert server.post(url, tokens["agent"], json={"to": "agent"}).status_code == 422  # oneself
    assert server.post(url, tokens["agent"], json={"to": "ghost"}).status_code == 422
    assert server.post(url, tokens["agent"], json={"to": "outsider"}).status_code == 422
    assert server.post(url, tokens["agent"], json={}).status_code == 422
    english = server.post(url, tokens["agent2"], json={"to": "agent"},
                          headers={"Accept-Language": "en"})
    assert "Only the assignee" in english.json()["detail"]
    # a supervisor reassigning ends a pending delegation
    assert server.post(url, tokens["agent"], json={"to": "agent2"}).ok
    reassigned = server.post(f"/api/v1/tasks/{task_id}/assign", tokens["supervisor"],
                             json={"user": "agent"})
    assert reassigned.status_code == 200, reassigned.text
    assert (reassigned.json()["owner"], reassigned.json()["delegation_state"]) == (None, None)


def test_the_delegated_by_me_view_and_its_count(server, tokens, task_id) -> None:  # type: ignore[no-untyped-def]
    """我委托的: the owner's tasks still with the delegate, with who has them and since when;
    counted in the views' counts; gone once resolved. The owner sees them even when the task
    has left their groups (owning it is seeing it)."""
    def view(who: str, query: str = "delegated_by=me") -> list[dict]:  # type: ignore[no-untyped-def]
        answer = server.get(f"/api/v1/tasks?{query}", tokens[who])
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    def counted(who: str) -> int:
        return server.get("/api/v1/tasks/counts", tokens[who]).json()["delegated"]

    assert (view("agent"), counted("agent")) == ([], 0)
    assert server.post(f"/api/v1/tasks/{task_id}/delegate", tokens["agent"],
                       json={"to": "agent2"}).ok
    [row] = view("agent")
    assert (row["id"], row["owner"], row["assignee"], row["delegation_state"]) == (
        task_id, "agent", "agent2", "pending")
    assert row["delegated_at"] is not None
    assert (counted("agent"), counted("agent2")) == (1, 0)
    assert view("agent2") == []  # the delegate delegated nothing: it is in their mine
    [theirs] = view("agent2", "assignee=me")
    assert (theirs["owner"], theirs["delegation_state"]) == ("agent", "pending")
    assert [r["id"] for r in view("admin", "delegated_by=agent")] == [task_id]
    assert view("outsider", "delegated_by=agent") == []  # not their group's: not theirs to see

    # moved to a group the owner is not in: still theirs to wait for
    assert server.post("/api/v1/tasks/bulk", tokens["supervisor"], json={
        "action": "move_group", "ids": [task_id], "group": "ComplaintGroup"}).json()["succeeded"] == 1
    assert [r["id"] for r in view("agent")] == [task_id] and counted("agent") == 1

    assert server.post(f"/api/v1/tasks/{task_id}/resolve", tokens["agent2"], json={}).ok
    assert (view("agent"), counted("agent")) == ([], 0)
    bad = server.get("/api/v1/tasks?delegated_by=", tokens["agent"])
    assert bad.status_code == 422 and "delegated_by" in bad.text


@pytest.mark.parametrize(("to", "words", "message"), [
    ("outsider", "不在该任务的「Agent」组", "不是该任务所在组的成员"),
    ("ghost", "没有名为「ghost」的在用账号", "没有这个用户"),
    ("agent", "不能把任务", "不能是你自己")])
def test_a_refused_delegate_is_named_as_the_field_to(  # type: ignore[no-untyped-def]
        server, tokens, task_id, to, words, message) -> None:
    """The body's field is ``to``: a refusal names it (not the assign endpoint's ``user``),
    with the field's own reason."""
    refused = server.post(f"/api/v1/tasks/{task_id}/delegate", tokens["agent"], json={"to": to})
    assert refused.status_code == 422, refused.text
    assert words in refused.json()["detail"]
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [("to", message)]


def test_a_disabled_users_tasks_go_back_to_people_who_can_work_them(  # type: ignore[no-untyped-def]
        server, tokens, fd, task_id) -> None:
    """Disabling the delegate gives the task back to its owner (who can complete it); disabling
    someone who claimed a task puts it back in its group's queue; each audited as the admin's."""
    base = f"/api/v1/tasks/{task_id}"
    assert server.post(base + "/delegate", tokens["agent"], json={"to": "agent2"}).ok
    assert server.post("/api/v1/admin/users/agent2/disable", tokens["admin"]).ok
    back = server.get(base, tokens["agent"]).json()
    assert (back["assignee"], back["owner"], back["delegation_state"]) == ("agent", None, None)
    assert trail(fd, task_id)[-1] == (
        "task.assigned", {"state": "claimed", "assignee": "agent2", "owner": "agent"},
        {"state": "claimed", "assignee": "agent", "reason": "user_disabled"})

    assert server.post("/api/v1/admin/users/agent/disable", tokens["admin"]).ok
    queued = server.get(base, tokens["supervisor"]).json()
    assert (queued["assignee"], queued["state"]) == (None, "open")
    assert trail(fd, task_id)[-1][0] == "task.unclaimed"
    assert server.post("/api/v1/admin/users/agent/enable", tokens["admin"]).ok
    assert server.post(base + "/claim", tokens["agent"]).ok  # the queue's again
    assert server.post(base + "/complete", tokens["agent"], json={"data": {"note": "x"}}).ok
