"""GET /api/v1/admin/incidents: the admin's list of incidents with their cases, paged."""
from __future__ import annotations

from tests.conftest import RESOURCES, bundle, scripted_bundle
from tests.integration.conftest import deploy


def _failed_parallel(server, tokens) -> int:  # type: ignore[no-untyped-def]
    """A case stopped in error by a division by zero that a retry with ratio 2 mends."""
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "parallel", "variables": {"refund": 100, "ratio": 0}}).json()
    for task in instance["open_tasks"]:
        server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"], json={"data": {}})
    return instance["id"]


def test_open_incidents_newest_first_with_their_cases_and_pages(server, tokens) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], scripted_bundle("a = 1\nb = a / 0")).status_code == 201
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "parallel")).status_code == 201
    scripted = [server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "scripted", "business_key": f"S-{n}"}).json()["id"] for n in range(3)]
    mended = _failed_parallel(server, tokens)

    assert server.get("/api/v1/admin/incidents", tokens["agent"]).status_code == 403
    listed = server.get("/api/v1/admin/incidents", tokens["admin"]).json()
    assert listed["total"] == 4
    assert [i["instance_id"] for i in listed["items"]] == [mended, *reversed(scripted)]
    first = listed["items"][1]
    assert first["business_key"] == "S-2" and first["process_key"] == "scripted"
    assert first["instance_status"] == "error" and first["case_no"]
    assert first["bpmn_id"] == "compute" and first["line"] == 2
    assert "ZeroDivisionError" in first["message"] and first["resolved_at"] is None

    second_page = server.get("/api/v1/admin/incidents?per_page=3&page=2", tokens["admin"]).json()
    assert second_page == {"items": [listed["items"][3]], "total": 4, "total_capped": False,
                           "next_cursor": None}
    beyond = server.get("/api/v1/admin/incidents?per_page=3&page=9", tokens["admin"]).json()
    assert beyond == {"items": [], "total": 4, "total_capped": False, "next_cursor": None}
    only = server.get(f"/api/v1/admin/incidents?instance_id={scripted[0]}",
                      tokens["admin"]).json()
    assert [i["instance_id"] for i in only["items"]] == [scripted[0]] and only["total"] == 1
    by_process = server.get("/api/v1/admin/incidents?process_key=parallel", tokens["admin"])
    assert [i["instance_id"] for i in by_process.json()["items"]] == [mended]

    retried = server.post(f"/api/v1/instances/{mended}/retry", tokens["admin"],
                          json={"variables": {"ratio": 2}})
    assert retried.status_code == 200 and retried.json()["status"] == "completed"
    still_open = server.get("/api/v1/admin/incidents", tokens["admin"]).json()
    assert [i["instance_id"] for i in still_open["items"]] == list(reversed(scripted))
    resolved = server.get("/api/v1/admin/incidents?state=resolved", tokens["admin"]).json()
    assert [i["instance_id"] for i in resolved["items"]] == [mended]
    assert resolved["items"][0]["resolved_at"] is not None
    assert resolved["items"][0]["instance_status"] == "completed"
    assert server.get("/api/v1/admin/incidents?state=all", tokens["admin"]).json()["total"] == 4


def test_bad_incident_queries_are_422s(server, tokens) -> None:  # type: ignore[no-untyped-def]
    for query in ("state=closed", "per_page=0", "page=0", "instance_id=x"):
        response = server.get(f"/api/v1/admin/incidents?{query}", tokens["admin"])
        assert response.status_code == 422, (query, response.text)
        assert response.json()["errors"][0]["location"] == "query"


def test_a_retry_after_a_failed_branch_keeps_the_other_branchs_task(server, tokens) -> None:  # type: ignore[no-untyped-def]
    """A script fails on one branch while the other branch's task is open: the task stays
    (not completable while the instance is in error), and the retry goes on with it."""
    agent, admin = tokens["agent"], tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "branch_error")).status_code == 201
    started = server.post("/api/v1/instances", agent, json={
        "process_key": "branch_error", "variables": {"ratio": 0}}).json()
    tasks = {t["bpmn_id"]: t["id"] for t in started["open_tasks"]}
    assert server.post(f"/api/v1/tasks/{tasks['prepare']}/claim", agent).ok
    failed = server.post(f"/api/v1/tasks/{tasks['prepare']}/complete", agent, json={"data": {}})
    assert failed.status_code == 200 and failed.json()["instance_status"] == "error"
    check = server.get(f"/api/v1/tasks/{tasks['check']}", agent).json()
    assert check["state"] == "open"
    assert server.post(f"/api/v1/tasks/{tasks['check']}/claim", agent).ok
    refused = server.post(f"/api/v1/tasks/{tasks['check']}/complete", agent, json={"data": {}})
    assert refused.status_code == 409
    retried = server.post(f"/api/v1/instances/{started['id']}/retry", admin,
                          json={"variables": {"ratio": 4}})
    assert retried.status_code == 200, retried.text
    assert [t["id"] for t in retried.json()["open_tasks"]] == [tasks["check"]]
    done = server.post(f"/api/v1/tasks/{tasks['check']}/complete", agent, json={"data": {}})
    assert done.status_code == 200 and done.json()["instance_status"] == "completed"
