"""External tasks for outside workers, in Camunda's fetch-and-lock pattern.

A worker (a machine account with the role ``worker``, or an admin) asks for open tasks of some
topics and locks them for a while (``fetch_and_lock``); it then completes each with variables,
reports a failure (tried again after a timeout while retries are left, else an incident an
admin retries), throws a BPMN error that an error boundary event catches, or extends its lock.
An expired lock makes the task fetchable by any worker, and the first worker's answer a 409.

Two workers never get the same task: on PostgreSQL the fetch selects with ``FOR UPDATE SKIP
LOCKED`` and locks in the same transaction; on SQLite every writing unit of work holds the
database's single write lock (``store.database``: BEGIN IMMEDIATE). Time is the app's clock
(``fd.now()``). Every change is audited on the instance; the rows are kept in step with the
engine by ``external_task_rows``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, or_, select

from engine.errors import ErrorNotCaught, TaskNotFound, TaskNotReady
from engine.external_tasks import INTERNAL_TOPIC_PREFIX
from engine.parsing import ParsedDefinition

from services import audit
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, step
from services.errors import Conflict, Invalid, NotFound, Stale, field_error
from services.instance_errors import stop_in_error
from services.plain_json import json_safe
from services.principal import Principal, require_role
from store import queries as q
from store.queries import page_of
from store.tables import ExternalTask
from store.uow import UnitOfWork

ext = ExternalTask.__table__
WORKER_ROLES = ("worker", "admin")
STALE_RETRIES = 3  # another step of the same instance won the race: reload and try again
instances = q.instances

FETCHABLE = (
    select(ext.c.id, ext.c.topic, ext.c.instance_id, ext.c.bpmn_id, ext.c.retries,
           ext.c.input, ext.c.priority, ext.c.error_message, ext.c.error_details,
           instances.c.process_key, instances.c.business_key, instances.c.variables)
    .join(instances, instances.c.id == ext.c.instance_id)
    .where(ext.c.topic.in_(bindparam("topics", expanding=True)), ext.c.state == "open",
           or_(ext.c.lock_expires_at.is_(None), ext.c.lock_expires_at <= bindparam("now")),
           or_(ext.c.retry_at.is_(None), ext.c.retry_at <= bindparam("now")),
           q.one_of(instances.c.status, ("running", "waiting")))
    .order_by(ext.c.priority.desc(), ext.c.created_at, ext.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=ext))

# Whether anything could be fetched, read without the write lock: an empty poll (the common
# case, many workers asking every second or two) then costs no writer anything on SQLite.
ANY_FETCHABLE = select(ext.c.id).where(
    ext.c.topic.in_(bindparam("topics", expanding=True)), ext.c.state == "open",
    or_(ext.c.lock_expires_at.is_(None), ext.c.lock_expires_at <= bindparam("now")),
    or_(ext.c.retry_at.is_(None), ext.c.retry_at <= bindparam("now"))).limit(1)

# A worker's answer locks the instance first (PostgreSQL), as a firing timer does, so the two
# take their locks in the same order: instance, then its external-task rows.
WITH_INSTANCE = (
    select(ext, instances.c.status.label("instance_status"),
           instances.c.version.label("instance_version"), instances.c.definition_id,
           instances.c.process_key, instances.c.business_key)
    .join(instances, instances.c.id == ext.c.instance_id)
    .where(ext.c.id == bindparam("task_id"))
    .with_for_update(of=instances))

# Changes a worker makes hold only while its lock does (the row may have moved since it was
# read: another worker fetched it after the lock expired, or the process withdrew it).
STILL_LOCKED = and_(ext.c.id == bindparam("task_id"), ext.c.state == "open",
                    ext.c.worker_id == bindparam("worker"),
                    ext.c.lock_expires_at > bindparam("now"))


def _ms(milliseconds: int) -> timedelta:
    return timedelta(milliseconds=milliseconds)


# -- fetch and lock ------------------------------------------------------------------------

def fetch_and_lock(fd: Flowdesk, user: Principal, worker_id: str, topics: list[dict],
                   max_tasks: int, internal: bool = False) -> list[dict]:
    """Lock up to ``max_tasks`` open tasks of the ``topics`` (``{name, lock_duration}`` in
    ms, optionally ``variables``: the names to return) for ``worker_id``: highest priority,
    then oldest, first. Skipped: tasks locked by a worker, waiting for their retry time, in
    an incident, or of an instance in error. Topics starting with ``flowdesk.`` are fetched
    by Flowdesk's own connector worker only (``internal``)."""
    require_role(user, *WORKER_ROLES)
    own = [t["name"] for t in topics if t["name"].startswith(INTERNAL_TOPIC_PREFIX)]
    if own and not internal:
        raise Invalid(f"Topics starting with '{INTERNAL_TOPIC_PREFIX}' are Flowdesk's own "
                      f"connectors' work: {', '.join(own)}.",
                      [field_error("topics", "reserved topic")])
    by_name = {t["name"]: t for t in topics}
    now = fd.now()
    with fd.uow(read_only=True) as uow:
        if uow.execute(ANY_FETCHABLE, {"topics": list(by_name), "now": now}).first() is None:
            return []
    with fd.uow() as uow:
        rows = uow.execute(FETCHABLE, {"topics": list(by_name), "now": now,
                                       "limit": max_tasks}).mappings().all()
        expiry = {name: now + _ms(topic["lock_duration"]) for name, topic in by_name.items()}
        for name in {row["topic"] for row in rows}:  # one lock duration per topic
            uow.execute(ext.update().where(ext.c.id.in_(
                [row["id"] for row in rows if row["topic"] == name])).values(
                worker_id=worker_id, lock_expires_at=expiry[name], updated_at=now))
        return [_locked(uow, user, worker_id, row, by_name[row["topic"]], expiry[row["topic"]],
                        now) for row in rows]


