"""Scripts that misbehave at run time put the instance in error with an incident, over HTTP."""
from __future__ import annotations

import time

import pytest

from tests.c_level_payloads import PAYLOADS, WORDS
from tests.conftest import scripted_bundle
from tests.integration.conftest import claim_and_complete, deploy
from tests.waiting import DEADLINE


@pytest.mark.parametrize("script, words, lines", [
    ("a = 1\ndata = open('{marker}', 'w').write('pwned')", "open", {2}),
    ("a = 1\nwhile True:\n    a = a + 1", "time", {2, 3}),
    ("a = 1\nb = a / 0", "ZeroDivisionError", {2}),
])
def test_runtime_script_failures_become_incidents(server, tokens, tmp_path, script, words,
                                                   lines) -> None:
    marker = tmp_path / "pwned"
    assert deploy(server, tokens["designer"],
                  scripted_bundle(script.format(marker=marker))).status_code == 201
    response = server.post("/api/v1/instances", tokens["agent"],
                           json={"process_key": "scripted", "variables": {"keep": True}})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "error" and body["open_tasks"] == []
    incident = body["incidents"][0]
    assert incident["bpmn_id"] == "compute" and incident["line"] in lines
    assert words.lower() in incident["message"].lower()
    assert {k: v for k, v in body["variables"].items() if k not in ("case_no", "initiator")} \
        == {"keep": True}
    assert not marker.exists()
    listed = server.get("/api/v1/instances?status=error", tokens["agent"]).json()
    assert listed["total"] == 1


@pytest.mark.parametrize("script", [
    "x = __import__('os').system('id')",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "import os",
])
def test_forbidden_scripts_are_refused_at_deploy(server, tokens, script) -> None:
    response = deploy(server, tokens["designer"], scripted_bundle(script))
    assert response.status_code == 422
    assert response.json()["errors"][0]["element_id"] == "compute"


def test_admin_retries_an_incident_with_corrected_variables(server, tokens) -> None:
    from tests.conftest import RESOURCES, bundle
    deploy(server, tokens["admin"], bundle(RESOURCES / "parallel"))
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "parallel", "variables": {"refund": 100, "ratio": 0}}).json()
    for task in instance["open_tasks"]:
        server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"], json={"data": {}})
    url = f"/api/v1/instances/{instance['id']}"
    failed = server.get(url, tokens["agent"]).json()
    assert failed["status"] == "error"
    assert failed["incidents"][0]["bpmn_id"] == "total"
    assert "ZeroDivisionError" in failed["incidents"][0]["message"]
    assert server.post(url + "/retry", tokens["agent"], json={}).status_code == 403
    fixed = server.post(url + "/retry", tokens["admin"], json={"variables": {"ratio": 2}})
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["status"] == "completed" and body["variables"]["total"] == 50
    assert body["incidents"][0]["resolved_at"] is not None
    assert body["audit"][-1]["action"] == "instance.retried"
    assert server.post(url + "/retry", tokens["admin"], json={}).status_code == 409


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_c_level_payloads_become_incidents_quickly(server, tokens, name) -> None:
    assert deploy(server, tokens["designer"], scripted_bundle(PAYLOADS[name])).status_code == 201
    started = time.monotonic()
    response = server.post("/api/v1/instances", tokens["agent"],
                           json={"process_key": "scripted", "variables": {"keep": True}})
    took = time.monotonic() - started
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "error" and body["incidents"][0]["bpmn_id"] == "compute"
    assert any(word in body["incidents"][0]["message"] for word in WORDS)
    assert "r" not in body["variables"] and body["variables"]["keep"] is True
    assert took < DEADLINE / 4, took  # unguarded these took 10 s and more; measured in bench/


def test_a_process_that_calls_itself_is_refused_at_deploy(server, tokens) -> None:
    from tests.unit.test_step_budget import SELF_CALL
    response = deploy(server, tokens["designer"], SELF_CALL)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["element_id"] == "call_selfcall" and error["line"] and \
        "调用了它自己" in error["message"]  # said in Chinese by default


def test_retry_after_a_failed_post_script_runs_it_again_and_goes_on(server, tokens) -> None:
    """The user task's form was done; its post-script failed. Retrying with the correction
    runs the post-script again and moves on (it was a 500 on the task's unique guid)."""
    from tests.conftest import RESOURCES, bundle
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "post_script")).status_code == 201
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "post_script", "variables": {"refund": 100, "ratio": 0}}).json()
    review = instance["open_tasks"][0]
    claim_and_complete(server, tokens["agent"], review["id"], {})
    url = f"/api/v1/instances/{instance['id']}"
    failed = server.get(url, tokens["agent"]).json()
    assert failed["status"] == "error" and failed["incidents"][0]["bpmn_id"] == "review"
    fixed = server.post(url + "/retry", tokens["admin"], json={"variables": {"ratio": 2}})
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["status"] == "running" and body["variables"]["total"] == 50
    assert [t["bpmn_id"] for t in body["open_tasks"]] == ["close"]
    claim_and_complete(server, tokens["agent"], body["open_tasks"][0]["id"], {})
    assert server.get(url, tokens["agent"]).json()["status"] == "completed"
