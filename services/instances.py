"""Start, cancel and retry process instances and correct their variables (reading instances:
``instance_reads``; the step that moves a stored instance: ``engine_step``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from engine.start_form import validate_start
from engine.variable_schemas import validate_variables
from services import audit, customer_reads, customers, due_work, external_task_rows
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, apply_result, keep_live, step
from services.errors import Conflict, Invalid, NotFound, coded_field
from services.instance_reads import get_instance, list_instances  # noqa: F401 - the routes' service
from services.plain_json import json_safe
from services.principal import Principal, require_role
from services.sla import clocks as sla
from services.suspension import require_reason
from services.visibility import SEES_ALL, case_visible, refuse_case, require_may_start
from store import queries as q
from store.fast_sql import insert_returning_id
from store.uow import UnitOfWork


def find_definition(uow: UnitOfWork, key: str, version: int | None) -> RowMapping:
    if version is None:
        rows = q.FAST_LATEST_DEFINITION.rows(uow, {"key": key})
        row = rows[0] if rows else None
    else:
        row = uow.execute(q.DEFINITION_VERSION,
                              {"key": key, "version": version}).mappings().first()
    if row is None:
        if version is not None:
            raise NotFound.of("process.version_not_deployed", process=key, version=version)
        raise NotFound.of("process.not_deployed", process=key)
    return row


def start_instance(fd: Flowdesk, user: Principal, process_key: str, version: int | None = None,
                   business_key: str | None = None, variables: dict | None = None,
                   customer_id: int | None = None,
                   related_case_no: str | None = None) -> dict:
    """Create and run an instance to its first wait; returns its detail without a re-read.
    Only who may start the process does (``visibility.require_may_start``: from the cached
    parsed definition, no statement of its own).

    ``variables`` given (the 新建案件 page always sends them) are the start form's: checked
    against it as a task's form is (422 per field). Left out (None), the instance starts
    without intake data and its first task collects it, as before processes had start forms.

    The detail answered carries the named customer's full record (the ``customer`` variable):
    that is a read of it, audited (``customer.read`` via ``instance.started``) in the same
    transaction; scheduled and event starts (``start_in``) show it to nobody."""
    now = fd.now()
    with fd.uow() as uow:
        definition = find_definition(uow, process_key, version)
        parsed = fd.parsed(uow, definition["id"])
        require_may_start(user, definition["key"], parsed.start_lanes, parsed.starters)
        if variables is not None:
            validate_start(parsed.start_form, variables, customer_id is not None)
        detail = start_in(uow, fd, user.username, definition, business_key, variables, now,
                          customer_id, related_case_no)
        if customer_id is not None:
            customer_reads.record(uow, fd, user, customer_id, via="instance.started",
                                  instance_id=detail["id"])
        return detail


def start_in(uow: UnitOfWork, fd: Flowdesk, actor: str, definition: RowMapping,
             business_key: str | None, variables: dict | None, now: datetime,
             customer_id: int | None = None, related_case_no: str | None = None,
             start_event: str | None = None, event: tuple[str, str, dict] | None = None) -> dict:
    """Start an instance inside the caller's unit of work (an API call or a scheduled start).

    The instance gets its case number, and the process sees ``case_no``, ``initiator`` (who
    started it), ``customer`` (the customer's record, if one is named) and ``related_case_no``
    as variables. ``event``: the (kind, name, variables) of the message or signal that starts
    it at its message or signal start event."""
    parsed = fd.parsed(uow, definition["id"])
    if related_case_no is not None and not customers.case_exists(uow, related_case_no):
        raise Invalid.of("case.no_such_related",
                         [coded_field("related_case_no", "field.unknown_case")],
                         case=related_case_no)
    case_no = customers.take_case_no(fd, uow, parsed.case_prefix, now)
    provided = (fd.hooks.start_data(uow, parsed.start_data, now, fd.settings.timezone)
                if parsed.start_data else {})
    given = {**provided, **(variables or {}), "case_no": case_no, "initiator": actor}
    if customer_id is not None:
        given["customer"] = customers.load(uow, customer_id)
    if related_case_no is not None:
        given["related_case_no"] = related_case_no
    wf, result = fd.runtime.start(parsed, given, start_event, event)
    row = {"definition_id": definition["id"], "process_key": definition["key"],
           "business_key": business_key, "case_no": case_no, "customer_id": customer_id,
           "related_case_no": related_case_no, "status": result.status,
           "serializer_version": fd.runtime.serializer.version,
           "spiff_version": fd.runtime.serializer.spiff_version,
           "variables": json_safe(result.variables), "version": 1,
           "started_by": actor, "started_at": now, "updated_at": now,
           "ended_at": now if result.status in FINAL_STATUSES else None}
    state = fd.runtime.dumps(wf)
    row["id"] = insert_returning_id(q.instances, (*row, "state")).rows(
        uow, {**row, "state": state})[0]["id"]
    if result.status not in FINAL_STATUSES:
        sla.on_instance_started(uow, fd.sla, row, now)
    tasks = apply_result(uow, fd, row, result, now, new=True, timers=parsed.has_timers,
                         catches=parsed.catches_events, externals=parsed.has_external_tasks)
    trail = {"action": "instance.started", "actor": actor, "at": now,
             "task_id": None, "before": None,
             "after": {"status": result.status, "version": definition["version"],
                       "business_key": business_key}}
    trail["id"] = audit.record(uow, now, actor, "instance.started",
                               instance_id=row["id"], definition_id=definition["id"],
                               after=trail["after"])
    # A new instance's only incident is the one its first step just recorded (with its id).
    incidents = ([dict(uow.execute(select(q.incidents).where(
        q.incidents.c.instance_id == row["id"])).mappings().one())] if result.incident else [])
    keep_live(fd, uow, row["id"], 1, result.status, wf, len(state))
    return {**row, "open_tasks": tasks, "audit": [trail], "incidents": incidents}


def _load_for_admin(uow: UnitOfWork, instance_id: int) -> RowMapping:
    """The instance's head row (no state), or 404."""
    instance = uow.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().first()
    if instance is None:
        raise NotFound.of("instance.not_found", instance=instance_id)
    return instance


def cancel_instance(fd: Flowdesk, user: Principal, instance_id: int, reason: str = "") -> None:
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as uow:
        instance = _load_for_admin(uow, instance_id)
        if instance["status"] in FINAL_STATUSES:
            raise Conflict.of("instance.already_ended", instance=instance_id,
                              status=instance["status"])
        step(uow, fd, instance, lambda _parsed, wf: fd.runtime.cancel(wf), now)
        audit.record(uow, now, user.username, "instance.cancelled", instance_id=instance_id,
                     before={"status": instance["status"]},
                     after={"status": "cancelled", "reason": reason})


def retry_instance(fd: Flowdesk, user: Principal, instance_id: int,
                   variables: dict | None = None) -> None:
    """Resolve an instance's open incidents and run its failed tasks again, optionally with
    corrected variables (admin only). External tasks whose worker gave up are fetchable again
    with one retry, and get the corrected variables too."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as uow:
        instance = _load_for_admin(uow, instance_id)
        if instance["status"] != "error":
            raise Conflict.of("instance.not_in_error", instance=instance_id,
                              status=instance["status"])
        uow.execute(q.incidents.update().where(q.incidents.c.instance_id == instance_id,
                                                   q.incidents.c.resolved_at.is_(None))
                        .values(resolved_at=now))
        rearmed = due_work.rearm_failed(uow, instance_id, now)
        reopened = (external_task_rows.reopen_incidents(uow, instance_id, now)
                    if fd.parsed(uow, instance["definition_id"]).has_external_tasks else [])
        result, _ = step(uow, fd, instance, lambda parsed, wf: fd.runtime.retry(
            parsed, wf, variables, external=tuple(reopened)), now)
        audit.record(uow, now, user.username, "instance.retried", instance_id=instance_id,
                     before={"status": "error"},
                     after={"status": result.status, "variables": json_safe(variables or {}),
                            "due_work_rearmed": rearmed, "external_tasks_reopened": len(reopened)})


def update_variables(fd: Flowdesk, user: Principal, instance_id: int, variables: dict,
                     reason: str) -> None:
    """Set variables of a running (or suspended) instance: admins and supervisors, with a
    reason. A variable a form declares must satisfy that field's schema (422 naming it,
    ``engine.variable_schemas``). The change is an engine step, so conditional events waiting
    on these variables see it, and it is saved under the optimistic lock; the audit keeps the
    values before and after of the keys it changed, and the reason. An instance in error is
    retried with its corrections instead (``retry_instance``)."""
    require_role(user, *SEES_ALL)
    reason = require_reason(reason)
    now = fd.now()
    with fd.uow() as uow:
        instance = _load_for_admin(uow, instance_id)
        if instance["status"] in FINAL_STATUSES:
            raise Conflict.of("instance.variables_ended", instance=instance_id,
                              status=instance["status"])
        if instance["status"] == "error":
            raise Conflict.of("instance.variables_in_error", instance=instance_id)
        validate_variables(fd.parsed(uow, instance["definition_id"]), variables)
        before = uow.scalar(select(q.instances.c.variables)
                            .where(q.instances.c.id == instance_id)) or {}
        result, _ = step(uow, fd, instance, lambda parsed, wf: fd.runtime.update_variables(
            parsed, wf, variables), now)
        given = json_safe(variables)
        changed = [key for key in given if key not in before or before[key] != given[key]]
        audit.record(uow, now, user.username, "instance.variables_updated",
                     instance_id=instance_id, before={k: before.get(k) for k in changed},
                     after={**{k: given[k] for k in changed}, "status": result.status,
                            "reason": reason})


def get_variables(fd: Flowdesk, user: Principal, instance_id: int) -> dict:
    """The instance's variables in full, for whoever may read the case in full (the rule of
    ``visibility``; masked summaries are the look-up's). The read is audited as
    ``instance.variables_read``, and as ``customer.read`` when they carry the customer."""
    with fd.uow() as uow:
        row = uow.execute(select(q.instances.c.variables, q.instances.c.status,
                                 case_visible(user).label("visible"))
                          .where(q.instances.c.id == instance_id)).mappings().first()
        if row is None:
            raise NotFound.of("instance.not_found", instance=instance_id)
        if not row["visible"]:
            raise refuse_case(user, instance_id)
        variables = row["variables"] or {}
        audit.record(uow, fd.now(), user.username, "instance.variables_read",
                     instance_id=instance_id, after={"names": sorted(variables)})
    customer_reads.record_if_shown(fd, user, variables, instance_id, "instance.variables")
    return {"instance_id": instance_id, "status": row["status"], "variables": variables}