def _locked(uow: UnitOfWork, user: Principal, worker_id: str, row: RowMapping, topic: dict,
            expires: datetime, now: datetime) -> dict:
    """A fetched task as the worker gets it (its variables, or the names the topic asked
    for), its locking audited on its instance."""
    audit.record(uow, now, user.username, "external_task.locked",
                 instance_id=row["instance_id"], after={
                     "external_task_id": row["id"], "topic": row["topic"],
                     "worker_id": worker_id, "lock_expires_at": expires.isoformat()})
    names = topic.get("variables")
    variables = dict(row["variables"] or {})
    if names is not None:
        variables = {k: v for k, v in variables.items() if k in names}
    return {**{k: v for k, v in row.items() if k != "variables"}, "worker_id": worker_id,
            "lock_expires_at": expires, "variables": variables}


# -- a worker's answers --------------------------------------------------------------------

def _held(uow: UnitOfWork, task_id: int, worker_id: str, now: datetime) -> RowMapping:
    """The task with its instance, if ``worker_id`` holds its lock now; else why not."""
    row = uow.execute(WITH_INSTANCE, {"task_id": task_id}).mappings().first()
    if row is None:
        raise NotFound(f"No external task {task_id}.")
    if row["state"] != "open":
        raise Conflict(f"External task {task_id} is {row['state']}, not open.")
    if row["worker_id"] != worker_id or row["lock_expires_at"] is None:
        holder = (f"; worker '{row['worker_id']}' holds it"
                  if row["worker_id"] and row["lock_expires_at"] and row["lock_expires_at"] > now
                  else "")
        raise Conflict(f"External task {task_id} is not locked by worker '{worker_id}'"
                       f"{holder}.")
    if row["lock_expires_at"] <= now:
        raise Conflict(f"The lock of worker '{worker_id}' on external task {task_id} expired "
                       f"at {row['lock_expires_at'].isoformat()}; fetch it again.")
    if row["instance_status"] in (*FINAL_STATUSES, "error"):
        raise Conflict(f"The instance of external task {task_id} is "
                       f"{row['instance_status']}.")
    return row


