"""What people read for a user group: its display name (前台客服 for the lane ``Agent``).

Models and task rows keep the group's ``name``; pages show ``display_name`` (or the name when
there is none). Admins set it; the change is audited.
"""
from __future__ import annotations

from sqlalchemy import select, update

from services import audit
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.principal import Principal, require_role
from store.tables import Group

GROUPS = Group.__table__
MAX_LENGTH = 100


def list_groups(fd: Flowdesk, user: Principal) -> list[dict]:
    """Every group with its display name, by name (any signed-in user: pages label with it)."""
    with fd.uow(read_only=True) as uow:
        return [dict(r) for r in uow.execute(
            select(GROUPS.c.name, GROUPS.c.display_name).order_by(GROUPS.c.name)).mappings()]


def set_display_name(fd: Flowdesk, user: Principal, name: str, display_name: str | None) -> dict:
    """Give a group the name people read; empty or None clears it (the name is shown)."""
    require_role(user, "admin")
    display = (display_name or "").strip() or None
    if display is not None and len(display) > MAX_LENGTH:
        raise Invalid.of("group.display_name_long",
                         [coded_field("display_name", "field.at_most", max=MAX_LENGTH)],
                         max=MAX_LENGTH)
    with fd.uow() as uow:
        row = uow.execute(select(GROUPS).where(GROUPS.c.name == name)).mappings().first()
        if row is None:
            raise NotFound.of("group.no_group_named", group=name)
        uow.execute(update(GROUPS).where(GROUPS.c.id == row["id"]).values(display_name=display))
        audit.record(uow, fd.now(), user.username, "group.renamed",
                     before={"name": name, "display_name": row["display_name"]},
                     after={"name": name, "display_name": display})
        return {"name": name, "display_name": display}
