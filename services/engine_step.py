"""The engine step: the one way a stored instance moves.

Every caller that advances an instance (completing a task, cancelling, retrying, firing a timer,
throwing a message or signal, moving a timer) goes through ``step``: take the live workflow
(parked by the previous call, else rebuilt from the stored state), run one engine call on it,
write the new state under the optimistic lock, and sync what the engine reported: human-task
rows, SLA clocks, due timers, host actions, incidents. Starting an instance (``instances.start_in``)
has no stored state to load; it syncs its first result with the same ``apply_result``. The live
workflow is parked again only once the unit of work has committed.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import RowMapping

from engine.live_cache import LIVE_PER_SAVED_BYTE
from engine.parsing import ParsedDefinition
from engine.step_result import OpenTask, StepResult
from services import audit, due_work, external_task_rows, metrics, subscriptions
from services.context import Flowdesk
from services.errors import Stale
from services.identity import user_exists
from services.plain_json import json_safe
from services.sla import clocks as sla
from store import queries as q
from store.fast_sql import insert_returning_id
from store.tables import Incident
from store.uow import UnitOfWork

ACTIVE_TASK_STATES = q.ACTIVE
FINAL_STATUSES = ("completed", "cancelled")
PRIORITY_NAMES = {"low": 25, "normal": 50, "medium": 50, "high": 75, "urgent": 100}

Instance = RowMapping | dict  # needs id, version, process_key, business_key (definition_id)
Run = Callable[[ParsedDefinition, Any], StepResult]


def priority_of(variables: dict) -> int:
    raw = variables.get("priority")
    if isinstance(raw, bool) or raw is None:
        return 50
    if isinstance(raw, (int, float)):
        return max(0, min(100, int(raw)))
    return PRIORITY_NAMES.get(str(raw).lower(), 50)


def load_workflow(fd: Flowdesk, uow: UnitOfWork, instance_id: int, definition_id: int,
                  version: int) -> tuple[ParsedDefinition, Any]:
    """The live workflow for this exact row version: the parked one, else rebuilt from state."""
    parsed = fd.parsed(uow, definition_id)
    wf = fd.workflows.take(instance_id, version)
    if wf is None:
        state = uow.execute(q.INSTANCE_STATE, {"instance_id": instance_id}).scalar_one()
        wf = fd.runtime.loads(parsed, state)
    return parsed, wf


def keep_live(fd: Flowdesk, uow: UnitOfWork, instance_id: int, version: int, status: str,
              wf: object, saved_chars: int | None = None) -> None:
    """Park the live workflow for the next call, once this unit of work has committed
    (``saved_chars``: the length of its saved state, for the cache's byte bound)."""
    if status not in (*FINAL_STATUSES, "error"):
        nbytes = None if saved_chars is None else saved_chars * LIVE_PER_SAVED_BYTE
        uow.after_commit(lambda: fd.workflows.put(instance_id, version, wf, nbytes))


def step(uow: UnitOfWork, fd: Flowdesk, instance: Instance, run: Run, now: datetime, *,
         known_open: dict[str, int] | None = None,
         untouched_on: tuple[type[Exception], ...] = ()) -> tuple[StepResult, list[dict]]:
    """One engine step on a stored instance; returns the engine's result and the new task rows.

    ``known_open``: the instance's open tasks (guid -> id) when the caller has read them
    already. ``untouched_on``: errors after which the workflow is known to be unchanged (a
    form that fails its schema), so it is parked again instead of rebuilt next time.
    """
    parsed, wf = load_workflow(fd, uow, instance["id"], instance["definition_id"],
                               instance["version"])
    try:
        result = run(parsed, wf)
    except untouched_on:
        fd.workflows.put(instance["id"], instance["version"], wf)
        raise
    state = fd.runtime.dumps(wf)
    version = save_state(uow, instance, state, result, now)
    new_tasks = apply_result(uow, fd, instance, result, now, known_open=known_open,
                             timers=parsed.has_timers, catches=parsed.catches_events,
                             externals=parsed.has_external_tasks)
    keep_live(fd, uow, instance["id"], version, result.status, wf, len(state))
    return result, new_tasks


def save_state(uow: UnitOfWork, instance: Instance, state: str, result: StepResult,
               now: datetime) -> int:
    """Write the new state if nobody else did since we read it (optimistic lock)."""
    new_version = instance["version"] + 1
    status = result.status
    if instance.get("status") == "suspended" and status not in (*FINAL_STATUSES, "error"):
        status = "suspended"  # an admin's correction does not resume it
    params = {"instance_id": instance["id"], "seen_version": instance["version"],
              "new_state": state, "new_version": new_version,
              "new_variables": json_safe(result.variables), "now": now}
    if status == instance.get("status") and status not in FINAL_STATUSES:
        changed = q.FAST_SAVE_STATE_SAME_STATUS.rowcount(uow, params)  # ended_at stays empty
    else:
        changed = q.FAST_SAVE_STATE.rowcount(uow, {
            **params, "new_status": status,
            "ended": now if result.status in FINAL_STATUSES else None})
    if changed != 1:
        raise Stale.of("instance.changed", instance=instance["id"])
    return new_version


def apply_result(uow: UnitOfWork, fd: Flowdesk, instance: Instance, result: StepResult,
                 now: datetime, known_open: dict[str, int] | None = None,
                 new: bool = False, timers: bool = True, catches: bool = True,
                 externals: bool = True) -> list[dict]:
    """Sync human-task rows, external-task rows, incidents, due timers and event subscriptions
    with the engine's view, and put what it threw for other instances in the outbox; return the
    new task rows. ``new``: the instance was just created, so it has no rows to compare with;
    ``timers`` / ``catches`` / ``externals``: False when its process has no timer / catches no
    message or signal / has no external task at all, so it has no such rows."""
    if result.status in FINAL_STATUSES:
        due_work.cancel_instance_work(uow, instance["id"])
        sla.on_instance_ended(uow, fd.sla, instance["id"], now,
                              cancelled=result.status == "cancelled")
        if catches:
            subscriptions.drop(uow, instance["id"])
    else:
        if timers:
            due_work.sync_timers(uow, instance["id"], result.waiting_timers, now,
                                 known_empty=new)
        if catches:
            subscriptions.sync(uow, instance, result.subscriptions, now, known_empty=new)
    if externals:
        external_task_rows.sync(uow, instance["id"], result.external_tasks, now,
                                known_empty=new)
    if result.thrown:
        subscriptions.record_thrown(uow, instance, result.thrown, now)
    # A failed step reports no open tasks (the engine stopped): the rows stay as they were
    # until the retry's step, which knows again what is open (completing one is refused while
    # the instance is in error).
    new_rows = ([] if result.incident is not None else
                _sync_tasks(uow, fd, instance, result, now, known_open, new))
    if result.host_actions:
        fd.hooks.perform(uow, instance, result.host_actions, now)
    if result.incident is not None:
        i = result.incident
        uow.execute(insert(Incident).values(
            instance_id=instance["id"], kind=i.kind, task_guid=i.task_guid, bpmn_id=i.bpmn_id,
            task_name=i.task_name, message=i.message, line=i.line, error_line=i.error_line,
            created_at=now))
        audit.stage(uow, now, "engine", "instance.incident", instance_id=instance["id"],
                    after={"kind": i.kind, "bpmn_id": i.bpmn_id, "message": i.message[:500]})
    metrics.count_step(uow, instance["process_key"], result.status,
                       result.incident is not None, new_rows, started=new)
    return new_rows


def _sync_tasks(uow: UnitOfWork, fd: Flowdesk, instance: Instance, result: StepResult,
                now: datetime, known_open: dict[str, int] | None, new: bool) -> list[dict]:
    """Cancel the human-task rows the engine withdrew and insert the ones it opened."""
    if new:
        known_open = {}
    if known_open is None:
        known_open = dict(uow.execute(q.OPEN_TASKS_OF,
                                      {"instance_id": instance["id"]}).tuples().all())
    still_open = {t.guid for t in result.open_tasks}
    gone = [task_id for guid, task_id in known_open.items() if guid not in still_open]
    if gone:
        uow.execute(q.tasks.update().where(q.tasks.c.id.in_(gone), q.IS_ACTIVE)
                    .values(state="cancelled", completed_at=now))
        sla.on_tasks_closed(uow, fd.sla, gone, now, cancelled=True)
        for task_id in gone:  # withdrawn by the process (an interrupting event, a cancel)
            audit.record(uow, now, "engine", "task.cancelled", instance_id=instance["id"],
                         task_id=task_id, after={"state": "cancelled",
                                                 "instance_status": result.status})
    new_rows = [task_row(fd, instance, t, now) for t in result.open_tasks
                if t.guid not in known_open]
    for row in new_rows:
        if row["assignee"] and not user_exists(uow, row["assignee"]):
            audit.record(uow, now, "engine", "task.assignee_unknown",
                         instance_id=instance["id"],
                         after={"bpmn_id": row["bpmn_id"], "assignee": row["assignee"]})
            row.update(assignee=None, state="open", claimed_at=None)  # left to its lane
    if new_rows:  # one row: a plain INSERT … RETURNING, cheaper than the executemany path
        if len(new_rows) == 1:
            ids = [insert_returning_id(q.tasks, tuple(new_rows[0])).rows(
                uow, new_rows[0])[0]["id"]]
        else:
            ids = uow.execute(q.INSERT_TASKS, new_rows).scalars().all()
        for row, task_id in zip(new_rows, ids):
            row["id"] = task_id
            audit.stage(uow, now, "engine", "task.opened", instance_id=instance["id"],
                        task_id=task_id, after={"group": row["candidate_group"],
                                                "assignee": row["assignee"]})
        sla.on_tasks_created(uow, fd.sla, instance, new_rows, now)
    return new_rows


def task_row(fd: Flowdesk, instance: Instance, t: OpenTask, now: datetime) -> dict:
    """The human-task row of a task the engine opened. The registered task rules (``hooks``)
    may raise its priority or give it an assignee before it is written."""
    row = {
        "task_guid": t.guid, "instance_id": instance["id"],
        "process_key": instance["process_key"], "business_key": instance["business_key"],
        "bpmn_id": t.bpmn_id, "name": t.name, "documentation": t.documentation,
        "candidate_group": t.candidate_groups[0] if t.candidate_groups else None,
        "assignee": t.assignee, "state": "open", "form_schema": t.form_schema,
        "data": json_safe(t.data), "priority": priority_of(t.data), "due_at": None,
        "created_at": now, "claimed_at": None, "completed_at": None, "completed_by": None}
    fd.hooks.shape_task(row, t.data)
    if row["assignee"]:
        row.update(state="claimed", claimed_at=now)
    return row