def _update_held(uow: UnitOfWork, row: RowMapping, now: datetime, **values: Any) -> None:
    """Change the task only while the worker's lock still holds (a race lost is a 409)."""
    changed = uow.execute(ext.update().where(STILL_LOCKED).values(updated_at=now, **values),
                          {"task_id": row["id"], "worker": row["worker_id"], "now": now}
                          ).rowcount
    if changed != 1:
        raise Conflict(f"External task {row['id']} changed meanwhile; fetch it again.")


def _instance(row: RowMapping) -> dict:
    return {"id": row["instance_id"], "version": row["instance_version"],
            "definition_id": row["definition_id"], "process_key": row["process_key"],
            "business_key": row["business_key"]}


def _retrying_stale(operation: Callable[[], dict]) -> dict:
    """Another step of the same instance (a parallel branch) committed first: try again."""
    for attempt in range(STALE_RETRIES):
        try:
            return operation()
        except Stale:
            if attempt == STALE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def complete(fd: Flowdesk, user: Principal, task_id: int, worker_id: str,
             variables: dict) -> dict:
    """The worker did the work: its variables go to the process, which runs on."""
    require_role(user, *WORKER_ROLES)
    return _retrying_stale(lambda: _complete_once(fd, user, task_id, worker_id, variables))


def _complete_once(fd: Flowdesk, user: Principal, task_id: int, worker_id: str,
                   variables: dict) -> dict:
    now = fd.now()
    with fd.uow() as uow:
        row = _held(uow, task_id, worker_id, now)
        _update_held(uow, row, now, state="done", lock_expires_at=None)
        result, _ = step(uow, fd, _instance(row), lambda parsed, wf: fd.runtime.complete_external(
            parsed, wf, row["task_guid"], variables), now,
            untouched_on=(TaskNotReady, TaskNotFound))
        audit.record(uow, now, user.username, "external_task.completed",
                     instance_id=row["instance_id"], after={
                         "external_task_id": task_id, "worker_id": worker_id,
                         "variables": json_safe(variables), "instance_status": result.status})
    return {"id": task_id, "instance_id": row["instance_id"], "instance_status": result.status,
            "incident": result.incident.message if result.incident else None}


def bpmn_error(fd: Flowdesk, user: Principal, task_id: int, worker_id: str, error_code: str,
               error_message: str = "", variables: dict | None = None) -> dict:
    """A business error (the card was declined): the error boundary event that catches the
    code takes over and the task ends. Nothing catches it: 422, nothing changed."""
    require_role(user, *WORKER_ROLES)
    return _retrying_stale(lambda: _bpmn_error_once(fd, user, task_id, worker_id, error_code,
                                                    error_message, variables or {}))


def _bpmn_error_once(fd: Flowdesk, user: Principal, task_id: int, worker_id: str,
                     error_code: str, error_message: str, variables: dict) -> dict:
    now = fd.now()
    with fd.uow() as uow:
        row = _held(uow, task_id, worker_id, now)
        _update_held(uow, row, now, state="done", lock_expires_at=None,
                     error_message=f"BPMN error {error_code}: {error_message}".rstrip(": "))
        try:
            result, _ = step(uow, fd, _instance(row), lambda parsed, wf:
                             fd.runtime.throw_external_error(parsed, wf, row["task_guid"],
                                                             error_code, error_message,
                                                             variables), now,
                             untouched_on=(ErrorNotCaught, TaskNotReady, TaskNotFound))
        except ErrorNotCaught as exc:
            raise Invalid(str(exc), [field_error("error_code", "no error boundary event "
                                                 "catches this code")]) from None
        audit.record(uow, now, user.username, "external_task.bpmn_error",
                     instance_id=row["instance_id"], after={
                         "external_task_id": task_id, "worker_id": worker_id,
                         "error_code": error_code, "error_message": error_message,
                         "variables": json_safe(variables), "instance_status": result.status})
    return {"id": task_id, "instance_id": row["instance_id"], "instance_status": result.status,
            "incident": result.incident.message if result.incident else None}


