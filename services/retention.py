"""Retention of finished cases: per process, completed and cancelled instances that ended more
than N days ago are deleted, or archived (moved to ``archived_instances`` as JSON), by rules
admins change in the database (``retention_rules``), every change audited.

The housekeeping runs the rules (``run``) in small batches, each one short transaction: pick
up to ``BATCH`` instance ids first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a case someone
is touching just then waits for the next run), roll up what the reports count from them
(``services.report_rollups``: the reports keep their figures), archive them if the rule says
so, then delete them and their tasks, SLA clocks, incidents, due work, external tasks, event
subscriptions and audit rows by id. Each batch is audited (``retention.deleted`` or
``retention.archived`` with the ids). Notifications about a case stay until the
notification retention removes them.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select

from services import audit, reports
from services import report_rollups as rollups
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.hooks import Hooks
from services.principal import Principal, require_role
from store import queries as q
from store.tables import (AuditEntry, DueWork, EventSubscription, ExternalTask, Incident,
                          SlaClock)
from store.tables_retention import ArchivedInstance, RetentionRule
from store.uow import UnitOfWork

MODES = ("delete", "archive")
MAX_DAYS = 36500  # a century: more would overflow the cutoff date when the rule is applied
FINISHED = ("completed", "cancelled")
BATCH = 100  # instances per transaction: each brings its tasks, clocks and audit rows
MAX_BATCHES = 10  # per rule and run; the rest waits for the next run

RULES, ARCHIVE, INST, T = RetentionRule.__table__, ArchivedInstance.__table__, q.instances, q.tasks
# What an archive keeps of a case beside its own row, and what goes with it (children first).
ARCHIVED_PARTS = {"tasks": T, "incidents": Incident.__table__, "sla_clocks": SlaClock.__table__,
                  "audit": AuditEntry.__table__}
DELETED_WITH = (SlaClock.__table__, Incident.__table__, DueWork.__table__,
                ExternalTask.__table__, EventSubscription.__table__, AuditEntry.__table__, T)


# --- rules ---------------------------------------------------------------------------------

def _rule_out(row: Any) -> dict:
    return {k: row[k] for k in ("process_key", "days", "mode", "updated_at", "updated_by")}


def _rule(uow: UnitOfWork, process_key: str) -> Any:
    return uow.execute(select(RULES).where(RULES.c.process_key == process_key)).mappings().first()


def list_rules(fd: Flowdesk, user: Principal) -> list[dict]:
    """Every retention rule, by process key."""
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        rows = conn.execute(select(RULES).order_by(RULES.c.process_key)).mappings()
        return [_rule_out(r) for r in rows]


def get_rule(fd: Flowdesk, user: Principal, process_key: str) -> dict:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        row = _rule(conn, process_key)
    if row is None:
        raise NotFound.of("retention.no_rule", process=process_key)
    return _rule_out(row)


def _check(days: Any, mode: Any) -> None:
    """The service's own check (the API's schema says the same): whole days from 1 to
    ``MAX_DAYS``, a mode."""
    errors = []
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors.append(coded_field("days", "retention.days", max=MAX_DAYS))
    if mode not in MODES:
        errors.append(coded_field("mode", "retention.mode", modes=", ".join(MODES)))
    if errors:
        raise Invalid.of("retention.invalid", errors)


def put_rule(fd: Flowdesk, user: Principal, process_key: str, days: int,
             mode: str) -> tuple[dict, bool]:
    """Create or replace the rule of a deployed process; (rule, created). Audited."""
    require_role(user, "admin")
    _check(days, mode)
    now = fd.now()
    values = {"days": days, "mode": mode, "updated_at": now, "updated_by": user.username}
    with fd.uow() as uow:
        if uow.scalar(select(q.definitions.c.id).where(q.definitions.c.key == process_key)
                      .limit(1)) is None:
            raise NotFound.of("retention.unknown_process", process=process_key)
        before = _rule(uow, process_key)
        if before is None:
            uow.execute(insert(RULES).values(process_key=process_key, **values))
        else:
            uow.execute(RULES.update().where(RULES.c.process_key == process_key).values(values))
        audit.record(uow, now, user.username, "retention.rule_set",
                     before={"days": before["days"], "mode": before["mode"]} if before else None,
                     after={"process_key": process_key, "days": days, "mode": mode})
        row = _rule(uow, process_key)
    return _rule_out(row), before is None


def delete_rule(fd: Flowdesk, user: Principal, process_key: str) -> None:
    """Keep this process's finished cases again (nothing already removed comes back)."""
    require_role(user, "admin")
    with fd.uow() as uow:
        before = _rule(uow, process_key)
        if before is None:
            raise NotFound.of("retention.no_rule", process=process_key)
        uow.execute(delete(RULES).where(RULES.c.process_key == process_key))
        audit.record(uow, fd.now(), user.username, "retention.rule_deleted",
                     before=_plain(_rule_out(before)), after=None)


# --- running -------------------------------------------------------------------------------

