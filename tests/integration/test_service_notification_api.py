"""Service notification (SM01 客户服务类型确认, Z1/Z2) end to end over the REST API.

Every path of tests/service_notification_paths.py runs on SQLite and PostgreSQL with users in the
five lanes; the quote-confirmation timer is fired by moving the injected clock and running the
scheduler. The user status follows the process's user_status.json: illegal changes are 409s,
KCWB is stored as KCJS.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from engine.clock import FakeClock
from services.due_runner import run_due
from services.identity import create_token, ensure_user
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import claim_and_complete, deploy, end_events
from tests.service_notification_paths import (CHECKED, ILLEGAL, PATHS, REJECTED, REPLY_SALES, TE,
                                              TIMER, Z2_TO_LOGISTICS, create_z1, create_z2, plan,
                                              survey)

FOLDER = PROCESSES / "service-notification"
SHANGHAI = timezone(timedelta(hours=8))
PRIORITY = {"normal": 50, "urgent": 100}
PEOPLE = {"zhaoli": "ServiceAssistant", "wangmin": "Technician", "liqiang": "Technician",
          "zhangjing": "Supervisor", "huadong": "RegionalLogistics", "zongbu": "HQ"}
LANE_USER = {"ServiceAssistant": "zhaoli", "Supervisor": "zhangjing",
             "RegionalLogistics": "huadong", "HQ": "zongbu"}


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(SHANGHAI)


@pytest.fixture
def people(server, tokens, fd) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The process deployed; one token per user of the five lanes (plus the outsider)."""
    assert deploy(server, tokens["admin"], bundle(FOLDER)).status_code == 201
    out = {"outsider": tokens["outsider"], "admin": tokens["admin"]}
    for name, group in PEOPLE.items():
        ensure_user(fd, name, ["staff"], [group])
        out[name] = create_token(fd, name)
    return out


def start(server, token: str, business_key: str, **more: object) -> dict:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", token, json={
        "process_key": "service_notification", "business_key": business_key, **more})
    assert started.status_code == 201, started.text
    return started.json()


