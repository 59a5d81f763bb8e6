"""The inbox and complete paths kept cheap for throughput must still answer exactly: group
visibility bound slot by slot, the other open tasks read together with the completed one."""
from __future__ import annotations

from services.identity import create_token, ensure_user
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


def test_group_visibility_for_any_number_of_groups(server, tokens, fd) -> None:
    """Users with 0, 1, 3 and 5 groups (padded to 1, 1, 4, 8 slots) see their groups' tasks
    only, and tasks assigned to them whatever their groups."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    for n in range(2):
        assert server.post("/api/v1/instances", tokens["agent"], json={
            "process_key": "three_steps", "business_key": f"G-{n}"}).status_code == 201
    people = {"none": [], "three": ["A", "B", "Agent"], "five": ["A", "B", "C", "D", "E"],
              "five_agent": ["A", "B", "C", "D", "Agent"]}
    seen = {}
    for name, groups in people.items():
        ensure_user(fd, name, ["staff"], groups)
        seen[name] = server.get("/api/v1/tasks", create_token(fd, name)).json()["total"]
    assert seen == {"none": 0, "three": 2, "five": 0, "five_agent": 2}
    assert server.get("/api/v1/tasks", tokens["agent"]).json()["total"] == 2
    task = server.get("/api/v1/tasks?business_key=G-0", tokens["agent"]).json()["items"][0]
    assigned = server.post(f"/api/v1/tasks/{task['id']}/assign", tokens["supervisor"],
                           json={"user": "five"})
    assert assigned.status_code == 200, assigned.text
    mine = server.get("/api/v1/tasks", create_token(fd, "five")).json()
    assert [t["id"] for t in mine["items"]] == [task["id"]] and mine["total"] == 1


def test_completing_one_branch_leaves_the_other_open(server, tokens) -> None:
    """The sibling task read with the completed one is neither cancelled nor duplicated."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "parallel")).status_code == 201
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "parallel", "variables": {"refund": 100, "ratio": 4}}).json()
    first, second = (t["id"] for t in instance["open_tasks"])
    done = server.post(f"/api/v1/tasks/{first}/complete", tokens["agent"],
                       json={"data": {"ok_a": True}})
    assert done.status_code == 200, done.text
    assert done.json()["next_task_ids"] == [] and done.json()["instance_status"] == "running"
    open_now = server.get(f"/api/v1/tasks?instance_id={instance['id']}", tokens["agent"]).json()
    assert [t["id"] for t in open_now["items"]] == [second]
    assert open_now["items"][0]["state"] == "open"
    again = server.post(f"/api/v1/tasks/{first}/complete", tokens["agent"], json={"data": {}})
    assert again.status_code == 409
    last = server.post(f"/api/v1/tasks/{second}/complete", tokens["agent"],
                       json={"data": {"ok_b": True}})
    assert last.status_code == 200 and last.json()["instance_status"] == "completed"
    detail = server.get(f"/api/v1/instances/{instance['id']}", tokens["agent"]).json()
    assert detail["open_tasks"] == []
    actions = [a["action"] for a in detail["audit"]]
    assert actions.count("task.completed") == 2 and "task.cancelled" not in actions
