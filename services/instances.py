"""Start, cancel and retry process instances; write what the engine reported (reading
instances: ``instance_reads``)."""
from __future__ import annotations

import functools
import json
from datetime import datetime
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.engine import RowMapping

from engine.parsing import ParsedDefinition
from engine.runtime import OpenTask, StepResult

from store import queries as q
from services.principal import Principal, require_role
from services.context import Flowdesk
from services.errors import Conflict, Invalid, NotFound, Stale
from store.fast_sql import Prepared, insert_of
from store.tables import Incident
from services import audit
from services import customers
from services import due_work
from services import host_ops
from services import providers
from services import sla
from services.identity import user_exists
from services.instance_reads import get_instance, list_instances  # noqa: F401 - the routes' service

ACTIVE_TASK_STATES = q.ACTIVE
FINAL_STATUSES = ("completed", "cancelled")
PRIORITY_NAMES = {"low": 25, "normal": 50, "medium": 50, "high": 75, "urgent": 100}


def json_safe(value: Any) -> Any:
    """Task data as plain JSON (dates become ISO strings) for the JSON columns."""
    return json.loads(json.dumps(value, default=str))


def priority_of(variables: dict) -> int:
    raw = variables.get("priority")
    if isinstance(raw, bool) or raw is None:
        return 50
    if isinstance(raw, (int, float)):
        return max(0, min(100, int(raw)))
    return PRIORITY_NAMES.get(str(raw).lower(), 50)


def apply_result(session: Connection, instance: RowMapping | dict, result: StepResult,
                 now: datetime, known_open: dict[str, int] | None = None,
                 new: bool = False, timers: bool = True) -> list[dict]:
    """Sync human-task rows, incidents and due timers with the engine's view; return the new
    task rows. ``new``: the instance was just created, so it has no rows to compare with;
    ``timers``: False when its process has no timer at all, so it has no timer rows."""
    if result.status in FINAL_STATUSES:
        due_work.cancel_instance_work(session, instance["id"])
        sla.on_instance_ended(session, instance["id"], now)
    elif timers:
        due_work.sync_timers(session, instance["id"], result.waiting_timers, now,
                             known_empty=new)
    if new:
        known_open = {}
    if known_open is None:
        known_open = dict(session.execute(q.OPEN_TASKS_OF,
                                          {"instance_id": instance["id"]}).tuples().all())
    still_open = {t.guid for t in result.open_tasks}
    gone = [task_id for guid, task_id in known_open.items() if guid not in still_open]
    if gone:
        session.execute(q.tasks.update().where(q.tasks.c.id.in_(gone),
                                               q.IS_ACTIVE)
                        .values(state="cancelled", completed_at=now))
        sla.on_tasks_closed(session, gone, now)
        for task_id in gone:  # withdrawn by the process (an interrupting event, a cancel)
            audit.record(session, now, "engine", "task.cancelled", instance_id=instance["id"],
                         task_id=task_id, after={"state": "cancelled",
                                                 "instance_status": result.status})
    new_rows = [_task_row(instance, t, now) for t in result.open_tasks if t.guid not in known_open]
    for row in new_rows:
        if row["assignee"] and not user_exists(session, row["assignee"]):
            audit.record(session, now, "engine", "task.assignee_unknown",
                         instance_id=instance["id"],
                         after={"bpmn_id": row["bpmn_id"], "assignee": row["assignee"]})
            row.update(assignee=None, state="open", claimed_at=None)  # left to its lane
    if new_rows:  # one row: a plain INSERT … RETURNING, cheaper than the executemany path
        if len(new_rows) == 1:
            ids = [_insert_task(tuple(new_rows[0])).rows(session, new_rows[0])[0]["id"]]
        else:
            ids = session.execute(q.INSERT_TASKS, new_rows).scalars().all()
        for row, task_id in zip(new_rows, ids):
            row["id"] = task_id
        sla.on_tasks_created(session, instance, new_rows, now)
    if result.host_actions:
        host_ops.perform(session, instance, result.host_actions, now)
    if result.incident is not None:
        i = result.incident
        session.execute(insert(Incident).values(
            instance_id=instance["id"], kind=i.kind, task_guid=i.task_guid, bpmn_id=i.bpmn_id,
            task_name=i.task_name, message=i.message, line=i.line, error_line=i.error_line,
            created_at=now))
    return new_rows


@functools.lru_cache(maxsize=8)
def _insert_task(keys: tuple[str, ...]) -> Prepared:
    """The one-row task INSERT for rows with these keys (``_task_row`` makes one shape)."""
    return insert_of(q.tasks, keys, q.tasks.c.id)


