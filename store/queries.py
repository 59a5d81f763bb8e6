"""Prebuilt Core statements for the hot paths (auth, task list, complete, start).

Built once at import: SQLAlchemy memoizes their cache keys, so each call only binds parameters.
This is where the per-call budget of a few statements and no ORM overhead is kept.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (ColumnElement, Select, and_, bindparam, func, literal_column,
                        or_, select)

from store.display_names import group_name, process_name
from store.fast_sql import Prepared
from store.tables import (ApiToken, Group, HumanTask, Incident, ProcessDefinition, ProcessInstance,
                          User, UserGroup, UserSession)

tasks = HumanTask.__table__
incidents = Incident.__table__
instances = ProcessInstance.__table__
definitions = ProcessDefinition.__table__
ACTIVE = ("open", "claimed")


def one_of(column: ColumnElement, values: tuple[str, ...]) -> ColumnElement:
    """``column IN ('a', 'b')`` over a fixed tuple of the code's own words, written into the
    SQL: ``in_`` with a plain list makes an "expanding" parameter that is re-rendered on every
    execution, and only a constant lets SQLite and PostgreSQL use a partial index on the same
    condition (the inbox's indexes over open tasks, ``store.tables``)."""
    if not all(v.replace("_", "").isalnum() for v in values):
        raise ValueError(f"not a plain word: {values!r}")
    return column.in_([literal_column(f"'{v}'") for v in values])


IS_ACTIVE = one_of(tasks.c.state, ACTIVE)

_users, _links, _groups = User.__table__, UserGroup.__table__, Group.__table__
_tokens, _sessions = ApiToken.__table__, UserSession.__table__


def _active_user_with_groups(credential, joined: ColumnElement, *live: ColumnElement,
                             extra: tuple[ColumnElement, ...] = ()) -> Select:
    """The active user a live credential row belongs to, one row per group (NULL if none):
    the credential's lookup and every check that can take it back in one statement, so a
    revocation, an expiry or a disabled user counts on the very next request of every node.
    ``extra``: columns of the credential itself the caller needs too."""
    return (select(_users.c.id, _users.c.username, _users.c.roles, _groups.c.name, *extra)
            .select_from(credential.join(_users, _users.c.id == joined)
                         .outerjoin(_links, _links.c.user_id == _users.c.id)
                         .outerjoin(_groups, _groups.c.id == _links.c.group_id))
            .where(*live, _users.c.active.is_(True)))


TOKEN_USER = _active_user_with_groups(
    _tokens, _tokens.c.user_id, _tokens.c.token_hash == bindparam("token_hash"),
    _tokens.c.revoked_at.is_(None),
    or_(_tokens.c.expires_at.is_(None), _tokens.c.expires_at > bindparam("now")),
    extra=(_tokens.c.id.label("token_id"), _tokens.c.expires_at,
           # whether to record the use (``services.authentication``): a flag, not the time,
           # which would be parsed on every request to be compared once
           or_(_tokens.c.last_used_at.is_(None),
               _tokens.c.last_used_at <= bindparam("stale_before")).label("touch_due")))

SESSION_USER = _active_user_with_groups(
    _sessions, _sessions.c.user_id, _sessions.c.id_hash == bindparam("session_hash"),
    _sessions.c.ended_at.is_(None), _sessions.c.expires_at > bindparam("now"),
    extra=(_sessions.c.expires_at,))

# One task, with the names people read beside its process key and group.
TASK = select(tasks, process_name(tasks.c.process_key).label("process_name"),
              group_name(tasks.c.candidate_group).label("candidate_group_name")
              ).where(tasks.c.id == bindparam("task_id"))

# What completing a task needs (not its form schema, data or text: decoding them is wasted),
# with one row per other open task of its instance (open_guid, open_id; NULL if none), so the
# task rows can be synced with the engine afterwards without reading them again.
_others = tasks.alias("other_open")
TASK_WITH_INSTANCE = (
    select(tasks.c.id, tasks.c.task_guid, tasks.c.instance_id, tasks.c.process_key,
           tasks.c.business_key, tasks.c.candidate_group, tasks.c.escalation_group,
           tasks.c.assignee, tasks.c.state, tasks.c.sla_state, tasks.c.owner,
           tasks.c.delegation_state, instances.c.status.label("instance_status"),
           instances.c.version.label("instance_version"),
           instances.c.definition_id.label("definition_id"),
           _others.c.task_guid.label("open_guid"), _others.c.id.label("open_id"))
    .select_from(tasks.join(instances, instances.c.id == tasks.c.instance_id)
                 .outerjoin(_others, and_(_others.c.instance_id == tasks.c.instance_id,
                                          _others.c.id != tasks.c.id,
                                          one_of(_others.c.state, ACTIVE))))
    .where(tasks.c.id == bindparam("task_id")))

INSTANCE_HEAD = select(
    instances.c.id, instances.c.definition_id, instances.c.process_key,
    instances.c.business_key, instances.c.status, instances.c.version,
).where(instances.c.id == bindparam("instance_id"))

INSTANCE_STATE = select(instances.c.state).where(instances.c.id == bindparam("instance_id"))

OPEN_TASKS_OF = select(tasks.c.task_guid, tasks.c.id).where(
    tasks.c.instance_id == bindparam("instance_id"), IS_ACTIVE)

# A step's new state, if nobody else wrote the instance since it was read (optimistic lock).
# SAVE_STATE_SAME_STATUS while the status stays: SQLite rewrites the entries of every index on a
# column the SET names, changed or not, and status leads three of the instance's indexes; most
# steps of a case leave it running (a step saved three index pages it had not changed).
SAVE_STATE_SAME_STATUS = (
    instances.update()
    .where(instances.c.id == bindparam("instance_id"),
           instances.c.version == bindparam("seen_version"))
    .values(state=bindparam("new_state"), version=bindparam("new_version"),
            variables=bindparam("new_variables"), updated_at=bindparam("now")))
SAVE_STATE = SAVE_STATE_SAME_STATUS.values(status=bindparam("new_status"),
                                           ended_at=bindparam("ended"))

LATEST_DEFINITION = (
    select(definitions.c.id, definitions.c.key, definitions.c.version)
    .where(definitions.c.key == bindparam("key"))
    .order_by(definitions.c.version.desc()).limit(1))

DEFINITION_VERSION = select(definitions.c.id, definitions.c.key, definitions.c.version).where(
    definitions.c.key == bindparam("key"), definitions.c.version == bindparam("version"))

DEFINITION_HEAD = select(definitions.c.id, definitions.c.key, definitions.c.version).where(
    definitions.c.id == bindparam("definition_id"))

DEFINITION_FILES = select(definitions.c.id, definitions.c.key, definitions.c.sha256,
                          definitions.c.files).where(definitions.c.id == bindparam("definition_id"))

INSERT_TASKS = tasks.insert().returning(tasks.c.id, sort_by_parameter_order=True)

COUNT_OVER = func.count().over().label("total_count")


def page_of(conn: Any, query: Select, page: int, per_page: int) -> tuple[list[dict], int]:
    """One page of an ordered query as dicts, and how many rows the whole query has (the
    admin lists: cold paths, so a plain count beside the page)."""
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return [dict(r) for r in rows], total


# The statements run on every start, task list and completion, run on the driver's cursor.
FAST_TASK_WITH_INSTANCE = Prepared(TASK_WITH_INSTANCE)
FAST_SAVE_STATE = Prepared(SAVE_STATE)
FAST_SAVE_STATE_SAME_STATUS = Prepared(SAVE_STATE_SAME_STATUS)
FAST_LATEST_DEFINITION = Prepared(LATEST_DEFINITION)
FAST_TOKEN_USER = Prepared(TOKEN_USER)
FAST_SESSION_USER = Prepared(SESSION_USER)
