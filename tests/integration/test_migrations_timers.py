"""A case waiting under a boundary timer, migrated to a version where that timer is longer
(tests/resources/timers/boundary_timers.bpmn, its 4 h breach made 8 h): the plan reports the
changed timer, the dry run predicts the timers armed, and the run re-arms the due-work rows as
the plan said (the old 4 h row no longer fires; the new one is due 8 h after the migration,
the hourly reminder an hour after it). SQLite and PostgreSQL, on a FakeClock."""
from __future__ import annotations

from datetime import timedelta

from engine.clock import FakeClock
from services.due_runner import run_due
from tests.integration.conftest import deploy
from tests.integration.test_scheduler import bpmn, due_rows, start

V1 = bpmn("boundary_timers")
V2 = {name: data.replace(b'"PT4H"', b'"PT8H"') for name, data in V1.items()}
BODY = {"process_key": "boundary_timers", "source_version": 1, "target_version": 2}


def _pending(fd, instance_id: int) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    return sorted(((r.label, r.due_at) for r in due_rows(fd, instance_id=instance_id,
                                                         state="pending")), key=lambda r: r[1])


def _open(server, tokens, instance_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    items = server.get(f"/api/v1/tasks?instance_id={instance_id}", tokens["admin"]).json()
    return [t["bpmn_id"] for t in items["items"]]


def test_a_changed_timer_is_armed_again_as_the_plan_says(server, tokens, fd,
                                                          clock: FakeClock) -> None:
    admin = tokens["admin"]
    t0 = clock.now()
    assert deploy(server, admin, V1).status_code == 201
    instance_id = start(server, tokens["agent"], "boundary_timers", {"reminders": 0})["id"]
    before = _pending(fd, instance_id)
    assert [due for _label, due in before] == [t0 + timedelta(hours=1), t0 + timedelta(hours=4)]
    assert deploy(server, admin, V2).status_code == 201

    plan = server.post("/api/v1/migrations/plan", admin, json=BODY).json()
    changed = {p["element"]: p for p in plan["problems"] if p["code"] == "events_changed"}
    assert sorted(changed) == ["handle", "sla_breach"]  # the task's boundary, and the event
    assert changed["sla_breach"]["before"] == ['DurationTimer 4 hours passed "PT4H"']
    assert changed["sla_breach"]["after"] == ['DurationTimer 4 hours passed "PT8H"']
    assert 'boundary sla_breach: DurationTimer 4 hours passed "PT8H"' in changed["handle"]["after"]
    assert plan["instance_ids"] == [instance_id] and plan["active"] == {
        "handle": 1, "hourly": 1, "sla_breach": 1}  # the task and its two waiting timers

    clock.advance(minutes=30)
    t1 = clock.now()
    dry = server.post("/api/v1/migrations/dry-run", admin, json=BODY).json()
    [predicted] = dry["results"]
    assert predicted["status"] == "migrated", predicted
    assert _pending(fd, instance_id) == before  # the dry run changed nothing

    batch = server.post("/api/v1/migrations", admin, json=BODY).json()
    assert (batch["status"], batch["succeeded"], batch["failed"]) == ("done", 1, 0)
    [item] = batch["items"]
    assert item["report"] == predicted["report"]  # the dry run predicted the run
    assert sorted(t["bpmn_id"] for t in item["report"]["timers"]) == ["hourly", "sla_breach"]
    # re-armed from the migration, with version 2's duration; the 4 h row is gone
    assert [due for _label, due in _pending(fd, instance_id)] == [
        t1 + timedelta(hours=1), t1 + timedelta(hours=8)]

    clock.set(t0 + timedelta(hours=4, seconds=1))  # version 1's breach would fire here
    run_due(fd)
    assert _open(server, tokens, instance_id) == ["handle"]
    clock.set(t1 + timedelta(hours=8, seconds=1))  # version 2's does
    run_due(fd)
    assert _open(server, tokens, instance_id) == ["escalate"]
    assert due_rows(fd, instance_id=instance_id, state="pending") == []
