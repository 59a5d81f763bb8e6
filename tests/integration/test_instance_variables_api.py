"""PATCH /api/v1/instances/{id}/variables: an admin sets variables of a running instance, as
an engine step (conditional events see the change; the state is saved under the optimistic
lock) with the keys changed audited before and after; refused with what and where."""
from __future__ import annotations

from tests.conformance import CONDITIONS, CONFORMANCE
from tests.conftest import bundle
from tests.integration.conftest import claim_and_complete, deploy


def _patch(server, token, instance_id, body, **kw):  # type: ignore[no-untyped-def]
    body = {"reason": "correction", **body}
    return server.call("PATCH", f"/api/v1/instances/{instance_id}/variables", token, json=body,
                       **kw)


def _start(server, tokens, folder, variables):  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(folder)).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"],
                          json={"process_key": folder.name, "variables": variables})
    assert started.status_code == 201, started.text
    return started.json()


def test_a_variables_update_fires_a_waiting_condition_and_is_audited(server, tokens) -> None:
    instance = _start(server, tokens, CONFORMANCE / "conditional", {**CONDITIONS, "note": "x"})
    claim_and_complete(server, tokens["agent"], instance["open_tasks"][0]["id"], {})
    answer = _patch(server, tokens["admin"], instance["id"],
                    {"variables": {"paid": True, "note": "x", "carrier": "SF"}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sorted(t["bpmn_id"] for t in body["open_tasks"]) == ["ship", "take_payment"]
    assert {k: body["variables"][k] for k in ("paid", "note", "carrier")} == {
        "paid": True, "note": "x", "carrier": "SF"}
    assert body["version"] == instance["version"] + 2  # the completed task, then the update
    [entry] = [a for a in body["audit"] if a["action"] == "instance.variables_updated"]
    assert entry["actor"] == "admin"
    assert entry["before"] == {"paid": False, "carrier": None}  # 'note' did not change
    assert entry["after"] == {"paid": True, "carrier": "SF", "status": "running",
                              "reason": "correction"}


def test_refusals_say_what_and_where(server, tokens) -> None:
    instance = _start(server, tokens, CONFORMANCE / "task_kinds", {"customer_name": "王芳"})
    not_admin = _patch(server, tokens["agent"], instance["id"], {"variables": {"x": 1}})
    assert not_admin.status_code == 403
    for body in ({"variables": [1, 2]}, {"variables": "paid"}, {}):
        wrong = _patch(server, tokens["admin"], instance["id"], body)
        assert wrong.status_code == 422, body
        assert [(e["field"], e["location"]) for e in wrong.json()["errors"]] == [
            ("variables", "json")]
    assert _patch(server, tokens["admin"], 999, {"variables": {}}).status_code == 404
    broken = _start(server, tokens, CONFORMANCE / "data_objects", {})  # amount is missing
    assert broken["status"] == "error"
    in_error = _patch(server, tokens["admin"], broken["id"], {"variables": {"amount": 1}},
                      headers={"Accept-Language": "en"})
    assert in_error.status_code == 409 and "retry" in in_error.json()["detail"]
    claim_and_complete(server, tokens["agent"], instance["open_tasks"][0]["id"], {})
    ended = _patch(server, tokens["admin"], instance["id"], {"variables": {"x": 1}},
                   headers={"Accept-Language": "en"})
    assert ended.status_code == 409 and "completed" in ended.json()["detail"]
    detail = server.get(f"/api/v1/instances/{instance['id']}", tokens["agent"]).json()
    assert "x" not in detail["variables"]
    assert "instance.variables_updated" not in [a["action"] for a in detail["audit"]]
