"""What a user may start by hand (the 新建案件 page's choices): the latest version of each
process that has a plain start event and whose start rule lets them
(``visibility.may_start``), with its display name, start form and whether it is about a
customer."""
from __future__ import annotations

from sqlalchemy import func, select

from services.context import Flowdesk
from services.principal import Principal, require_role
from services.task_language import process_in_language
from services.visibility import may_start
from store.tables import ProcessDefinition

DEFS = ProcessDefinition.__table__


def startable(fd: Flowdesk, user: Principal, lang: str = "zh") -> list[dict]:
    """Processes by display name, in ``lang`` when the definition has a catalogue for it;
    each parsed once per version (the definition cache)."""
    require_role(user, "staff", "supervisor", "admin")
    latest = (select(DEFS.c.key, func.max(DEFS.c.version).label("version"))
              .group_by(DEFS.c.key).subquery())
    query = select(DEFS.c.id, DEFS.c.key, DEFS.c.version).join(
        latest, (latest.c.key == DEFS.c.key) & (latest.c.version == DEFS.c.version))
    found = []
    with fd.uow(read_only=True) as uow:
        for row in uow.execute(query).all():
            parsed = fd.parsed(uow, row.id)
            form = parsed.start_form
            if not form.manual or not may_start(user, parsed.start_lanes, parsed.starters):
                continue
            name, schema = process_in_language(parsed.catalogues.get(lang) if lang != "zh"
                                               else None, parsed.name, form.schema, form.name)
            found.append({"process_key": row.key, "version": row.version, "name": name,
                          "start_form": schema, "customer": form.customer})
    return sorted(found, key=lambda p: (p["start_form"] is None, p["name"], p["process_key"]))