def _task_row(instance: RowMapping | dict, t: OpenTask, now: datetime) -> dict:
    group = t.candidate_groups[0] if t.candidate_groups else None
    assignee = t.assignee or customers.dedicated_agent(t.data, group)
    return {
        "task_guid": t.guid, "instance_id": instance["id"],
        "process_key": instance["process_key"], "business_key": instance["business_key"],
        "bpmn_id": t.bpmn_id, "name": t.name, "documentation": t.documentation,
        "candidate_group": group, "assignee": assignee,
        "state": "claimed" if assignee else "open", "form_schema": t.form_schema,
        "data": json_safe(t.data),
        "priority": max(priority_of(t.data), customers.tier_priority(t.data)), "due_at": None,
        "created_at": now, "claimed_at": now if assignee else None, "completed_at": None,
        "completed_by": None}


def save_state(session: Connection, fd: Flowdesk, instance: RowMapping | dict, state: str,
               result: StepResult, now: datetime) -> int:
    """Write the new state if nobody else did since we read it (optimistic lock)."""
    new_version = instance["version"] + 1
    changed = q.FAST_SAVE_STATE.rowcount(session, {
        "instance_id": instance["id"], "seen_version": instance["version"], "new_state": state,
        "new_status": result.status, "new_version": new_version,
        "new_variables": json_safe(result.variables), "now": now,
        "ended": now if result.status in FINAL_STATUSES else None})
    if changed != 1:
        raise Stale(f"Instance {instance['id']} was changed by someone else; reload and "
                            "retry.")
    return new_version


def find_definition(session: Connection, key: str, version: int | None) -> RowMapping:
    if version is None:
        rows = q.FAST_LATEST_DEFINITION.rows(session, {"key": key})
        row = rows[0] if rows else None
    else:
        row = session.execute(q.DEFINITION_VERSION,
                              {"key": key, "version": version}).mappings().first()
    if row is None:
        what = f"version {version} of '{key}'" if version is not None else f"'{key}'"
        raise NotFound(f"No deployed process {what}.")
    return row


def start_instance(fd: Flowdesk, user: Principal, process_key: str, version: int | None = None,
                   business_key: str | None = None, variables: dict | None = None,
                   customer_id: int | None = None,
                   related_case_no: str | None = None) -> dict:
    """Create and run an instance to its first wait; returns its detail without a re-read."""
    now = fd.now()
    with fd.tx() as session:
        definition = find_definition(session, process_key, version)
        detail, wf = start_in(session, fd, user.username, definition, business_key,
                              variables, now, customer_id, related_case_no)
    keep_live(fd, detail["id"], 1, detail["status"], wf)
    return detail


def keep_live(fd: Flowdesk, instance_id: int, version: int, status: str, wf: object) -> None:
    """Park the live workflow for the next call, once its transaction has committed."""
    if status not in (*FINAL_STATUSES, "error"):
        fd.workflows.put(instance_id, version, wf)


def start_in(session: Connection, fd: Flowdesk, actor: str, definition: RowMapping,
             business_key: str | None, variables: dict | None, now: datetime,
             customer_id: int | None = None, related_case_no: str | None = None,
             start_event: str | None = None) -> tuple[dict, object]:
    """Start an instance inside the caller's transaction (an API call or a scheduled start).

    The instance gets its case number, and the process sees ``case_no``, ``initiator`` (who
    started it), ``customer`` (the customer's record, if one is named) and ``related_case_no``
    as variables."""
    parsed = fd.parsed(session, definition["id"])
    if related_case_no is not None and not customers.case_exists(session, related_case_no):
        raise Invalid(f"No case {related_case_no} to refer to.", [
            {"field": "related_case_no", "message": "unknown case", "location": "json"}])
    case_no = customers.next_case_no(session, parsed.case_prefix, now, fd.settings.timezone)
    provided = (providers.start_data(session, parsed.start_data, now, fd.settings.timezone)
                if parsed.start_data else {})
    given = {**provided, **(variables or {}), "case_no": case_no, "initiator": actor}
    if customer_id is not None:
        given["customer"] = customers.load(session, customer_id)
    if related_case_no is not None:
        given["related_case_no"] = related_case_no
    wf, result = fd.runtime.start(parsed, given, start_event)
    row = {"definition_id": definition["id"], "process_key": definition["key"],
           "business_key": business_key, "case_no": case_no, "customer_id": customer_id,
           "related_case_no": related_case_no, "status": result.status,
           "serializer_version": fd.runtime.serializer.version,
           "spiff_version": fd.runtime.serializer.spiff_version,
           "variables": json_safe(result.variables), "version": 1,
           "started_by": actor, "started_at": now, "updated_at": now,
           "ended_at": now if result.status in FINAL_STATUSES else None}
    row["id"] = session.execute(q.INSERT_INSTANCE,
                                {**row, "state": fd.runtime.dumps(wf)}).scalar_one()
    if result.status not in FINAL_STATUSES:
        sla.on_instance_started(session, row, now)
    tasks = apply_result(session, row, result, now, new=True, timers=parsed.has_timers)
    trail = {"action": "instance.started", "actor": actor, "at": now,
             "task_id": None, "before": None,
             "after": {"status": result.status, "version": definition["version"],
                       "business_key": business_key}}
    trail["id"] = audit.record(session, now, actor, "instance.started",
                               instance_id=row["id"], definition_id=definition["id"],
                               after=trail["after"])
    incidents = ([vars(result.incident) | {"id": None, "created_at": now, "resolved_at": None}]
                 if result.incident else [])
    return {**row, "open_tasks": tasks, "audit": [trail], "incidents": incidents}, wf


