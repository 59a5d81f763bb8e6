"""Migrate running instances to another version of their process (issue 17): plan, dry run,
batch execution with progress.

A plan names the process, a source and a target version, edits to the element mapping the
engine proposes (``engine.migration``) and variables to set; its validation lists elements
without a target, live tokens in them and timers/boundary events that differ. The dry run and
the real run share ``migrate_one``: the dry run runs it in a savepoint that is rolled back, so
what it reports is what the run does. A batch is one row with counts and one item per instance;
each instance moves in its own transaction (``run_next``), synchronously for a few instances,
else one due-work row at a time through the ticker (``fire_migration``), so no call holds the
database for long. Failures are recorded on their item and the batch goes on.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping

from engine.migration import (MigrationRefused, active_elements, active_elements_saved, compare,
                              problems)
from services import audit, due_work, error_texts, timers
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, apply_result, keep_live, save_state
from services.errors import Invalid, NotFound, ServiceError, coded_field
from services.instances import find_definition
from services.migration_candidates import candidates
from services.principal import Principal, require_role
from services.suspension import SUSPENDED
from store import queries as q
from store.tables import MigrationBatch, MigrationItem
from store.uow import UnitOfWork

batches = MigrationBatch.__table__
items = MigrationItem.__table__
SYNC_LIMIT = 10      # batches up to this size run in the request; larger ones in the background
DRY_RUN_LIMIT = 100  # instances a dry run reports (it runs each one, then rolls it back)
DUE_KIND = "migration"
STATE_CHUNK = 500    # saved states a plan reads per statement


class _RolledBack(Exception):
    """Leaves a dry run's savepoint so that everything it did is undone."""

    def __init__(self, report: dict) -> None:
        super().__init__("dry run")
        self.report = report


class InstanceRefused(ServiceError):
    """One instance cannot move; recorded on its item, the batch goes on."""


# -- the plan --------------------------------------------------------------------------------
def _pair(uow: UnitOfWork, args: dict) -> tuple[RowMapping, RowMapping]:
    source = find_definition(uow, args["process_key"], args["source_version"])
    target = find_definition(uow, args["process_key"], args["target_version"])
    if source["id"] == target["id"]:
        raise Invalid.of("migration.same_version", [coded_field(
            "target_version", "field.migration_same_version")], version=source["version"])
    return source, target


def _fresh_workflow(fd: Flowdesk, uow: UnitOfWork, instance_id: int, parsed: Any) -> Any:
    """The instance's workflow rebuilt from its stored state (the parked one is left alone)."""
    state = uow.execute(q.INSTANCE_STATE, {"instance_id": instance_id}).scalar_one()
    return fd.runtime.loads(parsed, state)


def _active_counts(fd: Flowdesk, uow: UnitOfWork, ids: list[int], parsed: Any) -> dict[str, int]:
    """How many of the instances have a live token in each element: read from the saved
    states' JSON in chunks (``active_elements_saved``), rebuilding a workflow only for a state
    that reading cannot tell, so a plan over thousands of instances answers in a second."""
    active: dict[str, int] = {}
    version = fd.runtime.serializer.version
    for start in range(0, len(ids), STATE_CHUNK):
        chunk = ids[start:start + STATE_CHUNK]
        for instance_id, state in uow.execute(select(q.instances.c.id, q.instances.c.state)
                                              .where(q.instances.c.id.in_(chunk))):
            elements = active_elements_saved(parsed, state, version)
            if elements is None:
                elements = active_elements(fd.runtime.loads(parsed, state))
            for element in elements:
                active[element] = active.get(element, 0) + 1
    return active


def _validated(fd: Flowdesk, uow: UnitOfWork, args: dict) -> dict:
    source, target = _pair(uow, args)
    parsed_source, parsed_target = fd.parsed(uow, source["id"]), fd.parsed(uow, target["id"])
    comparison = compare(fd.runtime.serializer.registry, parsed_source, parsed_target,
                         args.get("mapping"))
    ids = candidates(uow, source, args)
    active = _active_counts(fd, uow, ids, parsed_source)
    return {"process_key": source["key"],
            "source": {"id": source["id"], "version": source["version"]},
            "target": {"id": target["id"], "version": target["version"]},
            "mapping": comparison.mapping,
            "source_elements": [vars(e) for e in comparison.source],
            "target_elements": [vars(e) for e in comparison.target],
            "problems": problems(comparison, active), "active": active,
            "instance_ids": ids, "variables": args.get("variables") or {}}


