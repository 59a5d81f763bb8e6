"""Editing SLA policies through the admin API: PATCH, whole PUTs, typed durations, and the
what-if preview of a change on running clocks (nothing written until the admin saves)."""
from __future__ import annotations

from tests.integration import test_sla_api
from tests.integration.test_sla_api import OFFICE, POLICY, at, local, task

armed = test_sla_api.armed  # the same fixture: office calendar, policy, a case from Monday 10:00

URL = "/api/v1/admin/sla-policies/step_one_4h"


def test_put_replacing_a_policy_needs_every_field(server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    partial = {k: v for k, v in POLICY.items() if k not in ("warning", "escalations")}
    r = server.call("PUT", URL, admin, json=partial)
    assert r.status_code == 422, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert {e["field"] for e in r.json()["errors"]} == {"warning", "escalations"}
    stored = server.get(URL, admin).json()["config"]
    assert stored["warning"] == {"percent": 75} and len(stored["escalations"]) == 2
    # a whole policy with null and [] clears them on purpose
    r = server.call("PUT", URL, admin, json={**POLICY, "warning": None, "escalations": []})
    assert r.ok, r.text
    assert (r.json()["config"]["warning"], r.json()["config"]["escalations"]) == (None, [])


def test_patch_changes_some_fields_and_keeps_the_rest(server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    levels = POLICY["escalations"] + [
        {"after": "2 个工作日", "actions": [{"type": "notify", "to": "Supervisor"}]}]
    r = server.call("PATCH", URL, admin, json={"duration": "1 个工作日", "escalations": levels})
    assert r.ok, r.text
    config = r.json()["config"]
    assert config["duration"] == "PT8H"  # the office's working day: 09-12 and 13-18
    assert config["escalations"][2]["after"] == "PT16H"
    assert config["warning"] == {"percent": 75} and config["pause_when"] == ["waiting_customer"]
    assert r.json()["version"] == 2
    shown = r.json()["shown"]
    assert shown["zh"]["duration"] == "1 个工作日"
    assert shown["zh"]["escalations"] == ["0 分钟", "1 小时", "2 个工作日"]
    assert shown["en"]["escalations"][2] == "2 business days"
    listed = server.get("/api/v1/admin/sla-policies", admin).json()
    assert listed[0]["shown"]["zh"]["duration"] == "1 个工作日"
    audit = server.get("/api/v1/admin/sla-policies", admin)
    assert audit.ok

    r = server.call("PATCH", URL, admin, json={"duration": "soon", "warning": {"before": "4 weeks"}})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"duration", "warning.before"}
    r = server.call("PATCH", "/api/v1/admin/sla-policies/nothing", admin, json={"duration": "PT1H"})
    assert r.status_code == 404


def test_what_if_counts_moves_and_lists_tasks_at_risk_or_breached(server, tokens, clock,  # type: ignore[no-untyped-def]
                                                                  armed) -> None:
    admin, task_id = tokens["admin"], armed
    case_no = server.get(f"/api/v1/instances/{task(server, tokens, task_id)['instance_id']}",
                         admin).json()["case_no"]
    clock.set(at(12, 30))  # lunch: 2 h of office time spent, due 15:00, warning at 14:00
    preview = f"{URL}/preview"

    r = server.post(preview, admin, json={"duration": "2 小时"})
    assert r.ok, r.text
    out = r.json()
    assert (out["clocks_changed"], out["clocks_moved"], out["earlier"], out["later"]) == (1, 1, 1, 0)
    assert out["largest_earlier_seconds"] == 3 * 3600  # due 15:00 → 12:00
    assert (out["breached"], out["at_risk"]) == (1, 0)
    [row] = out["tasks"]
    assert (row["case_no"], row["task_id"], row["sla_state_before"], row["sla_state"]) == (
        case_no, task_id, "ok", "breached")

    r = server.post(preview, admin, json={"duration": "150 分钟"})  # warning at 112.5 min
    assert (r.json()["at_risk"], r.json()["breached"]) == (1, 0)
    assert local(r.json()["tasks"][0]["due_at"]) == at(13, 30)

    r = server.post(preview, admin, json={"duration": "5 小时"})
    assert (r.json()["later"], r.json()["largest_later_seconds"], r.json()["tasks"]) == (1, 3600, [])

    # nothing was written: the task keeps its due time, the policy its version
    assert local(task(server, tokens, task_id)["due_at"]) == at(15)
    assert server.get(URL, admin).json()["version"] == 1

    # saving does what the preview said
    r = server.call("PATCH", URL, admin, json={"duration": "150 分钟", "apply_to": "running"})
    assert r.json()["clocks_recomputed"] == 1
    after = task(server, tokens, task_id)
    assert (after["sla_state"], local(after["due_at"])) == ("at_risk", at(13, 30))

    r = server.post(preview, admin, json={"duration": "PT0S"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "duration"


def test_what_if_of_a_calendar_change(server, tokens, clock, armed) -> None:  # type: ignore[no-untyped-def]
    admin, task_id = tokens["admin"], armed
    clock.set(at(10, 30))
    shorter = {**OFFICE, "windows": {d: [["09:00", "11:00"], ["14:00", "15:00"]]
                                     for d in ("mon", "tue", "wed", "thu", "fri")}}
    r = server.post("/api/v1/admin/calendars/office/preview", admin, json=shorter)
    assert r.ok, r.text
    out = r.json()
    # 3.5 h left at 10:30: 10:30-11:00, 14:00-15:00 today, then 2 h on Tuesday: due 11:00
    assert (out["clocks_changed"], out["later"]) == (1, 1)
    assert out["largest_later_seconds"] == int((at(11, day=3) - at(15)).total_seconds())
    assert local(task(server, tokens, task_id)["due_at"]) == at(15)
    bad = server.post("/api/v1/admin/calendars/office/preview", admin,
                      json={**OFFICE, "windows": {"mon": [["9", "18"]]}})
    assert bad.status_code == 422


def test_a_task_target_is_shown_by_the_task_s_name(server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    listed = server.get("/api/v1/admin/sla-policies", admin).json()
    [policy] = [p for p in listed if p["name"] == "step_one_4h"]
    assert policy["config"]["target_ref"] == "step_one" and policy["target_name"] == "Step one"
    one = server.get("/api/v1/admin/sla-policies/step_one_4h", admin).json()
    assert one["target_name"] == "Step one"


def test_a_calendar_has_a_title_people_read(server, tokens) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_sla_api import OFFICE
    admin = tokens["admin"]
    saved = server.call("PUT", "/api/v1/admin/calendars/cs_office", admin,
                        json={**OFFICE, "title": "客服中心工作时间"})
    assert saved.ok, saved.text
    assert server.get("/api/v1/admin/calendars/cs_office", admin).json()["config"]["title"] == \
        "客服中心工作时间"
    refused = server.call("PUT", "/api/v1/admin/calendars/cs_office", admin,
                          json={**OFFICE, "title": "长" * 101})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["title"]
    assert "100" in refused.json()["errors"][0]["message"]
