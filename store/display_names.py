"""The names people read, as column expressions to put beside a raw key in any SELECT.

A process is shown by its latest version's name, a group by its display name (前台客服 for
the lane ``Agent``), a person by their display name (李伟 for ``li.wei``); each falls back to the
key when there is none. They are correlated
scalar subqueries on unique or indexed columns, so a hot path gets the names inside the
statement it already runs (no extra statement, nothing cached to go stale when an admin
renames a group or a designer deploys a new version).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from store.tables import Group, ProcessDefinition, User

_DEFS = ProcessDefinition.__table__.alias("name_def")
_GROUPS = Group.__table__.alias("name_group")
_USERS = User.__table__.alias("name_user")


def process_name(key: ColumnElement) -> ColumnElement:
    """The name of the latest version of the process ``key`` names (else the key)."""
    latest = (select(func.nullif(_DEFS.c.name, "")).where(_DEFS.c.key == key)
              .order_by(_DEFS.c.version.desc()).limit(1).scalar_subquery())
    return func.coalesce(latest, key)


def group_name(group: ColumnElement) -> ColumnElement:
    """The display name of the group ``group`` names (else the name; NULL stays NULL)."""
    display = (select(func.nullif(_GROUPS.c.display_name, ""))
               .where(_GROUPS.c.name == group).scalar_subquery())
    return func.coalesce(display, group)


def user_name(username: ColumnElement) -> ColumnElement:
    """The display name of the user ``username`` names (else the username; NULL stays NULL)."""
    display = (select(func.nullif(func.trim(_USERS.c.display_name), ""))
               .where(_USERS.c.username == username).scalar_subquery())
    return func.coalesce(display, username)