def _due(process_key: str, cutoff: datetime) -> list[Any]:
    return [INST.c.process_key == process_key, INST.c.status.in_(FINISHED),
            INST.c.ended_at < cutoff]


def _plain(row: Any) -> dict:
    """A row as JSON: datetimes as ISO text, the rest as stored."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in dict(row).items()}


def _archive(uow: UnitOfWork, ids: list[int], now: datetime) -> None:
    cases = uow.execute(select(INST).where(INST.c.id.in_(ids))).mappings().all()
    parts: dict[int, dict[str, list]] = {i: {name: [] for name in ARCHIVED_PARTS} for i in ids}
    for name, table in ARCHIVED_PARTS.items():
        for row in uow.execute(select(table).where(table.c.instance_id.in_(ids))
                               .order_by(table.c.id)).mappings():
            parts[row["instance_id"]][name].append(_plain(row))
    uow.execute(insert(ARCHIVE), [
        {"id": c["id"], "process_key": c["process_key"], "case_no": c["case_no"],
         "ended_at": c["ended_at"], "archived_at": now,
         "payload": {"instance": _plain(c), **parts[c["id"]]}} for c in cases])


def _batch(uow: UnitOfWork, hooks: Hooks, rule: Any, cutoff: datetime, now: datetime,
           actor: str) -> int:
    """One batch of one rule: pick, roll up, archive (by the rule), delete; how many cases."""
    due = _due(rule["process_key"], cutoff)
    ids = list(uow.scalars(select(INST.c.id).where(*due).order_by(INST.c.id).limit(BATCH)
                          .with_for_update(skip_locked=True)))
    if not ids:
        return 0
    mine = T.c.instance_id.in_(ids)
    money = reports.money_rows(uow, mine)
    registers = hooks.registers_of(rule["process_key"])
    cases = (list(uow.execute(select(INST).where(INST.c.id.in_(ids))).mappings())
             if registers else [])
    listed = [(r.kind, [r.row(c) for c in cases], r.when) for r in registers]
    rollups.roll_up(uow, ids, money, listed)
    if rule["mode"] == "archive":
        _archive(uow, ids, now)
    for table in DELETED_WITH:
        uow.execute(delete(table).where(table.c.instance_id.in_(ids)))
    uow.execute(delete(INST).where(INST.c.id.in_(ids)))
    audit.record(uow, now, actor, f"retention.{rule['mode']}d",
                 after={"process_key": rule["process_key"], "instance_ids": ids})
    return len(ids)


def run(fd: Flowdesk, actor: str = "housekeeping", *, dry_run: bool = False) -> list[dict]:
    """Apply every rule: per rule its process, mode, cutoff and how many cases went (or, in
    a dry run, would go now: nothing changes). At most ``MAX_BATCHES`` batches per rule."""
    now = fd.now()
    with fd.uow(read_only=True) as conn:
        rules = list(conn.execute(select(RULES).order_by(RULES.c.process_key)).mappings())
    results = []
    for rule in rules:
        cutoff = now - timedelta(days=rule["days"])
        if dry_run:
            with fd.uow(read_only=True) as conn:
                count = conn.scalar(select(func.count()).select_from(INST).where(
                    *_due(rule["process_key"], cutoff)))
        else:
            count = 0
            for _ in range(MAX_BATCHES):
                with fd.uow() as uow:
                    done = _batch(uow, fd.hooks, rule, cutoff, now, actor)
                count += done
                if done < BATCH:
                    break
        results.append({"process_key": rule["process_key"], "mode": rule["mode"],
                        "days": rule["days"], "cutoff": cutoff, "cases": count})
    return results


def archived_case(fd: Flowdesk, user: Principal, instance_id: int) -> dict:
    """An archived case: its row, tasks, incidents, SLA clocks and audit rows as they were."""
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        row = conn.execute(select(ARCHIVE).where(ARCHIVE.c.id == instance_id)).mappings().first()
    if row is None:
        raise NotFound.of("retention.not_archived", instance=instance_id)
    return dict(row)


EXPORT_BATCH = 200  # archived cases read per statement by ``export_archive``


def export_archive(fd: Flowdesk, user: Principal, process_key: str | None = None,
                   ended_before: datetime | None = None) -> Iterator[dict]:
    """Every archived case (of ``process_key``, ended before ``ended_before``), oldest id first,
    read in short transactions of ``EXPORT_BATCH`` (a large archive never holds the database),
    for ``flowdesk retention export``: one JSON line each, to move the archive elsewhere."""
    require_role(user, "admin")
    after = 0
    while True:
        query = select(ARCHIVE).where(ARCHIVE.c.id > after)
        if process_key:
            query = query.where(ARCHIVE.c.process_key == process_key)
        if ended_before is not None:
            query = query.where(ARCHIVE.c.ended_at < ended_before)
        with fd.uow(read_only=True) as conn:
            rows = conn.execute(query.order_by(ARCHIVE.c.id).limit(EXPORT_BATCH)).mappings().all()
        yield from (dict(row) for row in rows)
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1]["id"]
