"""Deliver messages and signals: from outside (``POST /messages``, ``POST /signals``) and from
one instance to the others (the outbox rows ``subscriptions.record_thrown`` writes), one path.

* A **message** goes to the one instance waiting for it that matches (by correlation values,
  business key or instance id; several only when the sender says ``all``), or, if none waits,
  starts an instance of each process whose message start event has that name. Nothing matches:
  ``NotFound`` saying what was looked for.
* A **signal** is a broadcast: every instance waiting for it, and every process with a signal
  start event of that name. Up to ``SYNC_LIMIT`` receivers are reached in the sender's
  transaction; a larger broadcast is written as one due-work row per receiver and delivered
  by the due runner within moments. A receiver that cannot take it (in error, ended, or its
  engine no longer waits) misses it, audited as ``signal.missed`` on it; the others are reached
  all the same (one broken case must not keep a broadcast from everyone else).
* Each delivery moves the receiving instance through ``engine_step.step`` and is written in its
  audit trail with who sent it; the outbox row of a thrown event is marked done in the same
  transaction as the delivery, so a crash in between delivers it later, once.
* A sender's ``Idempotency-Key`` makes a retry from outside get the first call's answer
  instead of a second delivery (``services.idempotency``).

Who may send from outside: admins, and machine accounts with the ``worker`` role (the shop
system, the IM bridge, external task workers).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from engine.errors import EventNotCaught
from engine.variable_schemas import check_storable

from services import audit, idempotency, subscriptions
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, step
from services.errors import Conflict, Invalid, NotFound, coded_field
from services.instances import start_in
from services.plain_json import json_safe
from services.principal import Principal, require_role
from services.timers import Fired, lock_instance, mark_done, still_pending
from store import queries as q
from store.tables import DueWork
from store.uow import UnitOfWork

SENDER_ROLES = ("admin", "worker")
# Variables Flowdesk itself sets on a case: a message from outside may not overwrite them.
OWNED_VARIABLES = ("case_no", "initiator", "customer", "related_case_no", "user_status",
                   "user_status_history")
SYNC_LIMIT = 200  # receivers reached within the sender's request; more go to the due runner
MANY = 1000  # at most this many instances named in an answer
NOT_CAUGHT = "event.not_caught"  # the subscription table said it waits; the engine disagrees
due = DueWork.__table__


def send_message(fd: Flowdesk, user: Principal, name: str, *,
                 correlation: dict[str, Any] | None = None, business_key: str | None = None,
                 instance_id: int | None = None, variables: dict | None = None,
                 deliver_to_all: bool = False,
                 idempotency_key: str | None = None) -> idempotency.Answer:
    """Correlate a message from outside; answers whom it reached (with a key: at most once,
    ``services.idempotency``)."""
    require_role(user, *SENDER_ROLES)
    idempotency.check_key(idempotency_key)
    _check_variables(variables)
    body = {"name": name, "correlation": correlation, "business_key": business_key,
            "instance_id": instance_id, "variables": variables or {}, "all": deliver_to_all}

    def work(uow: UnitOfWork, now: datetime) -> dict:
        outcomes = correlate(uow, fd, user.username, name, correlation, business_key,
                             instance_id, variables or {}, deliver_to_all, now)
        return {"name": name, "reached": [o for o in outcomes if not o.get("missed")],
                "missed": [o for o in outcomes if o.get("missed")]}
    return idempotency.once(fd, user.username, idempotency_key, "message", body, work)


def broadcast_signal(fd: Flowdesk, user: Principal, name: str, variables: dict | None = None,
                     idempotency_key: str | None = None) -> idempotency.Answer:
    """Throw a signal from outside into every instance and process that catches it (with a
    key: at most once)."""
    require_role(user, *SENDER_ROLES)
    idempotency.check_key(idempotency_key)
    _check_variables(variables)
    body = {"name": name, "variables": variables or {}}
    return idempotency.once(
        fd, user.username, idempotency_key, "signal", body,
        lambda uow, now: broadcast(uow, fd, user.username, name, variables or {}, now,
                                   exclude=None))


def _check_variables(variables: dict | None) -> None:
    """A payload a script could not store, or one that overwrites what Flowdesk owns, is
    refused before anything moves."""
    check_storable(variables or {}, prefix="variables.")
    owned = sorted(set(variables or {}) & set(OWNED_VARIABLES))
    if owned:
        raise Invalid.of("event.owned_variables",
                         [coded_field(f"variables.{name}", "field.set_by_flowdesk")
                          for name in owned], names=owned)


# -- the one path ---------------------------------------------------------------------------

def correlate(uow: UnitOfWork, fd: Flowdesk, actor: str, name: str,
              correlation: dict | None, business_key: str | None, instance_id: int | None,
              variables: dict, deliver_to_all: bool, now: datetime) -> list[dict]:
    targets = subscriptions.waiting_for_message(
        uow, name, correlation, business_key, instance_id,
        limit=SYNC_LIMIT + 1 if deliver_to_all else 2)
    if len(targets) > 1 and not deliver_to_all:
        raise Conflict.of("event.ambiguous", name=name, instances=targets)
    if len(targets) > SYNC_LIMIT:
        raise Conflict.of("event.too_many", name=name, limit=SYNC_LIMIT)
    if targets and deliver_to_all:  # as a signal: one case in error does not stop the others
        return [_one_of_many(uow, fd, target, "message", name, variables, actor, now,
                             correlation) for target in targets]
    if targets:
        return [deliver(uow, fd, target, "message", name, variables, actor, now,
                        correlation=correlation) for target in targets]
    starts = subscriptions.start_definitions(uow, "message", name) \
        if instance_id is None else []
    if not starts:
        wanted = _looked_for(correlation, business_key, instance_id)
        if not wanted:
            raise NotFound.of("event.none_waiting_any", name=name)
        raise NotFound.of("event.none_waiting", name=name, wanted=wanted)
    given = {**(correlation or {}), **variables}
    return [start_by_event(uow, fd, definition_id, "message", name, given, business_key,
                           actor, now) for definition_id in starts]


def broadcast(uow: UnitOfWork, fd: Flowdesk, actor: str, name: str, variables: dict,
              now: datetime, exclude: int | None) -> dict:
    """A signal to every waiting instance (but ``exclude``, the thrower, which caught its
    own) and every process it starts."""
    targets = [t for t in subscriptions.waiting_for_signal(uow, name) if t != exclude]
    starts = subscriptions.start_definitions(uow, "signal", name)
    reached, missed, queued = [], [], 0
    if len(targets) + len(starts) <= SYNC_LIMIT:
        for target in targets:
            outcome = _one_of_many(uow, fd, target, "signal", name, variables, actor, now)
            (missed if outcome.get("missed") else reached).append(outcome)
        reached += [start_by_event(uow, fd, definition_id, "signal", name, variables, None,
                                   actor, now) for definition_id in starts]
    else:
        queued = queue(uow, targets, starts, name, variables, actor, now)
    return {"name": name, "reached": reached[:MANY], "missed": missed[:MANY],
            "count": len(targets) + len(starts), "queued": queued}


def _one_of_many(uow: UnitOfWork, fd: Flowdesk, instance_id: int, kind: str, name: str,
                 variables: dict, actor: str, now: datetime,
                 correlation: dict | None = None) -> dict:
    """One receiver of a broadcast (a signal, or a message sent to all that wait): delivered,
    held for its resume, or missed (what refuses it to this instance only keeps it from this
    one, not from the others)."""
    instance = _head(uow, instance_id)
    if instance is None or instance["status"] in (*FINAL_STATUSES, "error"):
        return _missed(uow, instance_id, instance, kind, name, actor, now)
    try:
        return _take(uow, fd, instance, kind, name, variables, actor, now, correlation)
    except Conflict as refused:
        if refused.code != NOT_CAUGHT:  # a concurrent change: the whole broadcast again
            raise
        return _missed(uow, instance_id, instance, kind, name, actor, now, refused.detail)


def _missed(uow: UnitOfWork, instance_id: int, instance: RowMapping | None, kind: str,
            name: str, actor: str, now: datetime, reason: str | None = None) -> dict:
    """A broadcast this instance could not take, in its audit trail (an admin who retries a
    case in error sees which signal or message passed it by)."""
    status = instance["status"] if instance is not None else "deleted"
    reason = reason or f"the instance is {status}"
    if instance is not None:
        audit.record(uow, now, actor, f"{kind}.missed", instance_id=instance_id,
                     after={"name": name, "status": status, "reason": reason})
    return {"instance_id": instance_id, "status": status, "missed": True, "reason": reason,
            "business_key": instance["business_key"] if instance is not None else None,
            "process_key": instance["process_key"] if instance is not None else None}


def deliver(uow: UnitOfWork, fd: Flowdesk, instance_id: int, kind: str, name: str,
            variables: dict, actor: str, now: datetime,
            correlation: dict | None = None) -> dict:
    """Move one waiting instance with the message or signal; audited on it."""
    instance = _head(uow, instance_id)
    if instance is None or instance["status"] in FINAL_STATUSES:
        raise Conflict.of("event.instance_ended", instance=instance_id, kind=kind, name=name)
    if instance["status"] == "error":
        raise Conflict.of("event.instance_in_error", instance=instance_id, kind=kind,
                          name=name)
    return _take(uow, fd, instance, kind, name, variables, actor, now, correlation)


def _head(uow: UnitOfWork, instance_id: int) -> RowMapping | None:
    return uow.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().first()


def _take(uow: UnitOfWork, fd: Flowdesk, instance: RowMapping, kind: str, name: str,
          variables: dict, actor: str, now: datetime, correlation: dict | None) -> dict:
    """An instance that can take the event: now, or after its resume if it is suspended."""
    if instance["status"] == "suspended":
        return _queue_for_resume(uow, instance, kind, name, variables, actor, now)
    return _deliver_to(uow, fd, instance, kind, name, variables, actor, now, correlation)


def _queue_for_resume(uow: UnitOfWork, instance: RowMapping, kind: str, name: str,
                      variables: dict, actor: str, now: datetime) -> dict:
    """A suspended instance gets the event after its resume: a held delivery row."""
    uow.execute(due.insert(), {
        "kind": "deliver", "instance_id": instance["id"], "definition_id": None,
        "ref": f"{kind}:{name}"[:64], "label": f"{kind} {name}"[:200], "due_at": now,
        "state": "suspended", "attempts": 0, "created_at": now,
        "payload": {"kind": kind, "name": name, "variables": json_safe(variables),
                    "actor": actor}})
    audit.record(uow, now, actor, f"{kind}.queued", instance_id=instance["id"],
                 after={"name": name, "variables": json_safe(variables),
                        "status": "suspended"})
    return {"instance_id": instance["id"], "business_key": instance["business_key"],
            "process_key": instance["process_key"], "status": "suspended", "started": False,
            "queued": True}


def _deliver_to(uow: UnitOfWork, fd: Flowdesk, instance: RowMapping, kind: str, name: str,
                variables: dict, actor: str, now: datetime,
                correlation: dict | None = None) -> dict:
    try:
        result, _ = step(uow, fd, instance, lambda parsed, wf: fd.runtime.send_event(
            parsed, wf, kind, name, variables), now)
    except EventNotCaught as exc:  # the table said it waits; the engine disagrees
        raise Conflict.of(NOT_CAUGHT, instance=instance["id"], kind=kind, name=name,
                          problem=str(exc).rstrip(".")) from None
    audit.record(uow, now, actor, f"{kind}.received", instance_id=instance["id"],
                 before={"status": instance["status"]},
                 after={"name": name, "correlation": json_safe(correlation or {}),
                        "variables": json_safe(variables), "status": result.status})
    return {"instance_id": instance["id"], "business_key": instance["business_key"],
            "process_key": instance["process_key"], "status": result.status,
            "started": False}


def start_by_event(uow: UnitOfWork, fd: Flowdesk, definition_id: int, kind: str, name: str,
                   variables: dict, business_key: str | None, actor: str,
                   now: datetime) -> dict:
    """A new instance of the definition, started at its message or signal start event."""
    definition = uow.execute(q.DEFINITION_HEAD, {"definition_id": definition_id}
                             ).mappings().one()
    detail = start_in(uow, fd, actor, definition, business_key, None, now,
                      event=(kind, name, variables))
    audit.record(uow, now, actor, f"{kind}.received", instance_id=detail["id"],
                 after={"name": name, "started": True, "variables": json_safe(variables),
                        "status": detail["status"]})
    return {"instance_id": detail["id"], "business_key": business_key,
            "process_key": definition["key"], "status": detail["status"], "started": True}


def queue(uow: UnitOfWork, targets: list[int], starts: list[int], name: str, variables: dict,
          actor: str, now: datetime) -> int:
    """One due-work row per receiver of a large broadcast: each is delivered (once) in its own
    transaction by the due runner."""
    payload = {"kind": "signal", "name": name, "variables": json_safe(variables),
               "actor": actor}
    rows = [{"kind": "deliver", "instance_id": target, "definition_id": None,
             "ref": f"signal:{name}"[:64], "label": f"signal {name}"[:200], "due_at": now,
             "state": "pending", "attempts": 0, "payload": payload, "created_at": now}
            for target in targets]
    rows += [{"kind": "deliver", "instance_id": None, "definition_id": definition_id,
              "ref": f"signal:{name}"[:64], "label": f"signal {name}"[:200], "due_at": now,
              "state": "pending", "attempts": 0, "payload": payload, "created_at": now}
             for definition_id in starts]
    if rows:
        uow.execute(due.insert(), rows)
    return len(rows)


# -- the due runner's handlers --------------------------------------------------------------

def fire_throw(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
               node: str) -> Fired:
    """An event an instance threw, delivered after the thrower's commit. A message nobody
    waits for yet is tried again (with the due runner's backoff): the receiver may not have
    reached its catch event; after the last attempt the row stays failed, for an admin."""
    if not still_pending(conn, row):
        return "skipped"
    event = row["payload"]
    actor = f"instance:{event.get('from_instance')}"
    if event["kind"] == "signal":
        broadcast(conn, fd, actor, event["name"], event.get("variables") or {}, now,
                  exclude=event.get("from_instance"))
    else:
        correlate(conn, fd, actor, event["name"], event.get("correlation") or None, None, None,
                  event.get("variables") or {}, False, now)
    mark_done(conn, row, now, node)
    return "fired"


def fire_delivery(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
                  node: str) -> Fired:
    """One receiver of a large broadcast."""
    if not still_pending(conn, row):
        return "skipped"
    event = row["payload"]
    if row["definition_id"] is not None:
        start_by_event(conn, fd, row["definition_id"], event["kind"], event["name"],
                       event.get("variables") or {}, None, event["actor"], now)
        mark_done(conn, row, now, node)
        return "fired"
    instance = lock_instance(conn, row["instance_id"])
    if instance is None:
        return "busy"
    if instance["status"] in FINAL_STATUSES or instance["status"] == "error":
        conn.execute(due.update().where(due.c.id == row["id"]).values(
            state="cancelled", last_error=f"the instance is {instance['status']}"))
        _missed(conn, instance["id"], instance, event["kind"], event["name"], event["actor"],
                now)
        return "skipped"
    if instance["status"] == "suspended":  # delivered after the resume
        conn.execute(due.update().where(due.c.id == row["id"]).values(state="suspended"))
        return "held"
    try:
        _deliver_to(conn, fd, instance, event["kind"], event["name"],
                    event.get("variables") or {}, event["actor"], now)
    except Conflict as refused:
        if refused.code != NOT_CAUGHT:
            raise
        conn.execute(due.update().where(due.c.id == row["id"]).values(
            state="cancelled", last_error=refused.detail[:2000]))
        _missed(conn, instance["id"], instance, event["kind"], event["name"], event["actor"],
                now, refused.detail)
        return "skipped"
    mark_done(conn, row, now, node)
    return "fired"


def _looked_for(correlation: dict | None, business_key: str | None,
                instance_id: int | None) -> str:
    """What the sender addressed, as the request's own names (the same in every language);
    empty when the message named no instance."""
    parts = [f"{k}={v}" for k, v in (correlation or {}).items()]
    if business_key is not None:
        parts.append(f"business_key={business_key}")
    if instance_id is not None:
        parts.append(f"instance_id={instance_id}")
    return ", ".join(parts)

