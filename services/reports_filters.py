"""What the reports page offers in its filters: processes (key and latest name, in the page's
language), groups (name and display name) and agents (username and display name: people are
shown by name, the filter keeps the username). Three small reads, for supervisors and admins
only (who the staff are is not for everyone)."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from services.context import Flowdesk
from services.principal import Principal, require_role
from services.task_language import process_names
from store import queries as q
from store.display_names import user_name
from store.tables_access import Group, User


class FilterChoices(NamedTuple):
    processes: list[tuple[str, str]]  # (key, name of its latest version in the language)
    groups: list[tuple[str, str]]  # (name, display name or the name)
    agents: list[tuple[str, str]]  # (username, display name or the username)


def filter_choices(fd: Flowdesk, user: Principal, lang: str = "zh") -> FilterChoices:
    require_role(user, "supervisor", "admin")
    defs = q.definitions
    users = User.__table__
    with fd.uow(read_only=True) as conn:
        versions = conn.execute(select(defs.c.key, defs.c.name, defs.c.id)
                                .order_by(defs.c.key, defs.c.version.desc())).all()
        table = Group.__table__
        groups = conn.execute(select(table.c.name, table.c.display_name).order_by(table.c.name))
        people = conn.execute(select(users.c.username, user_name(users.c.username))
                              .where(users.c.active.is_(True)).order_by(users.c.username))
        group_names = [(g, shown or g) for g, shown in groups]
        agent_names = [(u, shown) for u, shown in people]  # as the agents report names them
    latest: dict[str, tuple[int, str]] = {}
    for key, name, definition_id in versions:
        latest.setdefault(key, (definition_id, name or key))
    named = process_names(fd, [i for i, _ in latest.values()], lang)
    processes = [(key, named.get(i, name)) for key, (i, name) in sorted(latest.items())]
    return FilterChoices(processes, group_names, agent_names)
