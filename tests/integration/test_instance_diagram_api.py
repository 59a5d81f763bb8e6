"""GET /api/v1/instances/{id}/diagram: the XML of the instance's process and where it stands.

Readable by whoever may read the instance itself (every signed-in user, like
GET /api/v1/instances/{id}); 401 without a token, 404 for an unknown instance."""
from __future__ import annotations

from tests.conftest import PROCESSES, RESOURCES, bundle
from tests.integration.conftest import deploy


def _diagram(server, token, instance_id):  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/instances/{instance_id}/diagram", token)


def test_the_diagram_marks_the_open_task_and_what_is_done(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling"))
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling", "business_key": "TB-DIAGRAM-1"}).json()
    # staff in no group: not their case; the agent's group works its open task's lane
    assert _diagram(server, tokens["outsider"], instance["id"]).status_code == 403
    response = _diagram(server, tokens["agent2"], instance["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    definition = server.get("/api/v1/definitions?key=complaint_handling",
                            tokens["admin"]).json()[0]
    assert body["definition_id"] == instance["definition_id"] == definition["id"]
    assert (body["key"], body["version"], body["process_id"]) == (
        "complaint_handling", 1, "complaint_handling")
    assert body["bpmn_xml"].startswith("<?xml") and 'id="register_complaint"' in body["bpmn_xml"]
    assert "BPMNDiagram" in body["bpmn_xml"]  # drawable
    assert body["active"] == ["register_complaint"]
    assert "complaint_received" in body["completed"]
    assert "register_complaint" not in body["completed"]

    task_id = instance["open_tasks"][0]["id"]
    server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"])
    done = server.post(f"/api/v1/tasks/{task_id}/complete", tokens["agent"], json={"data": {
        "customer_name": "李伟", "contact": "13800001111", "channel": "hotline",
        "complaint_class": "product", "complaint_subclass": "quality", "severity": "minor",
        "description": "漏水"}})
    assert done.status_code == 200, done.text
    after = _diagram(server, tokens["agent"], instance["id"]).json()
    assert after["active"] == ["check_acceptance"]
    assert {"complaint_received", "register_complaint"} <= set(after["completed"])


def test_an_instance_in_error_shows_the_failed_task_as_active(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "parallel"))
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "parallel", "variables": {"refund": 100, "ratio": 0}}).json()
    first = _diagram(server, tokens["agent"], instance["id"]).json()
    assert first["active"] == ["check_finance", "check_logistics"]
    for task in instance["open_tasks"]:
        server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"], json={"data": {}})
    body = _diagram(server, tokens["agent"], instance["id"]).json()
    assert body["status"] == "error"
    assert body["active"] == ["total"]
    assert {"check_finance", "check_logistics", "fork", "join"} <= set(body["completed"])


def test_sign_in_is_needed_and_unknown_instances_are_404(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    instance = server.post("/api/v1/instances", tokens["agent"],
                           json={"process_key": "three_steps"}).json()
    unauthenticated = _diagram(server, None, instance["id"])
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["status"] == 401  # problem details
    missing = _diagram(server, tokens["agent"], 9999)
    assert missing.status_code == 404 and "9999" in missing.json()["detail"]
    assert _diagram(server, tokens["designer"], instance["id"]).status_code == 403
    assert _diagram(server, tokens["supervisor"], instance["id"]).status_code == 200