def failure(fd: Flowdesk, user: Principal, task_id: int, worker_id: str, error_message: str,
            error_details: str | None, retries: int, retry_timeout: int) -> dict:
    """The worker could not do the work. With ``retries`` left the task is fetchable again
    after ``retry_timeout`` ms; with none it becomes an incident: the instance stops in
    ``error`` until an admin retries it (``instances.retry_instance``)."""
    require_role(user, *WORKER_ROLES)
    now = fd.now()
    with fd.uow() as uow:
        row = _held(uow, task_id, worker_id, now)
        retry_at = now + _ms(retry_timeout) if retries > 0 else None
        state = "open" if retries > 0 else "incident"
        _update_held(uow, row, now, state=state, worker_id=None, lock_expires_at=None,
                     retries=retries, retry_at=retry_at, error_message=error_message,
                     error_details=error_details)
        if retries == 0:
            _incident(uow, fd, row, error_message, now)
        audit.record(uow, now, user.username, "external_task.failed",
                     instance_id=row["instance_id"], after={
                         "external_task_id": task_id, "worker_id": worker_id,
                         "error_message": error_message, "retries": retries,
                         "retry_at": retry_at.isoformat() if retry_at else None,
                         "state": state})
        return _row_of(uow, task_id)


def _incident(uow: UnitOfWork, fd: Flowdesk, row: RowMapping, message: str,
              now: datetime) -> None:
    """Retries used up: the instance stops in ``error`` with an incident to retry (the task is
    still the worker's to do)."""
    stop_in_error(uow, row["instance_id"], now, kind="external_task_failed",
                  task_guid=row["task_guid"], bpmn_id=row["bpmn_id"],
                  task_name=_element_name(fd.parsed(uow, row["definition_id"]), row["bpmn_id"]),
                  message=f"External task {row['id']} ({row['topic']}) failed and has no "
                          f"retries left: {message}")


def _element_name(parsed: ParsedDefinition, bpmn_id: str) -> str | None:
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for spec in process.task_specs.values():
            if getattr(spec, "bpmn_id", None) == bpmn_id:
                return spec.bpmn_name or bpmn_id
    return None


def extend_lock(fd: Flowdesk, user: Principal, task_id: int, worker_id: str,
                new_duration: int) -> dict:
    """The worker needs longer: its lock now ends ``new_duration`` ms from now."""
    require_role(user, *WORKER_ROLES)
    now = fd.now()
    with fd.uow() as uow:
        row = _held(uow, task_id, worker_id, now)
        expires = now + _ms(new_duration)
        _update_held(uow, row, now, lock_expires_at=expires)
        audit.record(uow, now, user.username, "external_task.lock_extended",
                     instance_id=row["instance_id"], after={
                         "external_task_id": task_id, "worker_id": worker_id,
                         "lock_expires_at": expires.isoformat()})
        return _row_of(uow, task_id)


# -- reading (admins) ----------------------------------------------------------------------

def _row_of(uow: UnitOfWork, task_id: int) -> dict:
    row = uow.execute(select(ext).where(ext.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"No external task {task_id}.")
    return dict(row)


def get_external_task(fd: Flowdesk, user: Principal, task_id: int) -> dict:
    """One external task (workers and admins)."""
    require_role(user, *WORKER_ROLES)
    with fd.uow(read_only=True) as uow:
        return _row_of(uow, task_id)


def list_external_tasks(fd: Flowdesk, user: Principal, *, topic: str | None = None,
                        state: str | None = None, instance_id: int | None = None,
                        worker_id: str | None = None, page: int = 1,
                        per_page: int = 50) -> tuple[list[dict], int]:
    """External tasks, newest first, filtered (admins)."""
    require_role(user, "admin")
    query = select(ext).order_by(ext.c.id.desc())
    for column, value in ((ext.c.topic, topic), (ext.c.state, state),
                          (ext.c.instance_id, instance_id), (ext.c.worker_id, worker_id)):
        if value is not None:
            query = query.where(column == value)
    with fd.uow(read_only=True) as uow:
        return page_of(uow, query, page, per_page)