def open_tasks(server, people, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks?instance_id={instance_id}", people["admin"]).json()["items"]


def pending_timers(server, people, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/admin/timers?instance_id={instance_id}&kind=timer",
                      people["admin"]).json()["items"]


def variables(server, people, instance_id: int) -> dict:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/instances/{instance_id}", people["admin"]).json()["variables"]


def fire_quote_timer(server, people, fd, clock: FakeClock, instance_id: int, due: str) -> None:  # type: ignore[no-untyped-def]
    """The customer's confirmation is due at the end of the quote's last valid day: nothing
    fires a minute early, the timer fires a second late and withdraws the confirmation task."""
    [timer] = pending_timers(server, people, instance_id)
    assert "报价有效期已过" in timer["label"]
    assert local(timer["due_at"]) == local(due)
    [confirmation] = open_tasks(server, people, instance_id)
    assert confirmation["bpmn_id"] == "confirm_quote"
    clock.set(local(due) - timedelta(minutes=1))
    assert run_due(fd) == 0
    clock.set(local(due) + timedelta(seconds=1))
    assert run_due(fd) == 1
    gone = server.get(f"/api/v1/tasks/{confirmation['id']}", people["admin"]).json()
    assert gone["state"] == "cancelled"
    assert variables(server, people, instance_id)["system_status"] == "postponed"  # 延期


def try_rejected(server, people, token: str, task: dict, instance_id: int) -> int:  # type: ignore[no-untyped-def]
    """The 422s and 409s listed for this task; the task stays open and the status unchanged."""
    before = variables(server, people, instance_id).get("user_status")
    tried = 0
    for bpmn_id, payload, field, why in REJECTED:
        if bpmn_id != task["bpmn_id"]:
            continue
        r = server.post(f"/api/v1/tasks/{task['id']}/complete", token, json={"data": payload})
        assert r.status_code == 422, (why, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (why, r.json())
        tried += 1
    for bpmn_id, status, why in ILLEGAL:
        if bpmn_id != task["bpmn_id"]:
            continue
        data = {**task["_data"], "user_status": status}
        r = server.post(f"/api/v1/tasks/{task['id']}/complete", token, json={"data": data})
        assert r.status_code == 409, (why, r.text)
        body = r.json()
        assert body["errors"][0]["field"] == "user_status"
        assert f"to {status}" in body["errors"][0]["message"] and "next allowed" in body["errors"][0]["message"]
        tried += 1
    assert [t["id"] for t in open_tasks(server, people, instance_id)] == [task["id"]]
    assert variables(server, people, instance_id).get("user_status") == before
    return tried


@pytest.mark.parametrize("key", sorted(PATHS))
def test_service_notification_path(server, fd, clock, people, key: str) -> None:  # type: ignore[no-untyped-def]
    path = PATHS[key]
    clock.set(local(path["start"]))
    instance = start(server, people["zhaoli"], f"SN-{key}")
    instance_id = instance["id"]
    actors, fired, rejected_tries = [], 0, 0
    for bpmn_id, lane, data in path["steps"]:
        if lane == TIMER:
            fire_quote_timer(server, people, fd, clock, instance_id, path["quote_due"])
            fired += 1
            continue
        tasks = open_tasks(server, people, instance_id)
        assert [(t["bpmn_id"], t["candidate_group"]) for t in tasks] == [(bpmn_id, lane)], key
        task = tasks[0]
        if lane == TE:  # assigned from the data: the person responsible or the planned technician
            assert task["assignee"] == path["technician"] and task["state"] == "claimed"
            user = path["technician"]
        else:
            assert task["assignee"] is None
            user = LANE_USER[lane]
        if bpmn_id != "create_notification":
            assert task["priority"] == PRIORITY[path["priority"]]
        if bpmn_id == "create_notification":
            forbidden = server.post(f"/api/v1/tasks/{task['id']}/complete", people["outsider"],
                                    json={"data": data})
            assert forbidden.status_code == 403
        if bpmn_id == "confirm_quote":
            assert len(pending_timers(server, people, instance_id)) == 1
        if key in CHECKED:
            rejected_tries += try_rejected(server, people, people[user], {**task, "_data": data},
                                           instance_id)
        claim_and_complete(server, people[user], task["id"], data)
        actors.append((bpmn_id, user))
        if bpmn_id == "confirm_quote":
            assert pending_timers(server, people, instance_id) == []  # answered: timer withdrawn

    detail = server.get(f"/api/v1/instances/{instance_id}", people["zhaoli"]).json()
    assert detail["status"] == "completed" and detail["open_tasks"] == []
    v = detail["variables"]
    assert re.fullmatch(r"TZ\d{8}\d{4}", v["notification_no"]) and v["notification_no"] == instance["case_no"]
    assert v["notification_no"].startswith("TZ20260302")
    assert (v["user_status"], v["system_status"], v["close_reason"], v["chargeable"], v["quote_status"],
            v["priority"]) == (path["user_status"], path["system_status"], path["close_reason"],
                               path["chargeable"], path["quote_status"], path["priority"])
    assert [(h["status"], h["task"]) for h in v["user_status_history"]] == path["history"]
    assert all(local(h["at"]) >= local(path["start"]) for h in v["user_status_history"])
    # the work plan's keys: responsibility centre and the type's planned dates
    create_data = path["steps"][0][2]
    assert v["responsibility_centre"] == "4002"
    if create_data["notification_type"] == "Z1":
        assert (v["planned_start"], v["planned_end"]) == ("2026-03-07", "2026-03-08")
        assert v["technician"] == path["technician"]
        assert v["planned_visit_date"] == ("2026-03-02" if create_data["urgent"] else "2026-03-05")
    else:
        assert (v["planned_start"], v["planned_end"]) == ("2026-03-07", "2026-03-14")
        assert v["request_kind"] == "delivery_exception" and v["technician"] == ""
        assert len(v["items"]) == 2 and v["items"][1]["oem_vendor"] == "华美家具(OEM)"
    # the audit trail: who completed which task, the timer, the withdrawn confirmation
    audit = detail["audit"]
    completions = [(a["actor"], a["after"]["data"]) for a in audit if a["action"] == "task.completed"]
    assert [actor for actor, _ in completions] == [user for _, user in actors]
    assert [data for _, data in completions] == [d for _, lane, d in path["steps"] if lane != TIMER]
    timer_entries = [a for a in audit if a["action"] == "timer.fired"]
    assert len(timer_entries) == fired
    if fired:
        assert "报价有效期已过" in timer_entries[0]["after"]["timer"]
        assert local(timer_entries[0]["after"]["due_at"]) == local(path["quote_due"])
        assert sum(1 for a in audit if a["action"] == "task.cancelled") == 1
    assert end_events(fd, instance_id) == [path["end"]]
    if key in CHECKED:
        assert rejected_tries >= 5
    clock.set(clock.now() + timedelta(days=40))
    assert run_due(fd) == 0  # nothing left armed


def test_kcwb_is_stored_as_kcjs(server, fd, clock, people) -> None:  # type: ignore[no-untyped-def]
    """§9: 勘察结束 is KCWB in the flow notes and KCJS in the field table; both are accepted and
    the case keeps KCJS, after which the Z1 order goes on from KCJS."""
    clock.set(local("2026-03-02T09:00:00+08:00"))
    instance_id = start(server, people["zhaoli"], "SN-KCWB")["id"]
    [task] = open_tasks(server, people, instance_id)
    claim_and_complete(server, people["zhaoli"], task["id"], create_z1(True)[2])
    [task] = open_tasks(server, people, instance_id)
    claim_and_complete(server, people["wangmin"], task["id"], survey("hq_quote", "KCWB", service_form_no="FS-1")[2])
    v = variables(server, people, instance_id)
    assert v["user_status"] == "KCJS"
    assert [h["status"] for h in v["user_status_history"]] == ["TZJL", "KCJS"]
    report = server.get("/api/v1/reports/open-cases?group_by=user_status&process_key=service_notification",
                        people["admin"]).json()["items"]
    assert report == [{"user_status": "KCJS", "open_cases": 1}]


def test_open_notifications_by_user_status_and_numbers(server, fd, clock, people) -> None:  # type: ignore[no-untyped-def]
    """IW59-style list: open notifications counted by user status; numbers are TZ + day + seq;
    a notification can refer to an earlier one (参照通知单)."""
    clock.set(local("2026-03-02T09:00:00+08:00"))
    assistant = people["zhaoli"]
    first = start(server, assistant, "SN-R1")
    second = start(server, assistant, "SN-R2", related_case_no=first["case_no"])
    third = start(server, assistant, "SN-R3")
    fourth = start(server, assistant, "SN-R4")
    assert [i["case_no"] for i in (first, second, third, fourth)] == [
        f"TZ20260302{n:04d}" for n in range(1, 5)]
    assert variables(server, people, second["id"])["related_case_no"] == first["case_no"]
    for instance, data in ((first, create_z1(False)[2]), (second, create_z1(False)[2]),
                           (third, create_z2()[2])):
        [task] = open_tasks(server, people, instance["id"])
        claim_and_complete(server, assistant, task["id"], data)
    [task] = open_tasks(server, people, second["id"])
    claim_and_complete(server, assistant, task["id"], plan()[2])
    [task] = open_tasks(server, people, second["id"])
    claim_and_complete(server, people["wangmin"], task["id"], survey("local_quote")[2])  # → KCJS
    for bpmn_id, lane, data in (Z2_TO_LOGISTICS, REPLY_SALES):  # Z2 → HFYY
        [task] = open_tasks(server, people, third["id"])
        assert (task["bpmn_id"], task["candidate_group"]) == (bpmn_id, lane)
        claim_and_complete(server, people[LANE_USER[lane]], task["id"], data)
    report = server.get("/api/v1/reports/open-cases?group_by=user_status&process_key=service_notification",
                        people["admin"]).json()["items"]
    assert report == [{"user_status": "-", "open_cases": 1}, {"user_status": "HFYY", "open_cases": 1},
                      {"user_status": "KCJS", "open_cases": 1}, {"user_status": "TZJL", "open_cases": 1}]
    week = "from=2026-03-08T00:00:00%2B08:00&to=2026-03-09T00:00:00%2B08:00"
    plan_rows = server.get(f"/api/v1/reports/work-plan?responsibility_centre=4002&{week}",
                           people["admin"]).json()["items"]
    assert [r["case_no"] for r in plan_rows] == [  # the planned visit (5 March) sorts first
        second["case_no"], first["case_no"], third["case_no"]]
    later = server.get("/api/v1/reports/work-plan?from=2026-03-10T00:00:00%2B08:00",
                       people["admin"]).json()["items"]
    assert [r["case_no"] for r in later] == [third["case_no"]]  # the Z2 runs to 14 March


def test_unknown_person_responsible_leaves_the_survey_to_the_lane(server, fd, clock, people) -> None:  # type: ignore[no-untyped-def]
    """A person responsible who is no Flowdesk user: the survey goes to every Technician."""
    clock.set(local("2026-03-02T09:00:00+08:00"))
    instance_id = start(server, people["zhaoli"], "SN-U")["id"]
    [task] = open_tasks(server, people, instance_id)
    claim_and_complete(server, people["zhaoli"], task["id"], create_z1(True, person_responsible="nobody")[2])
    [task] = open_tasks(server, people, instance_id)
    assert (task["bpmn_id"], task["candidate_group"], task["assignee"]) == ("onsite_survey", TE, None)
    inbox = server.get("/api/v1/tasks?process_key=service_notification", people["liqiang"]).json()["items"]
    assert [t["id"] for t in inbox] == [task["id"]]
    assert server.get("/api/v1/tasks?process_key=service_notification",
                      people["zhangjing"]).json()["items"] == []
    audit = server.get(f"/api/v1/instances/{instance_id}", people["admin"]).json()["audit"]
    assert any(a["action"] == "task.assignee_unknown" and a["after"]["assignee"] == "nobody"
               for a in audit)


def test_every_rejection_is_tried_on_a_checked_path() -> None:
    """The 422 and 409 tables only name tasks that a checked path passes through."""
    visited = {bpmn_id for key in CHECKED for bpmn_id, _, _ in PATHS[key]["steps"]}
    assert {t for t, *_ in REJECTED} | {t for t, *_ in ILLEGAL} <= visited
