"""Process groups, the rule: each process key belongs to one group, and only that group's
designers (and admins) deploy the key or read its XML. Membership is its own table, not a user
group, because user groups are lanes that receive tasks: being in a lane must not make anyone a
designer, nor may a model route tasks to "the designers of a folder"."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, insert, select

from services.context import Flowdesk
from services.errors import Forbidden, Invalid, coded_field
from services.principal import Principal, require_role
from store.tables import ProcessGroup, ProcessGroupDesigner, ProcessKey
from store.uow import UnitOfWork

DEFAULT_GROUP, DEFAULT_DESCRIPTION = "cs", "客服流程"
GROUPS, DESIGNERS, KEYS = (ProcessGroup.__table__, ProcessGroupDesigner.__table__,
                           ProcessKey.__table__)


def group_named(uow: UnitOfWork, name: str) -> Row | None:
    return uow.execute(select(GROUPS).where(GROUPS.c.name == name)).first()


def group_of_key(uow: UnitOfWork, key: str) -> Row | None:
    return uow.execute(select(GROUPS).join(KEYS, KEYS.c.group_id == GROUPS.c.id)
                       .where(KEYS.c.key == key)).first()


def ensure_default_group(uow: UnitOfWork, now: datetime) -> Row:
    """The group shipped processes and the system's deployments go into (``cs``, 客服流程)."""
    found = group_named(uow, DEFAULT_GROUP)
    if found is None:
        uow.execute(insert(GROUPS).values(name=DEFAULT_GROUP, description=DEFAULT_DESCRIPTION,
                                          created_at=now))
        found = group_named(uow, DEFAULT_GROUP)
    return found


def groups_designed_by(uow: UnitOfWork, user: Principal) -> list[Row]:
    return list(uow.execute(select(GROUPS).join(DESIGNERS, DESIGNERS.c.group_id == GROUPS.c.id)
                            .where(DESIGNERS.c.user_id == user.id).order_by(GROUPS.c.name)))


def groups_to_deploy_into(fd: Flowdesk, user: Principal) -> list[dict]:
    """The groups ``user`` may put a new process into (the designer page's choice): the ones
    they design; every group for an admin. Staff without the designer role get a 403."""
    require_role(user, "designer", "admin")
    with fd.uow(read_only=True) as uow:
        rows = (list(uow.execute(select(GROUPS).order_by(GROUPS.c.name)))
                if user.has_role("admin") else groups_designed_by(uow, user))
    return [{"name": row.name, "description": row.description} for row in rows]


def require_designer_of(uow: UnitOfWork, user: Principal, group: Row, doing: str,
                        key: str) -> None:
    """Admins may; a designer only in a group they design. Raises Forbidden saying what was
    refused (``doing``: a ``group.doing.*`` code of ``services.error_texts`` about ``key``)."""
    if user.has_role("admin"):
        return
    if user.has_role("designer") and uow.scalar(select(DESIGNERS.c.user_id).where(
            DESIGNERS.c.group_id == group.id, DESIGNERS.c.user_id == user.id)) is not None:
        return
    raise Forbidden.of("group.designers_only", group=group.name, user=user.username,
                       doing=doing, process=key)


def place_for_deploy(uow: UnitOfWork, user: Principal, key: str, requested: str | None,
                     now: datetime) -> Row:
    """Check that ``user`` may deploy ``key`` and return its group; a key deployed for the
    first time is put into the requested group, else the user's only one (admins: the
    default group). Raises Forbidden or Invalid."""
    current = group_of_key(uow, key)
    if current is not None:
        if requested and requested != current.name:
            raise Invalid.of("group.process_elsewhere",
                             [coded_field("process_group", "field.process_elsewhere", "form",
                                          process=key, group=current.name)],
                             process=key, group=current.name)
        require_designer_of(uow, user, current, "group.doing.deploy", key)
        return current
    group = _group_for_new_key(uow, user, requested, now)
    require_designer_of(uow, user, group, "group.doing.deploy_new", key)
    uow.execute(insert(KEYS).values(key=key, group_id=group.id))
    return group


def _group_for_new_key(uow: UnitOfWork, user: Principal, requested: str | None,
                       now: datetime) -> Row:
    mine = groups_designed_by(uow, user)
    if requested:
        found = group_named(uow, requested)
        if found is None:
            choices = (list(uow.execute(select(GROUPS).order_by(GROUPS.c.name)))
                       if user.has_role("admin") else mine)
            raise Invalid.of("group.no_such_choice",
                             [coded_field("process_group", "field.no_such_group", "form")],
                             group=requested, choices=[g.name for g in choices])
        return found
    if len(mine) == 1:
        return mine[0]
    if user.has_role("admin"):
        return ensure_default_group(uow, now)
    if not mine:
        raise Forbidden.of("group.designs_none", user=user.username)
    raise Invalid.of("group.name_one",
                     [coded_field("process_group", "field.group_required", "form")],
                     choices=[g.name for g in mine])


def require_xml_reader(uow: UnitOfWork, user: Principal, key: str) -> None:
    """A definition's XML (scripts, rules, how the process works inside) is for its group's
    designers and admins; staff see a case's diagram through the case instead."""
    require_role(user, "designer", "admin")
    group = group_of_key(uow, key)
    if group is None:  # only possible for a key deployed in this very moment
        require_role(user, "admin")
        return
    require_designer_of(uow, user, group, "group.doing.read_xml", key)
