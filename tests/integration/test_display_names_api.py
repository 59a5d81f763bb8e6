"""Tasks carry the names people read beside their keys: ``process_name`` (the latest version's
name) and ``candidate_group_name`` (the group's display name), in the task list, one task, a
case's open tasks and the case page; an admin's rename and a new version show at once; the
backlog report names its groups too. (The task list's statement count: test_statement_budget.)"""
from __future__ import annotations

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


def _names(task: dict) -> tuple[str, str]:
    return task["process_name"], task["candidate_group_name"]


def test_tasks_show_process_and_group_names_and_follow_renames(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin, agent = tokens["admin"], tokens["agent"]
    files = bundle(RESOURCES / "three_steps")
    assert deploy(server, admin, files).status_code == 201
    started = server.post("/api/v1/instances", agent, json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text
    instance_id, task_id = started.json()["id"], started.json()["open_tasks"][0]["id"]

    def seen() -> list[tuple[str, str]]:
        listed = server.get(f"/api/v1/tasks?instance_id={instance_id}", agent)
        assert listed.status_code == 200, listed.text
        [task] = [t for t in listed.json()["items"] if t["id"] == task_id]
        one = server.get(f"/api/v1/tasks/{task_id}", agent).json()
        [open_task] = server.get(f"/api/v1/instances/{instance_id}", agent).json()["open_tasks"]
        [on_page] = server.get(f"/api/v1/cases/{instance_id}", agent).json()["open_tasks"]
        assert task["candidate_group"] == "Agent"  # the key stays what models and filters use
        return [_names(task), _names(one), _names(open_task), _names(on_page)]

    assert seen() == [("Three steps", "前台客服")] * 4

    renamed = server.call("PATCH", "/api/v1/admin/groups/Agent", admin,
                          json={"display_name": "一线客服"})
    assert renamed.status_code == 200, renamed.text
    newer = {**files, next(n for n in files if n.endswith(".bpmn")): next(
        v for n, v in files.items() if n.endswith(".bpmn")).replace(
            b'name="Three steps"', 'name="三步流程"'.encode())}
    assert deploy(server, admin, newer).status_code == 201
    assert seen() == [("三步流程", "一线客服")] * 4  # the latest version's name, the new name

    cleared = server.call("PATCH", "/api/v1/admin/groups/Agent", admin,
                          json={"display_name": None})
    assert cleared.status_code == 200, cleared.text
    assert seen() == [("三步流程", "Agent")] * 4  # no display name: the group's name

    backlog = server.get("/api/v1/reports/backlog", tokens["supervisor"]).json()["items"]
    assert [(r["group"], r["group_name"]) for r in backlog] == [("Agent", "Agent")]
