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
