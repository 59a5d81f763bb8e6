"""SLA policies and business calendars through the admin API, on an injected clock.

A task's due time follows every change (policy duration, calendar windows, pause and resume,
an admin's new due date); warnings, breaches and escalations fire from the scheduler once.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.clock import FakeClock
from services.due_runner import run_due
from services.notify.fanout import fan_out_all
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

SHANGHAI = timezone(timedelta(hours=8))
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # an ordinary working Monday
OFFICE = {"timezone": "Asia/Shanghai", "country": "CN",
          "windows": {d: [["09:00", "12:00"], ["13:00", "18:00"]]
                      for d in ("mon", "tue", "wed", "thu", "fri")}}
POLICY = {"process_key": "three_steps", "target": "task", "target_ref": "step_one",
          "clock": "resolution", "duration": "PT4H", "calendar": "office",
          "warning": {"percent": 75},
          "escalations": [
              {"after": "PT0S", "actions": [{"type": "raise_priority", "priority": 90},
                                            {"type": "add_candidates", "group": "Supervisor"},
                                            {"type": "notify", "to": "Supervisor"}]},
              {"after": "PT1H", "actions": [{"type": "reassign", "user": "supervisor"}]}],
          "pause_when": ["waiting_customer"], "warn_in_business_hours": False, "enabled": True}


def local(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(SHANGHAI)


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def armed(server, tokens, clock: FakeClock):  # type: ignore[no-untyped-def]
    """Calendar and policy in place, one instance started Monday 10:00; returns its task."""
    clock.set(MONDAY_10)
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).status_code == 201
    assert server.call("PUT", "/api/v1/admin/calendars/office", admin, json=OFFICE).ok
    assert server.call("PUT", "/api/v1/admin/sla-policies/step_one_4h", admin, json=POLICY).ok
    started = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"})
    return started.json()["open_tasks"][0]["id"]


def task(server, tokens, task_id: int) -> dict:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks/{task_id}", tokens["admin"]).json()


def test_due_time_follows_policy_calendar_pause_and_admin(server, tokens, clock, armed) -> None:  # type: ignore[no-untyped-def]
    admin, task_id = tokens["admin"], armed
    first = task(server, tokens, task_id)
    assert (first["sla_state"], local(first["due_at"])) == ("ok", at(15))  # 10-12, 13-15

    # apply_to=new: the armed clock keeps its due time; running: it is recomputed
    shorter = {**POLICY, "duration": "PT2H"}
    r = server.call("PUT", "/api/v1/admin/sla-policies/step_one_4h", admin,
                    json={**shorter, "apply_to": "new"})
    assert r.ok and r.json()["clocks_recomputed"] == 0
    assert local(task(server, tokens, task_id)["due_at"]) == at(15)
    r = server.call("PUT", "/api/v1/admin/sla-policies/step_one_4h", admin,
                    json={**shorter, "apply_to": "running"})
    assert r.json()["clocks_recomputed"] == 1
    assert local(task(server, tokens, task_id)["due_at"]) == at(12)

    # half an hour later the office changes its hours: 1.5 h left, 10:30-11:00 + 14:00-15:00
    clock.set(at(10, 30))
    later = {**OFFICE, "windows": {d: [["09:00", "11:00"], ["14:00", "18:00"]]
                                   for d in ("mon", "tue", "wed", "thu", "fri")},
             "apply_to": "running"}
    assert server.call("PUT", "/api/v1/admin/calendars/office", admin, json=later).ok
    assert local(task(server, tokens, task_id)["due_at"]) == at(15)

    # waiting on the customer stops the clock; an hour of office time later it resumes
    r = server.post(f"/api/v1/tasks/{task_id}/waiting", admin,
                    json={"reason": "waiting_customer"})
    assert (r.json()["sla_state"], r.json()["due_at"]) == ("paused", None)
    clock.set(at(14, 30))  # paused 10:30-14:30: 0.5 h + 0.5 h of office time
    server.post(f"/api/v1/tasks/{task_id}/waiting", admin, json={"reason": None})
    assert local(task(server, tokens, task_id)["due_at"]) == at(16)

    # an admin gives the task until Tuesday 10:00
    r = server.post(f"/api/v1/admin/tasks/{task_id}/due", admin,
                    json={"due_at": at(10, day=3).isoformat(), "reason": "customer asked"})
    assert r.ok and local(r.json()["due_at"]) == at(10, day=3)
    actions = [e["action"] for e in server.get(f"/api/v1/instances/{task(server, tokens, task_id)['instance_id']}", admin).json()["audit"]]
    assert {"task.waiting", "task.due_changed"} <= set(actions)


def test_warning_breach_and_escalations_fire_once(server, tokens, clock, fd, armed) -> None:  # type: ignore[no-untyped-def]
    admin, task_id = tokens["admin"], armed
    clock.set(at(14, 1))  # 75 % of 4 h = 3 h of office time: 14:00
    assert run_due(fd) == 1
    assert task(server, tokens, task_id)["sla_state"] == "at_risk"
    at_risk = server.get("/api/v1/tasks?sla_state=at_risk", admin).json()
    assert [t["id"] for t in at_risk["items"]] == [task_id]

    clock.set(at(15, 1))  # breach, and escalation level 1 right after it
    assert run_due(fd) == 2
    breached = task(server, tokens, task_id)
    assert (breached["sla_state"], breached["escalation_level"], breached["priority"],
            breached["escalation_group"]) == ("breached", 1, 90, "Supervisor")
    fresh = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"})
    fresh_task = fresh.json()["open_tasks"][0]["id"]
    overdue = server.get("/api/v1/tasks?overdue=true", admin).json()["items"]
    assert [t["id"] for t in overdue] == [task_id]
    today = server.get("/api/v1/tasks?due_today=true&tz=Asia/Shanghai", admin).json()["items"]
    assert [t["id"] for t in today] == [task_id]  # the fresh one is due tomorrow 10:01
    new_york = server.get("/api/v1/tasks?due_today=true&tz=America/New_York",
                          admin).json()["items"]
    assert [t["id"] for t in new_york] == [task_id, fresh_task]  # both on 2 March there
    assert server.get("/api/v1/tasks?due_today=true&tz=Mars/Base", admin).status_code == 422
    assert run_due(fd) == 0  # nothing fires twice

    clock.set(at(16, 1))  # level 2: one office hour after the breach
    assert run_due(fd) == 1
    assert task(server, tokens, task_id)["assignee"] == "supervisor"
    waiting = server.post(f"/api/v1/tasks/{fresh_task}/waiting", tokens["agent"],
                          json={"reason": "waiting_customer"})
    assert waiting.ok and waiting.json()["sla_state"] == "paused"  # its group may say so
    assert server.post(f"/api/v1/tasks/{fresh_task}/waiting", tokens["outsider"],
                       json={"reason": None}).status_code == 403
    fan_out_all(fd)  # the sla.* audit rows become in-app notifications
    outbox = server.get("/api/v1/admin/notifications?per_page=200", admin).json()
    assert {"sla_warning", "sla_breach", "escalation"} <= {n["kind"] for n in outbox["items"]}

    done = server.post(f"/api/v1/tasks/{task_id}/complete", tokens["supervisor"],
                       json={"data": {"note": "sorted"}})
    assert done.ok, done.text
    clocks = server.get(f"/api/v1/admin/sla-clocks?task_id={task_id}", admin).json()["items"]
    assert [(c["status"], c["sla_state"]) for c in clocks] == [("stopped", "breached")]
    assert server.get("/api/v1/admin/timers?kind=sla", admin).json()["total"] == 0


def test_first_response_stops_at_claim(server, tokens, clock, armed) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    respond = {"process_key": "three_steps", "target": "lane", "target_ref": "Agent",
               "clock": "first_response", "duration": "PT30M"}
    assert server.call("PUT", "/api/v1/admin/sla-policies/respond_30m", admin,
                       json=respond).ok
    started = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"})
    task_id = started.json()["open_tasks"][0]["id"]
    assert local(task(server, tokens, task_id)["due_at"]) == at(10, 30)
    clock.set(at(10, 20))
    assert server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"]).ok
    clocks = server.get(f"/api/v1/admin/sla-clocks?task_id={task_id}&policy=respond_30m",
                        admin).json()["items"]
    assert [(c["status"], c["sla_state"]) for c in clocks] == [("stopped", "met")]
    assert local(task(server, tokens, task_id)["due_at"]) == at(15)  # resolution still runs


def test_admin_api_is_admin_only_and_validates(server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/admin/calendars", "/api/v1/admin/sla-policies",
                 "/api/v1/admin/timers", "/api/v1/admin/sla-clocks"):
        assert server.get(path, tokens["agent"]).status_code == 403
    bad = {**OFFICE, "timezone": "Mars/Olympus", "windows": {"mon": [["09:00", "25:00"]]}}
    r = server.call("PUT", "/api/v1/admin/calendars/bad", tokens["admin"], json=bad)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} >= {"timezone", "windows.mon[0]"}
    r = server.call("PUT", "/api/v1/admin/sla-policies/x", tokens["admin"],
                    json={**POLICY, "duration": "soon", "calendar": "nowhere"})
    assert r.status_code == 422 and "duration" in r.text
    r = server.call("PUT", "/api/v1/admin/sla-policies/x", tokens["admin"],
                    json={**POLICY, "calendar": "nowhere"})
    assert r.status_code == 422 and "nowhere" in r.text
    preview = server.get("/api/v1/admin/calendars/office/preview?from=2025-09-30T16:00:00%2B08:00"
                         "&add=PT10H&count=2", tokens["admin"]).json()
    assert local(preview["result"]) == datetime(2025, 10, 9, 18, 0, tzinfo=SHANGHAI)
    assert local(preview["windows"][0]["start"]) == datetime(2025, 9, 30, 16, 0,
                                                              tzinfo=SHANGHAI)


def test_an_escalation_can_signal_the_instance(server, tokens, clock, fd) -> None:  # type: ignore[no-untyped-def]
    clock.set(MONDAY_10)
    admin = tokens["admin"]
    files = {"escalate_by_signal.bpmn":
             (RESOURCES / "timers" / "escalate_by_signal.bpmn").read_bytes()}
    assert deploy(server, admin, files).status_code == 201
    policy = {"process_key": "escalate_by_signal", "target": "task", "target_ref": "handle",
              "clock": "resolution", "duration": "PT1H",
              "escalations": [{"after": "PT0S", "actions": [
                  {"type": "signal", "name": "sla_escalated"}]}]}
    assert server.call("PUT", "/api/v1/admin/sla-policies/handle_1h", admin, json=policy).ok
    started = server.post("/api/v1/instances", admin,
                          json={"process_key": "escalate_by_signal"}).json()
    clock.set(at(11, 1))  # wall-clock policy: due 11:00
    assert run_due(fd) == 2  # breach, then level 1 sends the signal
    detail = server.get(f"/api/v1/instances/{started['id']}", admin).json()
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["takeover"]
    assert [a["action"] for a in detail["audit"]].count("task.cancelled") == 1  # handle
    clocks = server.get("/api/v1/admin/sla-clocks?policy=handle_1h", admin).json()["items"]
    assert [(c["status"], c["sla_state"]) for c in clocks] == [("stopped", "breached")]


def test_an_admin_moves_one_bpmn_timer(server, tokens, clock, fd) -> None:  # type: ignore[no-untyped-def]
    clock.set(MONDAY_10)
    admin = tokens["admin"]
    files = {"reply_or_call.bpmn": (RESOURCES / "timers" / "reply_or_call.bpmn").read_bytes()}
    assert deploy(server, admin, files).status_code == 201
    started = server.post("/api/v1/instances", admin, json={"process_key": "reply_or_call"})
    armed = server.get(f"/api/v1/admin/timers?instance_id={started.json()['id']}",
                       admin).json()["items"]
    assert [local(t["due_at"]) for t in armed] == [MONDAY_10 + timedelta(hours=48)]
    moved = server.post(f"/api/v1/admin/timers/{armed[0]['id']}/due", admin,
                        json={"due_at": at(12).isoformat()})
    assert moved.ok and local(moved.json()["due_at"]) == at(12)
    assert server.post(f"/api/v1/admin/timers/{armed[0]['id']}/due", tokens["agent"],
                       json={"due_at": at(12).isoformat()}).status_code == 403
    clock.set(at(12, 1))
    assert run_due(fd) == 1
    detail = server.get(f"/api/v1/instances/{started.json()['id']}", admin).json()
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["call"]


def test_instance_resolution_clock_pauses_and_stops(server, tokens, clock, armed) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    policy = {"process_key": "three_steps", "target": "instance", "clock": "instance_resolution",
              "duration": "PT8H", "pause_when": ["waiting_third_party"]}
    assert server.call("PUT", "/api/v1/admin/sla-policies/case_8h", admin, json=policy).ok
    instance = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"}).json()

    def clock_of() -> dict:
        items = server.get(f"/api/v1/admin/sla-clocks?instance_id={instance['id']}&policy=case_8h",
                           admin).json()["items"]
        assert len(items) == 1
        return items[0]

    assert local(clock_of()["due_at"]) == at(18)  # wall-clock: 10:00 + 8 h
    assert server.post(f"/api/v1/instances/{instance['id']}/waiting", tokens["agent"],
                       json={"reason": "waiting_third_party"}).status_code == 403
    r = server.post(f"/api/v1/instances/{instance['id']}/waiting", tokens["supervisor"],
                    json={"reason": "waiting_third_party"})
    assert r.ok and clock_of()["status"] == "paused"
    clock.set(at(12))
    server.post(f"/api/v1/instances/{instance['id']}/waiting", tokens["supervisor"],
                json={"reason": None})
    assert local(clock_of()["due_at"]) == at(20)  # two hours paused
    for _ in range(3):
        task_id = server.get(f"/api/v1/tasks?instance_id={instance['id']}", admin
                             ).json()["items"][0]["id"]
        assert server.post(f"/api/v1/tasks/{task_id}/complete", admin,
                           json={"data": {"note": "x"}}).ok
    assert (clock_of()["status"], clock_of()["sla_state"]) == ("stopped", "met")


def test_the_breaches_list_pages_clocks_of_several_states_with_task_and_case(
        server, tokens, clock, fd, armed) -> None:  # type: ignore[no-untyped-def]
    """``sla_state=breached,at_risk``: soonest due first, with the task's name and assignee and
    the case number, one page at a time."""
    admin = tokens["admin"]
    clock.set(at(11))
    later = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"}).json()
    clock.set(at(15, 1))  # the first task is past its 15:00; the second (due 16:00) at risk
    run_due(fd)
    url = "/api/v1/admin/sla-clocks?status=running&sla_state=breached,at_risk"
    listed = server.get(url, admin).json()
    assert listed["total"] == 2
    assert [(c["task_id"], c["sla_state"]) for c in listed["items"]] == [
        (armed, "breached"), (later["open_tasks"][0]["id"], "at_risk")]
    first = listed["items"][0]
    assert first["task_name"] == task(server, tokens, armed)["name"]
    assert first["case_no"] and first["assignee"] is None
    second_page = server.get(url + "&per_page=1&page=2", admin).json()
    assert [c["task_id"] for c in second_page["items"]] == [later["open_tasks"][0]["id"]]
    assert server.get("/api/v1/admin/sla-clocks?sla_state=breached", admin).json()["total"] == 1
    bad = server.get("/api/v1/admin/sla-clocks?sla_state=breached,late", admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["location"] == "query"


def test_a_clock_is_rearmed_only_when_its_next_event_moves(server, tokens, clock, fd,  # type: ignore[no-untyped-def]
                                                           armed) -> None:
    """Recomputing a running clock whose next event stays put keeps its pending due-work row
    (no cancel and insert); a change that moves the event replaces the row."""
    from sqlalchemy import select

    from store.tables import DueWork

    def pending_sla_rows() -> list:  # type: ignore[type-arg]
        table = DueWork.__table__
        with fd.uow(read_only=True) as uow:
            return list(uow.execute(select(table.c.id, table.c.due_at, table.c.payload)
                                    .where(table.c.kind == "sla", table.c.state == "pending")))

    admin = tokens["admin"]
    before = pending_sla_rows()
    assert len(before) == 1 and before[0].payload["event"] == "warning"  # 75 % of 4 h: 13:00
    # half an hour later a holiday far ahead changes the calendar: the clock is recomputed
    # (its elapsed time folded in at 10:30) but its warning stays at 13:00
    clock.set(at(10, 30))
    holiday = {**OFFICE, "extra_holidays": ["2026-10-20"], "apply_to": "running"}
    r = server.call("PUT", "/api/v1/admin/calendars/office", admin, json=holiday)
    assert r.ok and r.json()["clocks_recomputed"] == 1, r.text
    assert pending_sla_rows() == before
    # a shorter duration moves the warning: the row is replaced
    r = server.call("PUT", "/api/v1/admin/sla-policies/step_one_4h", admin,
                    json={**POLICY, "duration": "PT2H", "apply_to": "running"})
    assert r.json()["clocks_recomputed"] == 1
    after = pending_sla_rows()
    assert len(after) == 1 and after[0].id != before[0].id
    assert local(after[0].due_at.isoformat()) == at(11, 30)  # 75 % of 2 h since 10:00


def test_calendars_and_durations_that_could_never_come_due_are_refused_in_words(
        server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    """A calendar with no open time ahead, an SLA of centuries and an unreadable duration are
    422s naming the field in the reader's language (they were a 200 that made every new task
    of the process a 500, a request walking calendars for minutes, and English). A calendar
    whose open time runs out before a clock's target gives that clock no due time instead of
    failing the request that created the task."""
    admin, zh = tokens["admin"], {"Accept-Language": "zh-CN"}
    r = server.call("PUT", "/api/v1/admin/calendars/never", admin, headers=zh,
                    json={"timezone": "Asia/Shanghai", "country": "CN", "windows": {}})
    assert r.status_code == 422, r.text
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("windows",
                                                                       "calendar.never_open")]
    assert "没有任何工作时间" in r.json()["errors"][0]["message"]
    for duration, code, words in (("P9999D", "field.at_most_days", "最多 366 天"),
                                  ("abc", "field.duration_unreadable", "「abc」不是时长")):
        r = server.call("PATCH", "/api/v1/admin/sla-policies/step_one_4h", admin, headers=zh,
                        json={"duration": duration})
        assert r.status_code == 422, r.text
        assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("duration", code)]
        assert words in r.json()["errors"][0]["message"]
    r = server.call("PATCH", "/api/v1/admin/sla-policies/step_one_4h", admin, headers=zh,
                    json={"clock": "sometimes", "escalations": [{"after": "PT1H", "actions": []}]})
    assert r.status_code == 422, r.text  # the engine's own checks: were English sentences
    assert {(e["field"], e["code"], e["message"][:6]) for e in r.json()["errors"]} == {
        ("clock", "sla_policy.clock", "计时方式只能"), ("escalations[0].actions",
                                                    "sla_policy.actions", "至少需要一个")}
    r = server.get("/api/v1/admin/calendars/office/preview?add=abc", admin, headers=zh)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "add"
    assert "「abc」不是时长" in r.json()["errors"][0]["message"]
    for start, code, words in (("2026-01-01T09:00", "type", "带时区"),  # naive: was English
                               ("9999-12-31T23:00%2B00:00", "range", "1900"),
                               ("0001-01-01T00:00%2B00:00", "range", "8999")):
        r = server.get(f"/api/v1/admin/calendars/office/preview?from={start}&add=PT4H", admin,
                       headers=zh)  # the far years were a 422 naming nothing
        assert r.status_code == 422, r.text
        assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("from", code)]
        assert words in r.json()["errors"][0]["message"]

    one_day = {"timezone": "Asia/Shanghai", "windows": {}, "extra_workdays": ["2026-03-03"],
               "makeup_windows": [["09:00", "18:00"]]}
    assert server.call("PUT", "/api/v1/admin/calendars/one_day", admin, json=one_day).ok
    assert server.call("PATCH", "/api/v1/admin/sla-policies/step_one_4h", admin,
                       json={"calendar": "one_day", "duration": "PT20H"}).ok
    started = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text
    late = task(server, tokens, started.json()["open_tasks"][0]["id"])
    assert (late["due_at"], late["sla_state"]) == (None, "ok")


def test_a_decimal_duration_means_the_same_as_a_timer_and_in_words(server, tokens, armed) -> None:  # type: ignore[no-untyped-def]
    """``PT1.5H`` deploys on a BPMN timer; policies and the calendar preview refused it while
    taking ``1.5 小时``, and ``0.5 秒`` was rounded to nothing while ``PT0.5S`` was kept."""
    admin = tokens["admin"]
    results = {server.get("/api/v1/admin/calendars/office/preview?from=2026-03-02T11:00:00"
                          f"%2B08:00&add={text}", admin).json()["result"]
               for text in ("PT1.5H", "PT1%2C5H", "1.5 小时", "90 分钟")}
    assert [local(r) for r in results] == [at(13, 30)]  # the lunch hour is closed
    for text, stored, shown in (("PT1.5H", "PT1H30M", "1 小时 30 分钟"),
                                ("P0.5D", "PT12H", "12 小时"), ("0.5 秒", "PT0.5S", "0.5 秒"),
                                ("PT0.5S", "PT0.5S", "0.5 秒")):
        r = server.call("PATCH", "/api/v1/admin/sla-policies/step_one_4h", admin,
                        json={"duration": text})
        assert r.status_code == 200, (text, r.text)
        policy = server.get("/api/v1/admin/sla-policies/step_one_4h", admin).json()
        assert (policy["config"]["duration"], policy["shown"]["zh"]["duration"]) == (
            stored, shown), text
