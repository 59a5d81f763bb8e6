"""Migration of running complaint cases from version 1 to version 2 over /api/v1/migrations.

One instance waits at each reachable user task of version 1; the plan proposes the mapping
(the rename found by the flow around it), flags the removed task that one instance waits at,
the dry run predicts every instance's outcome, and the batch (larger than the synchronous
limit, so it runs as due work) does exactly that: the one at the removed task is listed as
failed and the rest move, keeping their task rows, assignees and claims.
"""
from __future__ import annotations

from services import due_runner
from tests.complaint_paths import PATHS
from tests.integration.conftest import deploy
from tests.migration_bundles import complaint_v1, complaint_v2

# (path, completed steps): the instance then waits at that path's next user task
POSITIONS = [("F", n) for n in range(9)] + [("A", 2), ("D", 2), ("D", 3), ("E", 3)]
WHO = {"Agent": "agent", "Supervisor": "supervisor", "ComplaintGroup": "supervisor"}


def _open(server, tokens, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks?instance_id={instance_id}",
                      tokens["admin"]).json()["items"]


def _advance(server, tokens, letter: str, steps: int) -> int:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": "complaint_handling"})
    assert started.status_code == 201, started.text
    instance_id = started.json()["id"]
    for bpmn_id, lane, data in PATHS[letter]["steps"][:steps]:
        [task] = _open(server, tokens, instance_id)
        assert task["bpmn_id"] == bpmn_id
        user = tokens[WHO[lane]]
        assert server.post(f"/api/v1/tasks/{task['id']}/claim", user).status_code == 200
        done = server.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})
        assert done.status_code == 200, done.text
    return instance_id


def test_complaints_move_to_version_2_as_the_dry_run_predicts(server, tokens, fd) -> None:
    admin = tokens["admin"]
    assert deploy(server, admin, complaint_v1()).ok
    ids = {position: _advance(server, tokens, *position) for position in POSITIONS}
    waiting = {ids[p]: _open(server, tokens, ids[p])[0] for p in POSITIONS}
    claimed = waiting[ids[("F", 4)]]  # at confirm_satisfaction, claimed by the agent
    assert claimed["bpmn_id"] == "confirm_satisfaction"
    assert server.post(f"/api/v1/tasks/{claimed['id']}/claim", tokens["agent"]).ok
    v2 = deploy(server, admin, complaint_v2())
    assert v2.ok, v2.text
    body = {"process_key": "complaint_handling", "source_version": 1, "target_version": 2}

    planned = server.post("/api/v1/migrations/plan", admin, json=body)
    assert planned.status_code == 200, planned.text
    plan = planned.json()
    assert plan["mapping"]["confirm_satisfaction"] == "follow_up_satisfaction"
    assert plan["mapping"]["arrange_exchange"] is None
    assert plan["mapping"]["root_cause_note"] == "root_cause_note"
    assert {"code": "active_unmapped", "element": "arrange_exchange", "instances": 1,
            "severity": "error"} in plan["problems"]
    assert sorted(plan["instance_ids"]) == sorted(ids.values())
    assert "quality_review" in {e["id"] for e in plan["target_elements"]}

    dry = server.post("/api/v1/migrations/dry-run", admin, json=body)
    assert dry.status_code == 200, dry.text
    predicted = {r["instance_id"]: r for r in dry.json()["results"]}
    at_exchange = ids[("F", 3)]
    assert predicted[at_exchange]["status"] == "failed"
    assert predicted[at_exchange]["error"]["code"] == "migration.active_unmapped"
    assert "arrange_exchange" in predicted[at_exchange]["error"]["message"]
    # the dry run changed nothing
    assert _open(server, tokens, ids[("F", 4)])[0]["bpmn_id"] == "confirm_satisfaction"

    started = server.post("/api/v1/migrations", admin, json=body)
    assert started.status_code == 202, started.text
    batch = started.json()
    assert batch["status"] == "running" and batch["total"] == len(POSITIONS)
    while due_runner.run_due(fd):  # the ticker's work, run here until nothing is due
        pass
    batch = server.get(f"/api/v1/migrations/{batch['id']}", admin).json()
    assert (batch["status"], batch["succeeded"], batch["failed"]) == ("done", 12, 1)
    results = {item["instance_id"]: item for item in batch["items"]}
    for instance_id, item in results.items():  # the dry run predicted exactly this
        assert (item["status"], item["report"], item["error"]) == (
            predicted[instance_id]["status"], predicted[instance_id]["report"],
            predicted[instance_id]["error"])

    renamed = results[ids[("F", 4)]]["report"]
    assert renamed["moved"] == [{"from": "confirm_satisfaction", "to": "follow_up_satisfaction"}]
    assert renamed["kept"] == [{"task_id": claimed["id"], "from": "confirm_satisfaction",
                                "to": "follow_up_satisfaction", "assignee": "agent",
                                "state": "claimed"}]
    assert renamed["cancelled"] == [] and renamed["created"] == []
    [task] = _open(server, tokens, ids[("F", 4)])
    assert (task["id"], task["bpmn_id"], task["assignee"]) == (
        claimed["id"], "follow_up_satisfaction", "agent")

    # every other instance waits where it did, on version 2, with the same task row
    for position, instance_id in ids.items():
        if instance_id == at_exchange:
            continue
        [task] = _open(server, tokens, instance_id)
        assert task["id"] == waiting[instance_id]["id"]
    detail = server.get(f"/api/v1/instances/{at_exchange}", admin).json()
    assert detail["open_tasks"][0]["bpmn_id"] == "arrange_exchange"  # left on version 1

    # the instance at root_cause_note goes on to the task version 2 added
    at_root_cause = ids[("F", 8)]
    [task] = _open(server, tokens, at_root_cause)
    step = PATHS["F"]["steps"][8]
    assert server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["supervisor"],
                       json={"data": step[2]}).ok
    [review] = _open(server, tokens, at_root_cause)
    assert review["bpmn_id"] == "quality_review"
    assert server.post(f"/api/v1/tasks/{review['id']}/complete", tokens["supervisor"],
                       json={"data": {"review_ok": True}}).ok
    detail = server.get(f"/api/v1/instances/{at_root_cause}", admin).json()
    assert detail["status"] == "completed"
    migrated = [a for a in detail["audit"] if a["action"] == "instance.migrated"]
    assert len(migrated) == 1
    assert migrated[0]["after"]["mapping"]["confirm_satisfaction"] == "follow_up_satisfaction"


def test_a_plan_is_refused_for_the_same_version_and_for_unknown_targets(server, tokens) -> None:
    admin = tokens["admin"]
    assert deploy(server, admin, complaint_v1()).ok
    assert deploy(server, admin, complaint_v2()).ok
    same = server.post("/api/v1/migrations/plan", admin, json={
        "process_key": "complaint_handling", "source_version": 1, "target_version": 1})
    assert same.status_code == 422
    bad = server.post("/api/v1/migrations/dry-run", admin, json={
        "process_key": "complaint_handling", "source_version": 1, "target_version": 2,
        "mapping": {"arrange_exchange": "no_such_task"}})
    assert bad.status_code == 422, bad.text
    assert server.post("/api/v1/migrations/plan", tokens["agent"], json={
        "process_key": "complaint_handling", "source_version": 1,
        "target_version": 2}).status_code == 403
    assert server.get("/api/v1/migrations/999", admin).status_code == 404
