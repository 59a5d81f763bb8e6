"""Admins manage process groups: create one, add and remove its designers, move a process key
to another group. Every change is audited (``process_group.*``, ``process_key.moved``)."""
from __future__ import annotations

import re

from sqlalchemy import Row, delete, func, insert, select, update

from services import audit
from services.context import Flowdesk
from services.errors import Conflict, Invalid, NotFound, coded_field
from services.principal import Principal, require_role
from services.process_groups import (DEFAULT_GROUP, DESIGNERS, GROUPS, KEYS,
                                     ensure_default_group, group_named)
from store.tables import ProcessDefinition, User
from store.uow import UnitOfWork

NAME = re.compile(r"[\w.-]{1,100}")  # \w takes Chinese too: 客服流程 is a fine name
USERS, DEFS = User.__table__, ProcessDefinition.__table__


def list_groups(fd: Flowdesk, by: Principal) -> list[dict]:
    """Every group with its designers and process keys (admin)."""
    require_role(by, "admin")
    with fd.uow(read_only=True) as uow:
        return [_described(uow, g) for g in uow.execute(select(GROUPS).order_by(GROUPS.c.name))]


def create_group(fd: Flowdesk, by: Principal, name: str, description: str) -> dict:
    require_role(by, "admin")
    if not NAME.fullmatch(name):
        raise Invalid.of("group.bad_name", [coded_field("name", "field.group_name")])
    now = fd.now()
    with fd.uow() as uow:
        if group_named(uow, name) is not None:
            raise Conflict.of("group.exists", group=name)
        uow.execute(insert(GROUPS).values(name=name, description=description, created_at=now))
        audit.record(uow, now, by.username, "process_group.created",
                     after={"name": name, "description": description})
        return _described(uow, _group(uow, name))


def add_designer(fd: Flowdesk, by: Principal, name: str, username: str) -> dict:
    """Make ``username`` (who needs the designer role) a designer of the group; idempotent."""
    require_role(by, "admin")
    now = fd.now()
    with fd.uow() as uow:
        group, user = _group(uow, name), _designer_user(uow, username)
        if not _is_designer(uow, group.id, user.id):
            uow.execute(insert(DESIGNERS).values(group_id=group.id, user_id=user.id))
            audit.record(uow, now, by.username, "process_group.designer_added",
                         after={"group": name, "username": username})
        return _described(uow, group)


def add_default_designers(fd: Flowdesk, by: Principal, usernames: list[str]) -> None:
    """The demo and test set-up: these users design the default group (created if missing)."""
    with fd.uow() as uow:
        ensure_default_group(uow, fd.now())
    for username in usernames:
        add_designer(fd, by, DEFAULT_GROUP, username)


def remove_designer(fd: Flowdesk, by: Principal, name: str, username: str) -> None:
    require_role(by, "admin")
    now = fd.now()
    with fd.uow() as uow:
        group = _group(uow, name)
        user_id = uow.scalar(select(USERS.c.id).where(USERS.c.username == username))
        if user_id is None or not _is_designer(uow, group.id, user_id):
            raise NotFound.of("group.not_designer", user=username, group=name)
        uow.execute(delete(DESIGNERS).where(DESIGNERS.c.group_id == group.id,
                                            DESIGNERS.c.user_id == user_id))
        audit.record(uow, now, by.username, "process_group.designer_removed",
                     before={"group": name, "username": username})


def move_key(fd: Flowdesk, by: Principal, key: str, name: str) -> dict:
    """Put a deployed process key (every version) into another group."""
    require_role(by, "admin")
    now = fd.now()
    with fd.uow() as uow:
        latest = uow.scalar(select(func.max(DEFS.c.id)).where(DEFS.c.key == key))
        if latest is None:
            raise NotFound.of("group.process_not_deployed", process=key)
        target = group_named(uow, name)
        if target is None:
            raise Invalid.of("group.no_such", [coded_field("process_group", "field.no_such_group")],
                             group=name)
        before = uow.execute(select(GROUPS.c.name).join(KEYS, KEYS.c.group_id == GROUPS.c.id)
                             .where(KEYS.c.key == key)).scalar()
        if before is None:
            uow.execute(insert(KEYS).values(key=key, group_id=target.id))
        elif before != name:
            uow.execute(update(KEYS).where(KEYS.c.key == key).values(group_id=target.id))
        if before != name:
            audit.record(uow, now, by.username, "process_key.moved", definition_id=latest,
                         before={"key": key, "process_group": before},
                         after={"key": key, "process_group": name})
        return {"key": key, "process_group": name}


def _group(uow: UnitOfWork, name: str) -> Row:
    found = group_named(uow, name)
    if found is None:
        raise NotFound.of("group.not_found", group=name)
    return found


def _designer_user(uow: UnitOfWork, username: str) -> Row:
    user = uow.execute(select(USERS.c.id, USERS.c.roles)
                       .where(USERS.c.username == username)).first()
    if user is None:
        raise NotFound.of("group.user_not_found", user=username)
    if not {"designer", "admin"} & set(user.roles.split(",")):
        raise Invalid.of("group.not_a_designer_role", user=username)
    return user


def _is_designer(uow: UnitOfWork, group_id: int, user_id: int) -> bool:
    return uow.scalar(select(DESIGNERS.c.user_id).where(
        DESIGNERS.c.group_id == group_id, DESIGNERS.c.user_id == user_id)) is not None


def _described(uow: UnitOfWork, group: Row) -> dict:
    designers = uow.scalars(select(USERS.c.username)
                            .join(DESIGNERS, DESIGNERS.c.user_id == USERS.c.id)
                            .where(DESIGNERS.c.group_id == group.id).order_by(USERS.c.username))
    keys = uow.scalars(select(KEYS.c.key).where(KEYS.c.group_id == group.id)
                       .order_by(KEYS.c.key))
    return {"name": group.name, "description": group.description,
            "created_at": group.created_at, "designers": list(designers), "keys": list(keys)}
