"""The scheduler on a real database: due rows are armed with their cause, fired once, retried,
cancelled with their instance; timer start events start one instance per (coalesced) period.

Everything but the ticker test runs on a FakeClock and calls ``run_due`` directly; the ticker
test starts its instances on the FakeClock, then lets it run in real time.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine.clock import FakeClock
from host.ticker import Ticker
from services import due_runner as scheduler
from services import due_work
from services.definitions import deploy as deploy_service
from services.principal import system
from services.due_runner import run_due
from store.tables import AuditEntry, DueWork, Incident, ProcessDefinition, ProcessInstance
from tests.conftest import RESOURCES
from tests.integration.conftest import deploy, row_of
from tests.waiting import wait_for

TIMERS = RESOURCES / "timers"


def bpmn(name: str) -> dict[str, bytes]:
    return {f"{name}.bpmn": (TIMERS / f"{name}.bpmn").read_bytes()}


def due_rows(fd, **where) -> list[DueWork]:  # type: ignore[no-untyped-def]
    query = select(DueWork).order_by(DueWork.id)
    for column, value in where.items():
        query = query.where(getattr(DueWork, column) == value)
    with fd.uow(read_only=True) as session:
        return list(session.execute(query))


def audit_of(fd, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def instance(fd, instance_id: int) -> ProcessInstance:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as session:
        return row_of(session, ProcessInstance, instance_id)


def runs_of(fd, instance_id: int, bpmn_id: str) -> int:  # type: ignore[no-untyped-def]
    """How many times a task of the instance completed, from its saved engine state."""
    with fd.uow(read_only=True) as conn:
        row = conn.execute(select(ProcessInstance.definition_id, ProcessInstance.state)
                           .where(ProcessInstance.id == instance_id)).one()
        wf = fd.runtime.loads(fd.parsed(conn, row.definition_id), row.state)
    return sum(1 for t in wf.tasks.values()
               if t.task_spec.bpmn_id == bpmn_id and t.state == TaskState.COMPLETED)


def start(server, token: str, key: str, variables: dict | None = None) -> dict:  # type: ignore[no-untyped-def]
    response = server.post("/api/v1/instances", token,
                           json={"process_key": key, "variables": variables or {}})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_timer_fires_once_when_it_is_due(server, tokens, fd, clock: FakeClock) -> None:
    t0 = clock.now()
    assert deploy(server, tokens["admin"], bpmn("reply_or_call")).status_code == 201
    ids = [start(server, tokens["agent"], "reply_or_call")["id"] for _ in range(3)]
    pending = due_rows(fd, kind="timer", state="pending")
    assert sorted((r.instance_id, r.due_at) for r in pending) == [
        (i, t0 + timedelta(hours=48)) for i in ids]

    clock.advance(hours=47, minutes=59)
    assert run_due(fd) == 0
    clock.advance(minutes=2)
    assert run_due(fd, node="node-a") == 3
    assert run_due(fd, node="node-b") == 0

    tasks = server.get("/api/v1/tasks", tokens["agent"]).json()["items"]
    assert sorted((t["instance_id"], t["bpmn_id"]) for t in tasks) == [(i, "call") for i in ids]
    rows = due_rows(fd, kind="timer")
    assert [(r.state, r.fired_at, r.fired_by) for r in rows] == [("done", clock.now(),
                                                                   "node-a")] * 3
    fired = audit_of(fd, "timer.fired")
    assert Counter(a.instance_id for a in fired) == {i: 1 for i in ids}
    assert {a.after["late_ms"] for a in fired} == {60_000}
    assert {a.after["due_work_id"] for a in fired} == {r.id for r in rows}


def test_boundary_timers_and_a_cancelled_instance(server, tokens, fd, clock: FakeClock) -> None:
    t0 = clock.now()
    assert deploy(server, tokens["admin"], bpmn("boundary_timers")).status_code == 201
    kept = start(server, tokens["agent"], "boundary_timers", {"reminders": 0})["id"]
    doomed = start(server, tokens["agent"], "boundary_timers", {"reminders": 0})["id"]
    for instance_id in (kept, doomed):
        rows = due_rows(fd, instance_id=instance_id, state="pending")
        assert sorted(r.due_at for r in rows) == [t0 + timedelta(hours=1),
                                                  t0 + timedelta(hours=4)]

    response = server.post(f"/api/v1/instances/{doomed}/cancel", tokens["admin"],
                           json={"reason": "customer withdrew"})
    assert response.status_code == 200, response.text
    assert {r.state for r in due_rows(fd, instance_id=doomed)} == {"cancelled"}

    clock.advance(hours=1, seconds=1)  # the non-interrupting hourly reminder
    assert run_due(fd) == 1
    assert runs_of(fd, kept, "remind") == 1
    pending = due_rows(fd, instance_id=kept, state="pending")
    assert sorted(r.due_at for r in pending) == [t0 + timedelta(hours=2),
                                                 t0 + timedelta(hours=4)]
    tasks = server.get("/api/v1/tasks", tokens["agent"]).json()["items"]
    assert [(t["instance_id"], t["bpmn_id"]) for t in tasks] == [(kept, "handle")]

    clock.set(t0 + timedelta(hours=2, seconds=1))
    assert run_due(fd) == 1
    assert runs_of(fd, kept, "remind") == 2

    clock.set(t0 + timedelta(hours=3, seconds=1))  # the third and last reminder (R3)
    assert run_due(fd) == 1
    assert runs_of(fd, kept, "remind") == 3
    assert [r.due_at for r in due_rows(fd, instance_id=kept, state="pending")] == [
        t0 + timedelta(hours=4)]

    clock.set(t0 + timedelta(hours=4, seconds=1))  # the interrupting breach
    assert run_due(fd) == 1
    assert run_due(fd) == 0
    supervisor_tasks = server.get("/api/v1/tasks", tokens["supervisor"]).json()["items"]
    assert [(t["instance_id"], t["bpmn_id"]) for t in supervisor_tasks] == [(kept, "escalate")]
    assert server.get("/api/v1/tasks", tokens["agent"]).json()["items"] == []
    assert due_rows(fd, instance_id=kept, state="pending") == []
    fired_rows = due_rows(fd, instance_id=kept, state="done")
    assert len(fired_rows) == 4
    fired = audit_of(fd, "timer.fired")
    assert sorted(a.after["due_work_id"] for a in fired) == [r.id for r in fired_rows]
    assert all(a.instance_id == kept for a in fired)
    assert {r.state for r in due_rows(fd, instance_id=doomed)} == {"cancelled"}
    assert instance(fd, doomed).status == "cancelled"


def test_two_timers_of_one_instance_due_in_one_batch(server, tokens, fd,
                                                   clock: FakeClock) -> None:
    """Down for 4 h: the hourly cycle (three periods missed) and the breach are due together.
    Firing the instance's first row runs both engine timers: the cycle runs at most once (not
    once per missed period; the interrupting breach may cancel it first), the supervisor gets
    the case, and no row is fired twice or left pending."""
    t0 = clock.now()
    assert deploy(server, tokens["admin"], bpmn("boundary_timers")).status_code == 201
    instance_id = start(server, tokens["agent"], "boundary_timers", {"reminders": 0})["id"]
    clock.set(t0 + timedelta(hours=4, seconds=1))
    assert run_due(fd) >= 1
    assert run_due(fd) == 0
    assert runs_of(fd, instance_id, "remind") <= 1
    assert runs_of(fd, instance_id, "escalate") == 0
    supervisor_tasks = server.get("/api/v1/tasks", tokens["supervisor"]).json()["items"]
    assert [(t["instance_id"], t["bpmn_id"]) for t in supervisor_tasks] == [
        (instance_id, "escalate")]
    rows = due_rows(fd, instance_id=instance_id)
    assert "pending" not in {r.state for r in rows}
    fired = audit_of(fd, "timer.fired")
    done = [r.id for r in rows if r.state == "done"]
    assert sorted(a.after["due_work_id"] for a in fired) == done


def test_scheduled_starts_coalesce_missed_periods(fd, clock: FakeClock) -> None:
    t0 = clock.now()
    v1, created = deploy_service(fd, bpmn("hourly_start"), system("admin", "admin"))
    assert created
    [row] = due_rows(fd, kind="start")
    assert (row.state, row.definition_id, row.due_at) == ("pending", v1.id,
                                                          t0 + timedelta(hours=1))

    clock.advance(hours=1, seconds=1)
    assert run_due(fd) == 1
    assert run_due(fd) == 0
    clock.advance(hours=5, minutes=30)  # down for 5.5 h: five periods missed
    assert run_due(fd) == 1
    assert run_due(fd) == 0
    with fd.uow(read_only=True) as session:
        instances = session.execute(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert [(i.definition_id, i.status, i.started_by) for i in instances] == [
            (v1.id, "running", "scheduler")] * 2
    rows = due_rows(fd, kind="start")
    assert [(r.state, r.due_at) for r in rows] == [
        ("done", t0 + timedelta(hours=1)), ("done", t0 + timedelta(hours=2)),
        ("pending", t0 + timedelta(hours=7))]
    started = audit_of(fd, "timer.start_fired")
    assert [a.after["next_start"] for a in started] == [
        (t0 + timedelta(hours=2)).isoformat(), (t0 + timedelta(hours=7)).isoformat()]

    changed = bpmn("hourly_start")
    changed["hourly_start.bpmn"] = changed["hourly_start.bpmn"].replace(b"Hourly round",
                                                                        b"Hourly round v2")
    redeployed_at = clock.now()
    v2, created = deploy_service(fd, changed, system("admin", "admin"))
    assert created and v2.version == 2
    rows = due_rows(fd, kind="start")
    assert [(r.definition_id, r.state) for r in rows[2:]] == [(v1.id, "cancelled"),
                                                              (v2.id, "pending")]
    assert rows[3].due_at == redeployed_at + timedelta(hours=1)

    clock.set(t0 + timedelta(hours=7, seconds=1))  # the old version's slot: nothing happens
    assert run_due(fd) == 0
    clock.set(redeployed_at + timedelta(hours=1, seconds=1))
    assert run_due(fd) == 1
    with fd.uow(read_only=True) as session:
        newest = session.execute(select(ProcessInstance).order_by(ProcessInstance.id.desc())
                                 ).first()
        assert newest.definition_id == v2.id
        assert row_of(session, ProcessDefinition, v2.id).version == 2


def test_a_failing_row_backs_off_then_fails_and_an_admin_retry_rearms_it(
        server, tokens, fd, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    t0 = clock.now()
    assert deploy(server, tokens["admin"], bpmn("wait_until")).status_code == 201
    due = t0 + timedelta(minutes=10)
    instance_id = start(server, tokens["agent"], "wait_until",
                        {"remind_at": due.isoformat()})["id"]
    [row] = due_rows(fd, instance_id=instance_id)
    assert (row.state, row.due_at) == ("pending", due)

    calls = []

    def broken(*args):  # type: ignore[no-untyped-def]
        calls.append(args[3])
        raise RuntimeError("mail server down")

    monkeypatch.setitem(scheduler.HANDLERS, "timer", broken)
    clock.set(due + timedelta(seconds=1))
    for attempt, delay in enumerate(due_work.BACKOFF_SECONDS, start=1):
        assert run_due(fd) == 0
        [row] = due_rows(fd, instance_id=instance_id)
        assert (row.state, row.attempts) == ("pending", attempt)
        assert row.due_at == clock.now() + timedelta(seconds=delay)
        assert "mail server down" in row.last_error
        assert run_due(fd) == 0  # backing off: not due yet
        assert len(calls) == attempt
        clock.set(row.due_at + timedelta(seconds=1))
    assert run_due(fd) == 0
    assert len(calls) == due_work.MAX_ATTEMPTS
    [row] = due_rows(fd, instance_id=instance_id)
    assert (row.state, row.attempts) == ("failed", due_work.MAX_ATTEMPTS)
    assert instance(fd, instance_id).status == "error"
    with fd.uow(read_only=True) as session:
        [incident] = session.execute(select(Incident).where(Incident.instance_id == instance_id))
    assert incident.kind == "timer_failed" and incident.resolved_at is None
    assert "mail server down" in incident.message
    clock.advance(hours=1)
    assert run_due(fd) == 0 and len(calls) == due_work.MAX_ATTEMPTS  # failed rows stay put

    monkeypatch.undo()
    assert server.post(f"/api/v1/instances/{instance_id}/retry", tokens["agent"]).status_code == 403
    response = server.post(f"/api/v1/instances/{instance_id}/retry", tokens["admin"])
    assert response.status_code == 200, response.text
    [row] = due_rows(fd, instance_id=instance_id)
    assert (row.state, row.attempts) == ("pending", 0)
    clock.advance(seconds=1)
    assert run_due(fd) == 1
    done = instance(fd, instance_id)
    assert done.status == "completed" and done.variables["fired"] is True
    assert [a.instance_id for a in audit_of(fd, "timer.fired")] == [instance_id]
    assert [a.instance_id for a in audit_of(fd, "due_work.failed")] == [instance_id]


class RecordingTicker(Ticker):
    """The real ticker, noting when each of its ticks began and ended (by the app's clock)."""

    def __init__(self, fd, interval: float) -> None:  # type: ignore[no-untyped-def]
        self.ticks: list[tuple[datetime, datetime]] = []
        super().__init__(fd, interval=interval)

    def tick(self) -> int:
        began = self.fd.now()
        try:
            return super().tick()
        finally:
            self.ticks.append((began, self.fd.now()))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_the_ticker_fires_timers_on_time(server, tokens, fd, clock: FakeClock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Real time: three timers due in 1 to 2 s, fired by the APScheduler ticker, each by the
    first tick that ran after it fell due (never before it), however slow the machine is."""
    assert deploy(server, tokens["admin"], bpmn("wait_until")).status_code == 201
    # The instances are started with the clock standing at `now`, so none of the timers is due
    # when its instance reaches it, however long the starts take; then the real clock runs.
    now = datetime.now(timezone.utc)
    clock.set(now)
    ids = [start(server, tokens["agent"], "wait_until",
                 {"remind_at": (now + timedelta(seconds=s)).isoformat()})["id"]
           for s in (1.0, 1.5, 2.0)]
    assert [r.state for r in due_rows(fd, kind="timer")] == ["pending"] * 3
    monkeypatch.setattr(clock, "now", lambda: datetime.now(timezone.utc))
    ticker = RecordingTicker(fd, interval=0.2).start()
    try:
        wait_for(lambda: all(r.state == "done" for r in due_rows(fd, kind="timer")),
                 "the ticker to fire the three timers")
    finally:
        ticker.stop()
    rows = due_rows(fd, kind="timer")
    assert [(r.instance_id, r.state) for r in rows] == [(i, "done") for i in ids]
    for row in rows:
        due, fired = _utc(row.due_at), _utc(row.fired_at)
        assert due <= fired, (due, fired)  # never early
        # on time: no tick that began after the timer fell due ended before it was fired
        missed = [(b, e) for b, e in ticker.ticks if b >= due and e < fired]
        assert not missed, (due, fired, missed)
    assert {instance(fd, i).status for i in ids} == {"completed"}
    assert Counter(a.instance_id for a in audit_of(fd, "timer.fired")) == {i: 1 for i in ids}
