"""SLA clocks while they run: the scheduler at the boundary instants, and a calendar changed for
new clocks only while clocks run on it (the office of ``test_sla_api``: 09-12 and 13-18, a
4-hour policy warned at 75 %, one task armed Monday 10:00: warning 14:00, due 15:00)."""
from __future__ import annotations

from datetime import timedelta

from services.due_runner import run_due
from tests.integration.test_sla_api import OFFICE, armed, at, local, task  # noqa: F401 - fixture

SECOND = timedelta(seconds=1)
# the office opens 09-11 and 14-18 from now on
LATER_HOURS = {**OFFICE, "windows": {d: [["09:00", "11:00"], ["14:00", "18:00"]]
                                     for d in ("mon", "tue", "wed", "thu", "fri")}}


def start(server, admin: str) -> int:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", admin, json={"process_key": "three_steps"})
    return started.json()["open_tasks"][0]["id"]


def state_and_due(server, tokens, task_id: int) -> tuple:  # type: ignore[no-untyped-def]
    shown = task(server, tokens, task_id)
    return shown["sla_state"], local(shown["due_at"])


def test_warning_and_breach_come_at_their_instant_not_a_tick_later(server, tokens, clock, fd,  # type: ignore[no-untyped-def]
                                                                   armed) -> None:
    """A clock whose used time reaches its target is at risk / breached at that very instant
    (the scheduler took only rows due strictly before now: one tick late, and never at a
    virtual clock set to the instant)."""
    clock.set(at(14) - SECOND)
    assert run_due(fd) == 0 and state_and_due(server, tokens, armed) == ("ok", at(15))
    clock.set(at(14))
    assert run_due(fd) == 1 and state_and_due(server, tokens, armed) == ("at_risk", at(15))
    clock.set(at(15) - SECOND)
    assert run_due(fd) == 0 and state_and_due(server, tokens, armed) == ("at_risk", at(15))
    clock.set(at(15))
    assert run_due(fd) == 2  # the breach, and escalation level 1 (PT0S after it)
    shown = task(server, tokens, armed)
    assert (shown["sla_state"], shown["escalation_level"]) == ("breached", 1)
    assert run_due(fd) == 0


def test_a_calendar_changed_for_new_clocks_leaves_running_ones_on_their_due_times(  # type: ignore[no-untyped-def]
        server, tokens, clock, fd, armed) -> None:
    """``apply_to: new``: running clocks keep the old hours (due, warning and breach as shown)
    until their next pause or resume, new clocks count in the new hours. The armed clocks
    silently recounted their whole run in the new hours when the scheduler came: the task
    said due 15:00 while nothing happened then."""
    admin = tokens["admin"]
    paused_later = start(server, admin)  # also Monday 10:00
    clock.set(at(10, 30))
    r = server.call("PUT", "/api/v1/admin/calendars/office", admin,
                    json={**LATER_HOURS, "apply_to": "new"})
    assert r.ok and r.json()["clocks_recomputed"] == 0, r.text
    fresh = start(server, admin)  # 10:30-11:00 and 14:00-17:30 of the new hours
    assert [state_and_due(server, tokens, t) for t in (armed, paused_later, fresh)] == [
        ("ok", at(15)), ("ok", at(15)), ("ok", at(17, 30))]

    # a pause: 1.5 h used in the old hours (10:00-11:30); from the resume, the new hours
    clock.set(at(11, 30))
    assert server.post(f"/api/v1/tasks/{paused_later}/waiting", admin,
                       json={"reason": "waiting_customer"}).ok
    clock.set(at(11, 45))
    assert server.post(f"/api/v1/tasks/{paused_later}/waiting", admin,
                       json={"reason": None}).ok
    assert state_and_due(server, tokens, paused_later) == ("ok", at(16, 30))

    clock.set(at(14))  # the first clock's warning, in the old hours
    assert run_due(fd) == 1
    assert state_and_due(server, tokens, armed) == ("at_risk", at(15))
    clock.set(at(15))
    assert run_due(fd) == 2  # its breach and escalation level 1, as the task said
    assert [task(server, tokens, t)["sla_state"] for t in (armed, paused_later, fresh)] == [
        "breached", "ok", "ok"]  # the resumed one warns at 15:30 (3 h used), the fresh at 16:30


