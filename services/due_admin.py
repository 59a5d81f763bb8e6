"""What is armed, and moving it: list timers and SLA clocks; change one task's or timer's due
time; mark a task or instance as waiting on someone (which pauses the SLA clocks that say so)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine import sla
from engine.timers import reschedule

from services import audit
from services.context import Flowdesk
from services.due_work import due
from services.engine_step import FINAL_STATUSES, step
from services.errors import Conflict, Forbidden, NotFound
from services.principal import Principal, require_role
from services.sla.book import policies
from services.sla.clocks import clocks, set_waiting, store, sync_task
from services.tasks import in_groups
from store import queries as q


def list_due_work(fd: Flowdesk, user: Principal, *, kind: str | None = None,
                  state: str | None = "pending", instance_id: int | None = None,
                  due_before: datetime | None = None, due_after: datetime | None = None,
                  page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
    require_role(user, "admin")
    query = select(due).order_by(due.c.due_at, due.c.id)
    for column, value in ((due.c.kind, kind), (due.c.state, state),
                          (due.c.instance_id, instance_id)):
        if value is not None:
            query = query.where(column == value)
    if due_before is not None:
        query = query.where(due.c.due_at < due_before)
    if due_after is not None:
        query = query.where(due.c.due_at >= due_after)
    with fd.uow(read_only=True) as conn:
        return q.page_of(conn, query, page, per_page)


def list_clocks(fd: Flowdesk, user: Principal, *, status: str | None = None,
                sla_state: list[str] | None = None, instance_id: int | None = None,
                task_id: int | None = None, policy: str | None = None,
                page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
    """Clocks soonest due first, each with its task's name and assignee and its case number
    (what the admin console's breaches view shows); ``sla_state``: any of several."""
    require_role(user, "admin")
    query = (select(clocks, policies.c.name.label("policy"), q.tasks.c.name.label("task_name"),
                    q.tasks.c.assignee, q.instances.c.case_no)
             .join(policies, policies.c.id == clocks.c.policy_id)
             .join(q.instances, q.instances.c.id == clocks.c.instance_id)
             .outerjoin(q.tasks, q.tasks.c.id == clocks.c.task_id)
             .order_by(clocks.c.due_at.is_(None), clocks.c.due_at, clocks.c.id))
    if sla_state:
        query = query.where(clocks.c.sla_state.in_(sla_state))
    for column, value in ((clocks.c.status, status), (clocks.c.instance_id, instance_id),
                          (clocks.c.task_id, task_id), (policies.c.name, policy)):
        if value is not None:
            query = query.where(column == value)
    with fd.uow(read_only=True) as conn:
        return q.page_of(conn, query, page, per_page)


def set_task_due(fd: Flowdesk, user: Principal, task_id: int, due_at: datetime,
                 reason: str = "") -> dict:
    """Give one task a new due time: its running SLA clocks get the duration that makes them
    due then (elapsed business time kept); a task without clocks just gets the date."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as conn:
        task = conn.execute(q.TASK, {"task_id": task_id}).mappings().first()
        if task is None:
            raise NotFound.of("task.not_found", task=task_id)
        if task["state"] not in q.ACTIVE:
            raise Conflict.of("task.due_not_open", task=task_id, state=task["state"])
        live = conn.execute(select(clocks).where(clocks.c.task_id == task_id,
                                                 clocks.c.status == "running")).mappings().all()
        for row in live:
            state = sla.ClockState.from_dict(row["clock"])
            calendar = fd.sla.calendar_of(conn, state)
            spent = sla.elapsed(state, now, calendar)
            wanted = spent + calendar.between(now, due_at)
            new = sla.change_duration(state, max(wanted, spent) or sla.parse_duration("PT1S"))
            store(conn, row, new, fd.sla.policy_by_id(conn, row["policy_id"]), calendar, now)
        if live:
            sync_task(conn, task_id)
        else:
            conn.execute(q.tasks.update().where(q.tasks.c.id == task_id).values(due_at=due_at))
        after = conn.execute(q.TASK, {"task_id": task_id}).mappings().one()
        audit.record(conn, now, user.username, "task.due_changed",
                     instance_id=task["instance_id"], task_id=task_id,
                     before={"due_at": _iso(task["due_at"])},
                     after={"due_at": _iso(after["due_at"]), "reason": reason,
                            "clocks": len(live)})
        return dict(after)


def set_timer_due(fd: Flowdesk, user: Principal, row_id: int, due_at: datetime) -> dict:
    """Move one armed BPMN timer (or scheduled start) to a new due time; or send a thrown
    message or signal (an outbox row) again at that time, also after it failed."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as conn:
        row = conn.execute(select(due).where(due.c.id == row_id)).mappings().first()
        if row is None:
            raise NotFound.of("timer.not_found", row=row_id)
        outbox = row["kind"] in ("throw", "deliver") and row["state"] in ("pending", "failed")
        if not outbox and (row["state"] != "pending" or row["kind"] not in ("timer", "start")):
            raise Conflict.of("timer.not_movable", row=row_id, state=row["state"],
                              kind=row["kind"])
        if outbox:
            conn.execute(due.update().where(due.c.id == row_id).values(
                due_at=due_at, state="pending", attempts=0))
        elif row["kind"] == "start":
            conn.execute(due.update().where(due.c.id == row_id).values(due_at=due_at))
        else:
            instance = conn.execute(q.INSTANCE_HEAD,
                                    {"instance_id": row["instance_id"]}).mappings().one()

            def move(parsed, wf):  # type: ignore[no-untyped-def]
                reschedule(wf, row["ref"], due_at)
                return fd.runtime.inspect(parsed, wf)
            try:
                step(conn, fd, instance, move, now)
            except KeyError:
                raise Conflict.of("timer.gone") from None
        audit.record(conn, now, user.username, "timer.due_changed",
                     instance_id=row["instance_id"], definition_id=row["definition_id"],
                     before={"due_at": _iso(row["due_at"])},
                     after={"due_at": _iso(due_at), "timer": row["label"]})
        moved = conn.execute(select(due).where(due.c.id == row_id)).mappings().one()
    return dict(moved)


def set_task_waiting(fd: Flowdesk, user: Principal, task_id: int,
                     reason: str | None, note: str | None = None) -> dict:
    """The task waits on the customer or a third party (or, with ``reason`` None, no longer
    does: resuming clears the note too). ``note`` is the agent's words beside the kind."""
    now = fd.now()
    note = (note or None) if reason is not None else None
    with fd.uow() as conn:
        task = conn.execute(q.TASK, {"task_id": task_id}).mappings().first()
        if task is None:
            raise NotFound.of("task.not_found", task=task_id)
        mine = task["assignee"] == user.username or (task["assignee"] is None
                                                      and in_groups(user, task))
        if not mine and not user.has_role("supervisor", "admin"):
            raise Forbidden.of("task.waiting_refused", task=task_id)
        if task["state"] not in q.ACTIVE:
            raise Conflict.of("task.state", task=task_id, state=task["state"])
        conn.execute(q.tasks.update().where(q.tasks.c.id == task_id)
                     .values(waiting_reason=reason, waiting_note=note))
        changed = set_waiting(conn, fd.sla, task_id=task_id, instance_id=None, reason=reason,
                              now=now)
        audit.record(conn, now, user.username,
                     "task.waiting" if reason is not None else "task.resumed",
                     instance_id=task["instance_id"], task_id=task_id,
                     before={"waiting_reason": task["waiting_reason"],
                             "waiting_note": task["waiting_note"]},
                     after={"waiting_reason": reason, "waiting_note": note,
                            "clocks_changed": changed})
        return dict(conn.execute(q.TASK, {"task_id": task_id}).mappings().one())


def set_instance_waiting(fd: Flowdesk, user: Principal, instance_id: int,
                         reason: str | None, note: str | None = None) -> None:
    """The whole case waits (supervisors and admins, or staff who hold one of its open
    tasks: the agent working a case may say it waits on the customer)."""
    now = fd.now()
    note = (note or None) if reason is not None else None
    with fd.uow() as conn:
        instance = conn.execute(select(q.instances.c.id, q.instances.c.status,
                                       q.instances.c.waiting_reason,
                                       q.instances.c.waiting_note)
                                .where(q.instances.c.id == instance_id)).mappings().first()
        if instance is None:
            raise NotFound.of("instance.not_found", instance=instance_id)
        if not user.has_role("supervisor", "admin") and not _holds_task_of(conn, user,
                                                                           instance_id):
            raise Forbidden.of("instance.waiting_refused", instance=instance_id)
        if instance["status"] in FINAL_STATUSES:
            raise Conflict.of("instance.state", instance=instance_id, status=instance["status"])
        conn.execute(q.instances.update().where(q.instances.c.id == instance_id)
                     .values(waiting_reason=reason, waiting_note=note))
        changed = set_waiting(conn, fd.sla, task_id=None, instance_id=instance_id, reason=reason,
                              now=now)
        audit.record(conn, now, user.username,
                     "instance.waiting" if reason is not None else "instance.resumed",
                     instance_id=instance_id,
                     before={"waiting_reason": instance["waiting_reason"],
                             "waiting_note": instance["waiting_note"]},
                     after={"waiting_reason": reason, "waiting_note": note,
                            "clocks_changed": changed})


def _holds_task_of(conn: object, user: Principal, instance_id: int) -> bool:
    return conn.execute(select(q.tasks.c.id).where(  # type: ignore[attr-defined]
        q.tasks.c.instance_id == instance_id, q.tasks.c.assignee == user.username,
        q.IS_ACTIVE).limit(1)).first() is not None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None