def plan(fd: Flowdesk, user: Principal, args: dict) -> dict:
    """Validate a plan: the mapping (proposed, with the edits), the problems and the instances
    it would move (admin only). Changes nothing."""
    require_role(user, "admin")
    with fd.uow() as uow:
        return _validated(fd, uow, args)


def _refuse_bad_targets(found: dict) -> None:
    bad = [p for p in found["problems"] if p["code"] == "unknown_target"]
    if bad:
        raise Invalid.of("migration.unknown_target", [coded_field(
            f"mapping.{p['element']}", "field.migration_unknown_target", target=p["target"])
            for p in bad], elements=", ".join(p["element"] for p in bad))


# -- one instance ----------------------------------------------------------------------------
def migrate_one(uow: UnitOfWork, fd: Flowdesk, found: dict, instance_id: int, now: datetime,
                actor: str, dry: bool = False) -> dict:
    """Move one instance under the plan in the caller's transaction and report what happened:
    which live element went where, task rows kept (renamed, same assignee, claim and SLA
    clock), cancelled and created, and the timers armed after it. Raises InstanceRefused."""
    source_id, target_id = found["source"]["id"], found["target"]["id"]
    instance = uow.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().first()
    if instance is None:
        raise InstanceRefused.of("instance.not_found", instance=instance_id)
    if instance["definition_id"] != source_id:
        raise InstanceRefused.of("migration.not_source_version", instance=instance_id,
                                 version=found["source"]["version"])
    if instance["status"] in (*FINAL_STATUSES, "error", SUSPENDED):
        raise InstanceRefused.of("migration.instance_not_running", instance=instance_id,
                                 status=instance["status"])
    source, target = fd.parsed(uow, source_id), fd.parsed(uow, target_id)
    wf = (_fresh_workflow(fd, uow, instance_id, source) if dry else
          fd.workflows.take(instance_id, instance["version"])
          or _fresh_workflow(fd, uow, instance_id, source))
    open_rows = {r["task_guid"]: r for r in uow.execute(
        select(q.tasks.c.id, q.tasks.c.task_guid, q.tasks.c.bpmn_id, q.tasks.c.assignee,
               q.tasks.c.state).where(q.tasks.c.instance_id == instance_id, q.IS_ACTIVE)
        .order_by(q.tasks.c.id)).mappings()}
    timers_before = [t.bpmn_id for t in fd.runtime.inspect(source, wf).waiting_timers]
    try:
        moved = active_elements(wf)
        result = fd.runtime.migrate(source, target, wf, found["mapping"], found["variables"])
    except MigrationRefused as exc:
        first = exc.problems[0]
        code = ("migration.subprocess_active" if first["code"] == "subprocess_active"
                else "migration.active_unmapped")
        raise InstanceRefused.of(code, instance=instance_id, element=first["element"]) from None
    if result.incident is not None:
        raise InstanceRefused.of("migration.engine_failed", instance=instance_id,
                                 message=result.incident.message[:300])
    row = {**instance, "definition_id": target_id}
    version = save_state(uow, instance, fd.runtime.dumps(wf), result, now)
    uow.execute(update(q.instances).where(q.instances.c.id == instance_id)
                .values(definition_id=target_id))
    kept = _rename_kept(uow, open_rows, result.open_tasks)
    created = apply_result(uow, fd, row, result, now, known_open={
        guid: r["id"] for guid, r in open_rows.items()})
    still = {t.guid for t in result.open_tasks}
    report = {
        "instance_id": instance_id, "from_version": found["source"]["version"],
        "to_version": found["target"]["version"], "status": result.status,
        "moved": [{"from": e, "to": found["mapping"].get(e)} for e in moved],
        "kept": kept,
        "cancelled": [{"task_id": r["id"], "bpmn_id": r["bpmn_id"]}
                      for guid, r in open_rows.items() if guid not in still],
        "created": [{"bpmn_id": r["bpmn_id"], "group": r["candidate_group"],
                     "assignee": r["assignee"]} for r in created],
        "timers_before": timers_before,
        "timers": [{"bpmn_id": t.bpmn_id, "kind": t.kind} for t in result.waiting_timers]}
    audit.record(uow, now, actor, "instance.migrated", instance_id=instance_id,
                 definition_id=target_id,
                 before={"definition_id": source_id, "version": found["source"]["version"],
                         "active": moved},
                 after={"definition_id": target_id, "version": found["target"]["version"],
                        "mapping": {k: v for k, v in found["mapping"].items() if k != v},
                        "moved": report["moved"], "variables": sorted(found["variables"]),
                        "status": result.status})
    if not dry:
        keep_live(fd, uow, instance_id, version, result.status, wf)
    return report