def test_running_after_new_counts_the_time_used_in_the_kept_hours(server, tokens, clock,  # type: ignore[no-untyped-def]
                                                                  armed) -> None:
    """A later change for running clocks folds the time used so far in the hours the clock
    really counted in (the old ones it kept), then the rest in the newest hours."""
    admin = tokens["admin"]
    clock.set(at(10, 30))
    assert server.call("PUT", "/api/v1/admin/calendars/office", admin,
                       json={**LATER_HOURS, "apply_to": "new"}).ok
    clock.set(at(11, 30))  # 1.5 h used in the kept hours; 2.5 h left: 14:00-16:30
    r = server.call("PUT", "/api/v1/admin/calendars/office", admin,
                    json={**LATER_HOURS, "apply_to": "running"})
    assert r.ok and r.json()["clocks_recomputed"] == 1, r.text
    assert state_and_due(server, tokens, armed) == ("ok", at(16, 30))


def test_waiting_on_the_customer_and_a_suspension_end_apart(server, tokens, clock,  # type: ignore[no-untyped-def]
                                                            armed) -> None:
    """A clock held both by the customer and by a suspended instance runs again only when both
    are over (it kept one reason: the instance's resume dropped the customer's wait, and the
    customer's answer set the clock running inside the suspension)."""
    admin = tokens["admin"]
    assert server.call("PATCH", "/api/v1/admin/sla-policies/step_one_4h", admin,
                       json={"pause_when": ["waiting_customer", "suspended"]}).ok
    answered_early = start(server, admin)

    def instance_of(task_id: int) -> int:
        return task(server, tokens, task_id)["instance_id"]

    def waiting(task_id: int, reason: str | None) -> None:
        assert server.post(f"/api/v1/tasks/{task_id}/waiting", admin,
                           json={"reason": reason}).ok

    def suspension(task_id: int, action: str) -> None:
        assert server.post(f"/api/v1/instances/{instance_of(task_id)}/{action}", admin,
                           json={"reason": "audit"}).ok

    clock.set(at(10, 30))
    waiting(answered_early, "waiting_customer")  # 0.5 h used
    clock.set(at(11))
    suspension(armed, "suspend")  # 1 h used
    suspension(answered_early, "suspend")
    clock.set(at(11, 30))
    waiting(armed, "waiting_customer")
    waiting(answered_early, None)  # still suspended: the clock stays held
    assert state_and_due(server, tokens, answered_early) == ("paused", None)
    clock.set(at(14))
    suspension(armed, "resume")  # still waiting on the customer
    suspension(answered_early, "resume")  # 3.5 h left: 14:00-17:30
    assert state_and_due(server, tokens, armed) == ("paused", None)
    assert state_and_due(server, tokens, answered_early) == ("ok", at(17, 30))
    clock.set(at(14, 30))
    waiting(armed, None)  # 3 h left: 14:30-17:30
    assert state_and_due(server, tokens, armed) == ("ok", at(17, 30))


def test_a_withdrawn_task_s_clock_is_neither_met_nor_breached(server, tokens, clock, fd,  # type: ignore[no-untyped-def]
                                                             armed) -> None:
    """A case cancelled before its task fell due: the clock ends ``cancelled`` and the SLA
    report counts it as neither (it counted as met); one cancelled after it fell due stays
    breached; a task done in time is met."""
    admin, supervisor = tokens["admin"], tokens["supervisor"]
    late, done = start(server, admin), start(server, admin)
    clock.set(at(11))
    assert server.post(f"/api/v1/tasks/{done}/claim", admin).ok
    assert server.post(f"/api/v1/tasks/{done}/complete", admin, json={"data": {"note": "x"}}).ok
    withdrawn = task(server, tokens, armed)["instance_id"]
    assert server.post(f"/api/v1/instances/{withdrawn}/cancel", admin, json={}).ok
    assert task(server, tokens, armed)["sla_state"] == "cancelled"
    clock.set(at(15, 1))
    run_due(fd)
    assert server.post(f"/api/v1/instances/{task(server, tokens, late)['instance_id']}/cancel",
                       admin, json={}).ok
    assert [task(server, tokens, t)["sla_state"] for t in (armed, late, done)] == [
        "cancelled", "breached", "met"]
    [day] = server.get("/api/v1/reports/sla?from=2026-03-02&to=2026-03-02", supervisor).json()["items"]
    assert (day["sla_met"], day["sla_breached"]) == (1, 1)
