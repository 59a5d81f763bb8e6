"""Admins' own wording of notifications: read, replace and reset a template per kind and
language (``notification_templates``), every change audited.

A template is saved only after it parses and renders with a sample context
(``templates.sample_context``); one that does not is refused naming the part and the line, so
a broken template never reaches the sender. Deleting it goes back to the default in code.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services import audit
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.notify import template_texts, templates
from services.notify.template_texts import KINDS, LANGUAGES, PARTS
from services.principal import Principal, require_role
from store.tables import NotificationTemplate

_table = NotificationTemplate.__table__


def stored(fd: Flowdesk, kind: str, lang: str) -> dict[str, str] | None:
    """The admin's sources of ``kind`` in ``lang``, or None (a short read of its own)."""
    with fd.uow(read_only=True) as conn:
        row = conn.execute(select(_table.c.subject, _table.c.text, _table.c.markdown).where(
            _table.c.kind == kind, _table.c.lang == lang)).mappings().first()
    return dict(row) if row is not None else None


def get_template(fd: Flowdesk, user: Principal, kind: str, lang: str) -> dict[str, Any]:
    """The template in force: the admin's (``overridden``) or the default, with the default
    beside it for reference."""
    require_role(user, "admin")
    _check_key(kind, lang)
    with fd.uow(read_only=True) as conn:
        row = conn.execute(select(_table).where(_table.c.kind == kind, _table.c.lang == lang)
                           ).mappings().first()
    default = template_texts.default(kind, lang)
    if row is None:
        return {"kind": kind, "lang": lang, **default, "overridden": False, "default": default,
                "updated_at": None, "updated_by": None}
    return {**{k: row[k] for k in ("kind", "lang", *PARTS, "updated_at", "updated_by")},
            "overridden": True, "default": default}


def put_template(fd: Flowdesk, user: Principal, kind: str, lang: str,
                 sources: dict[str, str]) -> tuple[dict[str, Any], bool]:
    """Replace the template after trying it; returns it and whether it was new."""
    require_role(user, "admin")
    _check_key(kind, lang)
    try:
        templates.render_sources(sources, templates.template_values(
            kind, templates.sample_context(kind), fd))
    except templates.TemplateFailed as exc:
        raise Invalid.of("notify_template.invalid", [coded_field(
            exc.part, "field.template_broken", "json", line=exc.line or "?",
            reason=exc.reason)], part=exc.part, line=exc.line or "?") from None
    now = fd.now()
    with fd.uow() as conn:
        before = conn.execute(select(*(_table.c[p] for p in PARTS)).where(
            _table.c.kind == kind, _table.c.lang == lang)).mappings().first()
        values = {**{p: sources[p] for p in PARTS}, "updated_at": now,
                  "updated_by": user.username}
        if before is None:
            conn.execute(_table.insert().values(kind=kind, lang=lang, **values))
        else:
            conn.execute(_table.update().where(_table.c.kind == kind, _table.c.lang == lang)
                         .values(**values))
        audit.record(conn, now, user.username, "notify_template.changed",
                     before={"kind": kind, "lang": lang, **before} if before else None,
                     after={"kind": kind, "lang": lang, **{p: sources[p] for p in PARTS}})
    return get_template(fd, user, kind, lang), before is None


def delete_template(fd: Flowdesk, user: Principal, kind: str, lang: str) -> None:
    """Go back to the default wording."""
    require_role(user, "admin")
    _check_key(kind, lang)
    with fd.uow() as conn:
        before = conn.execute(select(*(_table.c[p] for p in PARTS)).where(
            _table.c.kind == kind, _table.c.lang == lang)).mappings().first()
        if before is None:
            raise NotFound.of("notify_template.not_found", kind=kind, lang=lang)
        conn.execute(_table.delete().where(_table.c.kind == kind, _table.c.lang == lang))
        audit.record(conn, fd.now(), user.username, "notify_template.reset",
                     before={"kind": kind, "lang": lang, **before})


def _check_key(kind: str, lang: str) -> None:
    errors = []
    if kind not in KINDS:
        errors.append(coded_field("kind", "field.one_of", "path", allowed=", ".join(KINDS)))
    if lang not in LANGUAGES:
        errors.append(coded_field("lang", "field.one_of", "path", allowed=", ".join(LANGUAGES)))
    if errors:
        raise Invalid.of("notify_template.bad_key", errors, kind=kind, lang=lang)
