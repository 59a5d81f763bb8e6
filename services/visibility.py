"""Who sees which case, as one rule the reads share (the product rule in the README).

Staff see a case, and its customer's full record, when they started it, hold or held one of
its tasks (assignee or completed_by), or one of their groups works one of its lanes (a task of
the case with that candidate or escalation group). Supervisors and admins see every case.
Anyone else gets the masked summary of ``services.lookup``. The rule is a SQL expression so
it folds into the query that reads the case (no statement of its own).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, true

from services.errors import Forbidden
from services.principal import Principal
from store.tables import HumanTask, ProcessInstance

INSTANCES, TASKS = ProcessInstance.__table__, HumanTask.__table__
SEES_ALL = ("admin", "supervisor")


def sees_all(user: Principal) -> bool:
    return user.has_role(*SEES_ALL)


def works_on(user: Principal, instance_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True where the user holds or held a task of the instance, or their groups work one of
    its lanes."""
    held = [TASKS.c.assignee == user.username, TASKS.c.completed_by == user.username]
    if user.groups:
        groups = sorted(user.groups)
        held += [TASKS.c.candidate_group.in_(groups), TASKS.c.escalation_group.in_(groups)]
    return exists().where(TASKS.c.instance_id == instance_id, or_(*held))


def case_visible(user: Principal) -> ColumnElement[bool]:
    """For a query over process_instances: the rows this user may read in full."""
    if sees_all(user):
        return true()
    if not user.has_role("staff"):
        return false()
    return or_(INSTANCES.c.started_by == user.username, works_on(user, INSTANCES.c.id))


def customer_visible(user: Principal, customer_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The customer's full record: for whoever may read one of that customer's cases."""
    if sees_all(user):
        return true()
    if not user.has_role("staff"):
        return false()
    return exists().where(INSTANCES.c.customer_id == customer_id,
                          or_(INSTANCES.c.started_by == user.username,
                              works_on(user, INSTANCES.c.id)))


def refuse_case(user: Principal, instance_id: int) -> Forbidden:
    return Forbidden.of("case.not_yours", user=user.username, instance=instance_id)


def may_start(user: Principal, start_lanes: frozenset[str], starters: frozenset[str]) -> bool:
    """Starting a process by hand: admins; members of its start event's lane; whoever its
    ``starters`` property names (a group or a user name). A process that names neither is
    open to everyone who may call the API."""
    allowed = start_lanes | starters
    return (not allowed or user.has_role("admin") or user.username in starters
            or bool(user.groups & allowed))


def require_may_start(user: Principal, process_key: str, start_lanes: frozenset[str],
                      starters: frozenset[str]) -> None:
    """``may_start`` or 403 naming who does start it."""
    if may_start(user, start_lanes, starters):
        return
    allowed = start_lanes | starters
    raise Forbidden.of("process.start_refused", user=user.username, process=process_key,
                       allowed=sorted(allowed))
