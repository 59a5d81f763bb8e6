"""POST /api/v1/tasks/bulk: one action over many tasks, by ids or by the task list's filter,
each task in its own transaction with the single action's checks and audit, one result per
task, the batch never failing on one item; at most ``task_bulk.MAX_ITEMS`` per call. On SQLite
and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from services import task_bulk, tasks
from services.instances import start_instance
from services.principal import system
from store.tables import AuditEntry
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

URL = "/api/v1/tasks/bulk"


def seed(fd, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``count`` three_steps cases started in-process (no HTTP); their first tasks' ids."""
    user = system("seed", "admin")
    return [start_instance(fd, user, "three_steps", business_key=f"B-{n}")["open_tasks"][0]["id"]
            for n in range(count)]


@pytest.fixture
def deployed(server, tokens) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201


def audited(fd, action: str) -> int:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return uow.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == action))


def test_bulk_assign_of_500_tasks_by_filter(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    ids = seed(fd, 500)
    answer = server.post(URL, tokens["supervisor"], json={
        "action": "assign", "to": "agent2",
        "filter": {"process_key": "three_steps", "unassigned": True}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["action"], body["total"], body["succeeded"], body["failed"]) == (
        "assign", 500, 500, 0)
    assert sorted(item["id"] for item in body["items"]) == sorted(ids)
    assert all(item["ok"] and item["code"] is None for item in body["items"])
    mine = server.get("/api/v1/tasks?assignee=me&per_page=1", tokens["agent2"]).json()
    assert mine["total"] == 500
    assert audited(fd, "task.assigned") == 500
    again = server.post(URL, tokens["supervisor"], json={
        "action": "assign", "to": "agent2",
        "filter": {"process_key": "three_steps", "unassigned": True}})
    assert again.json()["total"] == 0  # nothing unassigned is left


def test_each_item_gets_its_own_result(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    first, second, third = seed(fd, 3)
    assert server.post(f"/api/v1/tasks/{second}/claim", tokens["agent2"]).ok
    claimed = server.post(URL, tokens["agent"],
                          json={"action": "claim", "ids": [first, second, 999999, first]})
    assert claimed.status_code == 200, claimed.text
    items = {item["id"]: item for item in claimed.json()["items"]}
    assert len(claimed.json()["items"]) == 3  # each id once
    assert items[first]["ok"] is True
    assert (items[second]["ok"], items[second]["status"], items[second]["code"]) == (
        False, 409, "task.claimed")
    assert "agent2" in items[second]["message"] and "认领" in items[second]["message"]
    assert (items[999999]["status"], items[999999]["code"]) == (404, "task.not_found")

    # the single actions' permissions, item by item
    staff = server.post(URL, tokens["agent"], json={"action": "cancel", "ids": [third]})
    assert staff.json()["items"][0]["code"] == "role.required"
    moved = server.post(URL, tokens["supervisor"], json={
        "action": "move_group", "group": "ComplaintGroup", "reason": "张三休假",
        "ids": [third, first]})
    assert moved.json()["succeeded"] == 2
    assert server.get(f"/api/v1/tasks/{third}", tokens["supervisor"]).json()[
        "candidate_group"] == "ComplaintGroup"
    assert audited(fd, "task.group_moved") == 2
    released = server.post(URL, tokens["supervisor"], json={"action": "unassign",
                                                            "ids": [first, third]})
    assert [i["ok"] for i in released.json()["items"]] == [True, False]  # third was not claimed

    cancelled = server.post(URL, tokens["admin"], json={"action": "cancel", "ids": [third],
                                                        "reason": "重复建单"})
    assert cancelled.json()["succeeded"] == 1
    assert audited(fd, "instance.cancelled") == 1
    retried = server.post(URL, tokens["admin"], json={"action": "retry", "ids": [first]},
                          headers={"Accept-Language": "en"})
    assert (retried.json()["items"][0]["status"], retried.json()["items"][0]["code"]) == (
        409, "instance.not_in_error")
    assert "not in error" in retried.json()["items"][0]["message"]


def test_what_is_refused_as_a_whole(server, tokens, fd, deployed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seed(fd, 3)
    for body in ({"action": "assign", "ids": [1]},  # assign needs `to`
                 {"action": "claim"},  # neither ids nor filter
                 {"action": "claim", "ids": [1], "filter": {}},  # both
                 {"action": "explode", "ids": [1]},
                 {"action": "claim", "ids": list(range(1, task_bulk.MAX_ITEMS + 2))},
                 {"action": "cancel", "ids": list(range(1, 202)), "reason": "r"}):  # 200 cases at most
        refused = server.post(URL, tokens["supervisor"], json=body)
        assert refused.status_code == 422, (body, refused.text)
    monkeypatch.setattr(task_bulk, "MAX_ITEMS", 2)
    too_many = server.post(URL, tokens["supervisor"],
                           json={"action": "claim", "filter": {"process_key": "three_steps"}})
    assert too_many.status_code == 422
    assert too_many.json()["detail"] == "一次最多处理 2 个任务，这次选中了 2+ 个；请缩小筛选范围或分批处理。"
    assert audited(fd, "task.claimed") == 0  # nothing was done


def test_a_repeated_assign_does_nothing_twice(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    """The same bulk assign sent again (a double click, a retry after a timeout) finds the
    tasks with their assignee already: ok, but no second audit row, claim time kept."""
    ids = seed(fd, 2)
    body = {"action": "assign", "to": "agent2", "ids": ids}
    assert server.post(URL, tokens["supervisor"], json=body).json()["succeeded"] == 2
    claimed_at = server.get(f"/api/v1/tasks/{ids[0]}", tokens["admin"]).json()["claimed_at"]
    again = server.post(URL, tokens["supervisor"], json=body).json()
    assert (again["succeeded"], again["failed"]) == (2, 0)
    assert audited(fd, "task.assigned") == 2
    assert server.get(f"/api/v1/tasks/{ids[0]}", tokens["admin"]).json()[
        "claimed_at"] == claimed_at
    single = server.post(f"/api/v1/tasks/{ids[1]}/assign", tokens["supervisor"],
                         json={"user": "agent2"})
    assert single.status_code == 200 and audited(fd, "task.assigned") == 2


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"action": "assign", "to": "ghost"}, "to", "没有名为「ghost」的在用账号"),
    ({"action": "assign", "to": "agent2 "}, "to", "没有名为「agent2 」的在用账号"),
    ({"action": "move_group", "group": "NoSuchGroup"}, "group", "没有名为「NoSuchGroup」的用户组")])
def test_an_unknown_user_or_group_is_the_requests_mistake(  # type: ignore[no-untyped-def]
        server, tokens, fd, deployed, body, field, words) -> None:
    """Whom to assign to and which group to move to are checked once, before any task: a 422
    naming the field in Chinese, nothing done, not the same refusal on each of 1000 items."""
    ids = seed(fd, 2)
    refused = server.post(URL, tokens["supervisor"], json={**body, "ids": ids})
    assert refused.status_code == 422, refused.text
    assert words in refused.json()["detail"]
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert audited(fd, "task.assigned") + audited(fd, "task.group_moved") == 0


def test_an_items_unexpected_failure_is_its_result_and_rolled_back(  # type: ignore[no-untyped-def]
        server, tokens, fd, deployed, monkeypatch) -> None:
    """A database fault in the middle of one item (its row already written) rolls that item
    back and is its result (503); the batch goes on and the answer says which were done."""
    first, second, third = seed(fd, 3)
    written = tasks.set_if_unchanged

    def then_fail(uow, task, **values):  # type: ignore[no-untyped-def]
        after = written(uow, task, **values)
        if task["id"] == second:
            raise OperationalError("UPDATE human_tasks", {}, Exception("connection lost"))
        return after

    monkeypatch.setattr(tasks, "set_if_unchanged", then_fail)
    answer = server.post(URL, tokens["agent"], json={"action": "claim",
                                                     "ids": [first, second, third]})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["id"], i["ok"], i["status"]) for i in items] == [
        (first, True, None), (second, False, 503), (third, True, None)]
    assert items[1]["code"] == "task.bulk_item_failed" and "服务器出错" in items[1]["message"]
    assert server.get(f"/api/v1/tasks/{second}", tokens["agent"]).json()["assignee"] is None
    assert audited(fd, "task.claimed") == 2


def test_after_three_failures_in_a_row_the_rest_are_not_tried(  # type: ignore[no-untyped-def]
        server, tokens, fd, deployed, monkeypatch) -> None:
    """The database gone: three items fail, the others are answered untried at once."""
    ids = seed(fd, 5)
    tried = []

    def gone(uow, task, **values):  # type: ignore[no-untyped-def]
        tried.append(task["id"])
        raise OperationalError("UPDATE human_tasks", {}, Exception("server closed"))

    monkeypatch.setattr(tasks, "set_if_unchanged", gone)
    answer = server.post(URL, tokens["agent"], json={"action": "claim", "ids": ids}).json()
    assert tried == ids[:task_bulk.GIVE_UP_AFTER]
    assert [(i["status"], i["code"]) for i in answer["items"]] == [
        (503, "task.bulk_item_failed")] * 5
