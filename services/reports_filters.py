"""What the reports page offers in its filters: processes (key and latest name), groups (name
and display name) and agents. Three small reads, for supervisors and admins only (who the staff are is not for
everyone)."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from services.context import Flowdesk
from services.principal import Principal, require_role
from store import queries as q
from store.tables_access import Group, User


class FilterChoices(NamedTuple):
    processes: list[tuple[str, str]]  # (key, name of its latest version)
    groups: list[tuple[str, str]]  # (name, display name or the name)
    agents: list[str]


def filter_choices(fd: Flowdesk, user: Principal) -> FilterChoices:
    require_role(user, "supervisor", "admin")
    defs = q.definitions
    with fd.uow(read_only=True) as conn:
        versions = conn.execute(select(defs.c.key, defs.c.name)
                                .order_by(defs.c.key, defs.c.version.desc())).all()
        table = Group.__table__
        groups = conn.execute(select(table.c.name, table.c.display_name).order_by(table.c.name))
        users = conn.execute(select(User.__table__.c.username)
                             .where(User.__table__.c.active.is_(True))
                             .order_by(User.__table__.c.username))
        group_names = [(g, shown or g) for g, shown in groups]
        agent_names = [u for (u,) in users]
    latest: dict[str, str] = {}
    for key, name in versions:
        latest.setdefault(key, name or key)
    return FilterChoices(sorted(latest.items()), group_names, agent_names)