def load_workflow(fd: Flowdesk, session: Connection, instance_id: int, definition_id: int,
                  version: int):  # type: ignore[no-untyped-def]
    """The live workflow for this exact row version: the parked one, else rebuilt from state."""
    parsed: ParsedDefinition = fd.parsed(session, definition_id)
    wf = fd.workflows.take(instance_id, version)
    if wf is None:
        state = session.execute(q.INSTANCE_STATE, {"instance_id": instance_id}).scalar_one()
        wf = fd.runtime.loads(parsed, state)
    return parsed, wf


def step_instance(conn: Connection, fd: Flowdesk, instance: RowMapping | dict,
                  step: Callable[[ParsedDefinition, Any], StepResult],
                  now: datetime) -> tuple[StepResult, Callable[[], None]]:
    """One engine step on a stored instance: take the live workflow, run ``step(parsed, wf)``,
    save the new state (optimistic lock) and sync what the engine reported. Returns the result
    and what to run once the transaction has committed (parking the live workflow)."""
    parsed, wf = load_workflow(fd, conn, instance["id"], instance["definition_id"],
                               instance["version"])
    result = step(parsed, wf)
    version = save_state(conn, fd, instance, fd.runtime.dumps(wf), result, now)
    apply_result(conn, instance, result, now, timers=parsed.has_timers)
    return result, lambda: keep_live(fd, instance["id"], version, result.status, wf)


def _load_for_admin(session: Connection, instance_id: int) -> RowMapping:
    """The instance's head row (no state), or 404."""
    instance = session.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().first()
    if instance is None:
        raise NotFound(f"No process instance {instance_id}.")
    return instance


def cancel_instance(fd: Flowdesk, user: Principal, instance_id: int, reason: str = "") -> None:
    require_role(user, "admin")
    now = fd.now()
    with fd.tx() as session:
        instance = _load_for_admin(session, instance_id)
        if instance["status"] in FINAL_STATUSES:
            raise Conflict(f"Instance {instance_id} is already {instance['status']}.")
        step_instance(session, fd, instance, lambda _parsed, wf: fd.runtime.cancel(wf), now)
        audit.record(session, now, user.username, "instance.cancelled", instance_id=instance_id,
                     before={"status": instance["status"]},
                     after={"status": "cancelled", "reason": reason})


def retry_instance(fd: Flowdesk, user: Principal, instance_id: int,
                   variables: dict | None = None) -> None:
    """Resolve an instance's open incidents and run its failed tasks again, optionally with
    corrected variables (admin only)."""
    require_role(user, "admin")
    now = fd.now()
    with fd.tx() as session:
        instance = _load_for_admin(session, instance_id)
        if instance["status"] != "error":
            raise Conflict(f"Instance {instance_id} is {instance['status']}, not in error.")
        session.execute(q.incidents.update().where(q.incidents.c.instance_id == instance_id,
                                                   q.incidents.c.resolved_at.is_(None))
                        .values(resolved_at=now))
        rearmed = due_work.rearm_failed(session, instance_id, now)
        result, park = step_instance(
            session, fd, instance, lambda parsed, wf: fd.runtime.retry(parsed, wf, variables), now)
        audit.record(session, now, user.username, "instance.retried", instance_id=instance_id,
                     before={"status": "error"},
                     after={"status": result.status, "variables": json_safe(variables or {}),
                            "due_work_rearmed": rearmed})
    park()