def _rename_kept(uow: UnitOfWork, open_rows: dict[str, RowMapping], open_tasks: list) -> list:
    """Task rows whose task survived the move keep their row (assignee, claim, SLA clock);
    a task now in a renamed element takes the new element's id, name, form and group."""
    kept = []
    for task in open_tasks:
        row = open_rows.get(task.guid)
        if row is None:
            continue
        kept.append({"task_id": row["id"], "from": row["bpmn_id"], "to": task.bpmn_id,
                     "assignee": row["assignee"], "state": row["state"]})
        if row["bpmn_id"] != task.bpmn_id:
            uow.execute(update(q.tasks).where(q.tasks.c.id == row["id"]).values(
                bpmn_id=task.bpmn_id, name=task.name, documentation=task.documentation,
                form_schema=task.form_schema,
                candidate_group=task.candidate_groups[0] if task.candidate_groups else None))
    return kept


def _failure(exc: Exception) -> dict:
    if isinstance(exc, ServiceError) and exc.code:
        return {"code": exc.code, "params": exc.params}
    return {"code": "migration.engine_failed",
            "params": {"message": f"{type(exc).__name__}: {exc}"[:300]}}


# -- dry run ---------------------------------------------------------------------------------
def dry_run(fd: Flowdesk, user: Principal, args: dict, lang: str = "zh") -> dict:
    """Run the plan on each instance and roll it back: per instance, what the run would do
    (the same ``migrate_one``), or why it would fail. Admin only; changes nothing."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as uow:
        found = _validated(fd, uow, args)
        _refuse_bad_targets(found)
        results = []
        for instance_id in found["instance_ids"][:DRY_RUN_LIMIT]:
            try:
                with uow.savepoint():
                    raise _RolledBack(migrate_one(uow, fd, found, instance_id, now,
                                                  user.username, dry=True))
            except _RolledBack as done:
                results.append({"instance_id": instance_id, "status": "migrated",
                                "report": done.report, "error": None})
            except Exception as exc:  # noqa: BLE001 - each instance's outcome is reported
                results.append({"instance_id": instance_id, "status": "failed",
                                "report": None, "error": _said(_failure(exc), lang)})
    return {**found, "results": results,
            "truncated": len(found["instance_ids"]) > DRY_RUN_LIMIT}


def _said(error: dict | None, lang: str) -> dict | None:
    if error is None:
        return None
    return {**error, "message": error_texts.render(error["code"], error["params"], lang)}


# -- the batch -------------------------------------------------------------------------------
def execute(fd: Flowdesk, user: Principal, args: dict, lang: str = "zh") -> dict:
    """Start a batch: validated, one pending item per instance; a small batch runs before
    this returns, a larger one in the background (the ticker's due work). Admin only."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as uow:
        found = _validated(fd, uow, args)
        _refuse_bad_targets(found)
        if not found["instance_ids"]:
            raise Invalid.of("migration.no_instances", version=found["source"]["version"])
        batch_id = uow.execute(insert(batches).values(
            process_key=found["process_key"], source_definition_id=found["source"]["id"],
            target_definition_id=found["target"]["id"], mapping=found["mapping"],
            variables=found["variables"], status="running", total=len(found["instance_ids"]),
            succeeded=0, failed=0, created_by=user.username, created_at=now)
            .returning(batches.c.id)).scalar_one()
        uow.execute(insert(items), [{"batch_id": batch_id, "instance_id": i,
                                     "status": "pending"} for i in found["instance_ids"]])
        audit.record(uow, now, user.username, "migration.started",
                     definition_id=found["target"]["id"],
                     after={"batch_id": batch_id, "process_key": found["process_key"],
                            "from_version": found["source"]["version"],
                            "to_version": found["target"]["version"],
                            "instances": len(found["instance_ids"])})
        background = len(found["instance_ids"]) > args.get("sync_limit", SYNC_LIMIT)
        if background:
            _arm(uow, batch_id, now)
    if not background:
        while run_next(fd, batch_id, user.username):
            pass
    return get_batch(fd, user, batch_id, lang)


def _arm(uow: UnitOfWork, batch_id: int, now: datetime) -> None:
    uow.execute(due_work.INSERT, {
        "kind": DUE_KIND, "instance_id": None, "definition_id": None, "ref": str(batch_id),
        "label": f"migration batch {batch_id}", "due_at": now, "state": "pending",
        "attempts": 0, "payload": {"batch_id": batch_id}, "created_at": now})


def _plan_of(batch: RowMapping) -> dict:
    return {"source": {"id": batch["source_definition_id"]},
            "target": {"id": batch["target_definition_id"]},
            "mapping": batch["mapping"], "variables": batch["variables"] or {}}


def _versions(uow: UnitOfWork, found: dict) -> None:
    for side in ("source", "target"):
        found[side]["version"] = uow.scalar(select(q.definitions.c.version).where(
            q.definitions.c.id == found[side]["id"]))


def step_batch(uow: UnitOfWork, fd: Flowdesk, batch_id: int, now: datetime,
               actor: str) -> bool:
    """Migrate the batch's next pending instance in the caller's transaction (its own
    savepoint: a failure is recorded and the rest of the batch goes on); whether one was left."""
    batch = uow.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
    item = uow.execute(select(items).where(items.c.batch_id == batch_id,
                                           items.c.status == "pending")
                       .order_by(items.c.id).limit(1)
                       .with_for_update(skip_locked=True)).mappings().first()
    if batch is None or item is None:
        return False
    found = _plan_of(batch)
    _versions(uow, found)
    try:
        with uow.savepoint():
            report = migrate_one(uow, fd, found, item["instance_id"], now, actor)
        values, counter = {"status": "migrated", "report": report}, "succeeded"
    except Exception as exc:  # noqa: BLE001 - one instance must not stop the batch
        fd.workflows.evict(item["instance_id"])
        values, counter = {"status": "failed", "error": _failure(exc)}, "failed"
        audit.record(uow, now, actor, "instance.migration_failed",
                     instance_id=item["instance_id"], definition_id=batch["target_definition_id"],
                     after={"batch_id": batch_id, **values["error"]})
    uow.execute(update(items).where(items.c.id == item["id"]).values(finished_at=now, **values))
    uow.execute(update(batches).where(batches.c.id == batch_id)
                .values({counter: batches.c[counter] + 1}))
    left = uow.scalar(select(func.count()).select_from(items).where(
        items.c.batch_id == batch_id, items.c.status == "pending"))
    if not left:
        uow.execute(update(batches).where(batches.c.id == batch_id)
                    .values(status="done", finished_at=now))
        audit.record(uow, now, actor, "migration.finished",
                     definition_id=batch["target_definition_id"], after={"batch_id": batch_id})
    return bool(left)


def run_next(fd: Flowdesk, batch_id: int, actor: str) -> bool:
    """One instance of the batch in a transaction of its own; whether more are pending."""
    with fd.uow() as uow:
        return step_batch(uow, fd, batch_id, fd.now(), actor)


def fire_migration(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
                   node: str) -> str:
    """The due-work handler: one instance of the batch, then the next row, due at once."""
    batch_id = int(row["ref"])
    actor = conn.scalar(select(batches.c.created_by).where(batches.c.id == batch_id)) or "system"
    if step_batch(conn, fd, batch_id, now, actor):
        _arm(conn, batch_id, now)
    timers.mark_done(conn, row, now, node)
    return "fired"


def get_batch(fd: Flowdesk, user: Principal, batch_id: int, lang: str = "zh") -> dict:
    """A batch's progress and each instance's result (admin only)."""
    require_role(user, "admin")
    with fd.uow(read_only=True) as uow:
        batch = uow.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
        if batch is None:
            raise NotFound.of("migration.not_found", batch=batch_id)
        rows = uow.execute(select(items).where(items.c.batch_id == batch_id)
                           .order_by(items.c.id)).mappings().all()
        found = _plan_of(batch)
        _versions(uow, found)
    return {**batch, "from_version": found["source"]["version"],
            "to_version": found["target"]["version"],
            "done": batch["succeeded"] + batch["failed"],
            "items": [{**r, "error": _said(r["error"], lang)} for r in rows]}
