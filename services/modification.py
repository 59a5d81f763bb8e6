"""Modify where one instance stands (admins only, with a reason, audited): cancel an active
element, start before or after an element, with variables to set.

The engine does the move (``engine.modification``, refused before any change where
SpiffWorkflow cannot do it safely); this is the unit of work around it: one engine ``step``, so
the human-task rows (the cancelled one closed with its SLA clocks, the new one opened with
its clocks armed), due timers and subscriptions follow the engine as after any other call.
"""
from __future__ import annotations

from engine.modification import ModificationRefused, active_elements, target_elements
from engine.variable_schemas import validate_variables
from services import audit
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, load_workflow, step
from services.errors import Conflict, Invalid, NotFound, coded_field
from services.plain_json import json_safe
from services.principal import Principal, require_role
from services.suspension import SUSPENDED, require_reason
from store import queries as q
from store.uow import UnitOfWork

# Refusals about the request itself (422); the others are about the instance's state (409).
INPUT_CODES = ("bad_operation", "no_operation", "unknown_element")


def _modifiable(uow: UnitOfWork, instance_id: int) -> dict:
    instance = uow.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().first()
    if instance is None:
        raise NotFound.of("instance.not_found", instance=instance_id)
    if instance["status"] in (*FINAL_STATUSES, "error", SUSPENDED):
        raise Conflict.of("modify.state", instance=instance_id, status=instance["status"])
    return dict(instance)


def _elements(items: list) -> list[dict]:
    return [{"id": e.id, "name": e.name, "kind": e.kind} for e in items]


def modification_options(fd: Flowdesk, user: Principal, instance_id: int) -> dict:
    """What the 修改流程位置 dialog lists: where the tokens stand, and where one may go."""
    require_role(user, "admin")
    with fd.uow(read_only=True) as uow:
        instance = _modifiable(uow, instance_id)
        _, wf = load_workflow(fd, uow, instance_id, instance["definition_id"],
                              instance["version"])
        return {"instance_id": instance_id, "active": _elements(active_elements(wf)),
                "targets": _elements(target_elements(wf))}


def _refusal(exc: ModificationRefused) -> Exception:
    if exc.code in INPUT_CODES:
        return Invalid.of(f"modify.{exc.code}",
                          [coded_field("operations", f"modify.{exc.code}", element=exc.element)],
                          element=exc.element)
    return Conflict.of(f"modify.{exc.code}", element=exc.element)


def modify_instance(fd: Flowdesk, user: Principal, instance_id: int, operations: list[dict],
                    variables: dict | None, reason: str) -> None:
    require_role(user, "admin")
    reason = require_reason(reason)
    now = fd.now()
    with fd.uow() as uow:
        instance = _modifiable(uow, instance_id)
        parsed = fd.parsed(uow, instance["definition_id"])
        if variables:
            validate_variables(parsed, variables)
        before = [e.id for e in active_elements(load_workflow(
            fd, uow, instance_id, instance["definition_id"], instance["version"])[1])]
        try:
            result, new_tasks = step(uow, fd, instance, lambda parsed, wf: fd.runtime.modify(
                parsed, wf, operations, variables), now, untouched_on=(ModificationRefused,))
        except ModificationRefused as exc:
            raise _refusal(exc) from None
        audit.record(uow, now, user.username, "instance.modified", instance_id=instance_id,
                     before={"status": instance["status"], "active": before},
                     after={"status": result.status, "operations": json_safe(operations),
                            "variables": json_safe(variables or {}), "reason": reason,
                            "active": sorted({t.bpmn_id for t in result.open_tasks}),
                            "opened_tasks": [t["id"] for t in new_tasks]})
