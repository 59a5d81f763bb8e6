"""The subscription table: what each instance waits for, and which processes a message or signal
starts; plus the outbox rows of what an instance threw for the others.

Kept in step with the engine like due timers (``engine_step.apply_result`` calls ``sync`` after
every save of a process that can catch events), so a message finds its instance with one
indexed lookup (``store.tables.EventSubscription``) instead of a scan of running instances.
A thrown event is a due-work row of kind ``throw`` written in the thrower's transaction; the
due runner delivers it after that commit (``services.event_delivery``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from engine.events import Subscription, Thrown, correlation_hash
from engine.parsing import ParsedDefinition

from services.plain_json import json_safe
from store.tables import DueWork, EventSubscription, ProcessInstance
from store.uow import UnitOfWork

subs = EventSubscription.__table__
instances = ProcessInstance.__table__
due = DueWork.__table__
Instance = Any  # a row mapping or dict with id, process_key (engine_step.Instance)

OF_INSTANCE = select(subs.c.id, subs.c.kind, subs.c.name, subs.c.bpmn_id,
                     subs.c.correlation_hash).where(
    subs.c.instance_id == bindparam("for_instance"))
DROP_OF_INSTANCE = delete(subs).where(subs.c.instance_id == bindparam("for_instance"))
INSERT = subs.insert()
MAX_KEYED = 1000  # instances sharing one business key that a message looks at


def sync(uow: UnitOfWork, instance: Instance, wanted: list[Subscription], now: datetime,
         known_empty: bool = False) -> None:
    """Make the instance's rows match what the engine waits for (``known_empty``: a new
    instance, nothing to read)."""
    if not wanted and known_empty:
        return
    existing = ({} if known_empty else
                {(r.kind, r.name, r.bpmn_id, r.correlation_hash): r.id
                 for r in uow.execute(OF_INSTANCE, {"for_instance": instance["id"]})})
    keys = {s.key: s for s in wanted}
    gone = [row_id for key, row_id in existing.items() if key not in keys]
    if gone:
        uow.execute(delete(subs).where(subs.c.id.in_(gone)))
    new = [{"kind": s.kind, "name": s.name, "correlation_hash": key[3],
            "correlation": s.correlation, "instance_id": instance["id"], "definition_id": None,
            "process_key": instance["process_key"], "bpmn_id": s.bpmn_id, "created_at": now}
           for key, s in keys.items() if key not in existing]
    if new:
        uow.execute(INSERT, new)


def drop(uow: UnitOfWork, instance_id: int) -> None:
    """The instance ended: it waits for nothing any more."""
    uow.execute(DROP_OF_INSTANCE, {"for_instance": instance_id})


def register_starts(uow: UnitOfWork, definition_id: int, parsed: ParsedDefinition,
                    now: datetime) -> None:
    """The newest version of a process owns its message and signal start events."""
    uow.execute(delete(subs).where(subs.c.process_key == parsed.key,
                                   subs.c.instance_id.is_(None)))
    rows = [{"kind": s.kind, "name": s.name, "correlation_hash": correlation_hash({}),
             "correlation": {}, "instance_id": None, "definition_id": definition_id,
             "process_key": parsed.key, "bpmn_id": s.bpmn_id, "created_at": now}
            for s in parsed.start_events]
    if rows:
        uow.execute(INSERT, rows)


def record_thrown(uow: UnitOfWork, instance: Instance, events: list[Thrown],
                  now: datetime) -> None:
    """Write what the step threw for other instances into the outbox, in the step's
    transaction. The row belongs to no instance: the thrower ending (an end event that throws
    a message) must not cancel it."""
    uow.execute(due.insert(), [{
        "kind": "throw", "instance_id": None, "definition_id": None,
        "ref": f"{e.kind}:{e.name}"[:64], "label": f"{e.kind} {e.name}"[:200], "due_at": now,
        "state": "pending", "attempts": 0, "created_at": now,
        "payload": {"kind": e.kind, "name": e.name, "variables": _plain(e.payload),
                    "correlation": e.correlation, "from_instance": instance["id"],
                    "from_case": instance.get("case_no")}} for e in events])


def _plain(payload: Any) -> dict:
    """A payload as the receiving task's variables: a dict, or under ``payload``."""
    if payload is None:
        return {}
    value = json_safe(payload)
    return value if isinstance(value, dict) else {"payload": value}


# -- lookups (delivery) ---------------------------------------------------------------------

def waiting_for_message(uow: UnitOfWork, name: str, correlation: dict | None,
                        business_key: str | None, instance_id: int | None,
                        limit: int) -> list[int]:
    """The instances waiting for this message that match, at most ``limit`` of them."""
    query = select(subs.c.instance_id).where(subs.c.kind == "message", subs.c.name == name,
                                             subs.c.instance_id.is_not(None))
    if correlation:
        query = query.where(subs.c.correlation_hash == correlation_hash(correlation))
    if instance_id is not None:
        query = query.where(subs.c.instance_id == instance_id)
    if business_key is not None:  # the instances first: their index, then (instance, name)
        keyed = list(uow.scalars(select(instances.c.id).where(
            instances.c.business_key == business_key).limit(MAX_KEYED)))
        if not keyed:
            return []
        query = query.where(subs.c.instance_id.in_(keyed))
    return list(uow.scalars(query.distinct().order_by(subs.c.instance_id).limit(limit)))


def waiting_for_signal(uow: UnitOfWork, name: str, limit: int | None = None) -> list[int]:
    query = (select(subs.c.instance_id).where(subs.c.kind == "signal", subs.c.name == name,
                                              subs.c.instance_id.is_not(None))
             .distinct().order_by(subs.c.instance_id))
    return list(uow.scalars(query if limit is None else query.limit(limit)))


def start_definitions(uow: UnitOfWork, kind: str, name: str) -> list[int]:
    """The definitions (latest version of each key) a message or signal of this name starts."""
    return list(uow.scalars(select(subs.c.definition_id).where(
        subs.c.kind == kind, subs.c.name == name, subs.c.instance_id.is_(None))
        .order_by(subs.c.definition_id)))
