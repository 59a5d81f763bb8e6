"""One action over many tasks (the inbox's bulk bar, ``POST /api/v1/tasks/bulk``): claim,
assign, unassign, move to another group, cancel or retry the task's instance.

The tasks are named by id or chosen by the task list's filters (``task_list.list_tasks``, so
a filter selects exactly what ``GET /tasks`` would show this user). At most ``MAX_ITEMS`` per
call (fewer for the heavier cancel and retry, ``MOST_FOR``): more is refused as a whole (422
``task.bulk_too_many``) before anything changes, as is an unknown user to assign to or group
to move to (422 naming ``to`` or ``group``). Each
task then goes through the single action's service in its own unit of work, with that
action's permission checks and audit, so one refusal (a task claimed meanwhile, a case
already ended) is that item's result and the others go on; so is an unexpected failure
of one item (rolled back, logged, 503 ``task.bulk_item_failed``); after ``GIVE_UP_AFTER``
of those in a row the rest get that result untried (the database is gone). Cancel and
retry act on the task's instance (``services.instances``, admin only); two tasks of one
instance: the second finds it ended.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

from services import instances, task_handoff, task_list, tasks
from services.context import Flowdesk
from services.errors import Invalid, ServiceError, Unavailable, coded_field
from services.principal import Principal
from store.uow import UnitOfWork

MAX_ITEMS = 1000
# Cancel and retry run each case's engine (hundreds of such steps took several seconds on two
# busy cores): fewer per call, so no request holds the server long.
MOST_FOR = {"cancel": 200, "retry": 200}
FAILED = "task.bulk_item_failed"
GIVE_UP_AFTER = 3  # unexpected failures in a row after which the rest are not tried
log = logging.getLogger("flowdesk.bulk")


class Request(NamedTuple):
    """What every item's action is given besides its task."""

    to: str | None
    group: str | None
    reason: str


class Outcome(NamedTuple):
    """One task's result: ``error`` is None when the action was done."""

    task_id: int
    error: ServiceError | None


def _cancel(fd: Flowdesk, user: Principal, task_id: int, req: Request) -> None:
    instance_id = tasks.get_task(fd, user, task_id)["instance_id"]
    instances.cancel_instance(fd, user, instance_id, req.reason)


def _retry(fd: Flowdesk, user: Principal, task_id: int, req: Request) -> None:
    instances.retry_instance(fd, user, tasks.get_task(fd, user, task_id)["instance_id"])


Step = Callable[[Flowdesk, Principal, int, Request], object]
STEPS: dict[str, Step] = {
    "claim": lambda fd, user, task_id, req: tasks.claim(fd, user, task_id),
    "assign": lambda fd, user, task_id, req: tasks.assign(fd, user, task_id, req.to or ""),
    "unassign": lambda fd, user, task_id, req: tasks.unclaim(fd, user, task_id),
    "move_group": lambda fd, user, task_id, req: task_handoff.move_group(
        fd, user, task_id, req.group or "", req.reason or None),
    "cancel": _cancel,
    "retry": _retry,
}
ACTIONS = tuple(STEPS)
NEEDS = {"assign": "to", "move_group": "group"}  # the action -> the argument it needs
# The argument's own check, made once before any task: an unknown user or group is the
# request's mistake (422 naming the field), not a refusal repeated on every item.
CHECKS: dict[str, Callable[[UnitOfWork, Request], None]] = {
    "assign": lambda uow, req: task_handoff.require_active_user(uow, req.to or "", "to"),
    "move_group": lambda uow, req: task_handoff.require_group(uow, req.group or "", "group"),
}


def run(fd: Flowdesk, user: Principal, action: str, *, ids: list[int] | None = None,
        filters: dict | None = None, to: str | None = None, group: str | None = None,
        reason: str = "") -> list[Outcome]:
    """Do ``action`` to each task named by ``ids`` or chosen by ``filters``; one outcome per
    task, in order."""
    req = Request(to, group, reason)
    needed = NEEDS.get(action)
    if needed and not getattr(req, needed):
        raise Invalid.of("task.bulk_needs", [coded_field(needed, "field.not_blank")],
                         action=action, field=needed)
    if action in CHECKS:
        with fd.uow(read_only=True) as uow:
            CHECKS[action](uow, req)
    step = STEPS[action]
    outcomes: list[Outcome] = []
    faults = 0  # unexpected failures in a row
    for task_id in chosen(fd, user, ids, filters, MOST_FOR.get(action, MAX_ITEMS)):
        if faults >= GIVE_UP_AFTER:  # the database is gone: don't wait on it 1000 times
            outcomes.append(Outcome(task_id, _failed(task_id)))
            continue
        error: ServiceError | None = None
        try:
            step(fd, user, task_id, req)
        except ServiceError as refused:
            error = refused
        except Exception:  # noqa: BLE001 - one item's fault (a lost connection, a deadlock, a
            # bug) is rolled back with its unit of work and is that item's result, not a 500
            # that leaves the caller not knowing which of the others were done
            log.exception("bulk %s: task %s failed", action, task_id)
            error = _failed(task_id)
        faults = faults + 1 if error is not None and error.code == FAILED else 0
        outcomes.append(Outcome(task_id, error))
    return outcomes


def _failed(task_id: int) -> ServiceError:
    return Unavailable.of(FAILED, task=task_id)


def chosen(fd: Flowdesk, user: Principal, ids: list[int] | None,
           filters: dict | None, most: int = MAX_ITEMS) -> list[int]:
    """The task ids, each once: as given, or the filter's matches in the list's order; more
    than ``most`` is a 422 before anything is done."""
    by_filter = ids is None
    if ids is None:  # one more than allowed tells "too many" without counting them all
        page = task_list.list_tasks(fd, user, **(filters or {}), page=1, per_page=most + 1)
        ids = [row["id"] for row in page.rows]
    unique = list(dict.fromkeys(ids))
    if len(unique) > most:
        raise Invalid.of("task.bulk_too_many", max=most,
                         count=f"{most}+" if by_filter else len(unique))
    return unique
