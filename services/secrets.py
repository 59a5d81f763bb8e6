"""Named secrets for the HTTP connector: kept sealed, read back by nobody.

Admins put (create or replace) and delete them; every read (list, one) gives names,
descriptions and who changed them when, never the value, not even a fragment. Audit entries
carry the name and the action. The only way a value leaves the table is ``resolve``, which
the connector calls just before it makes a call, outside any request to the API.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import select

from engine import secret_refs

from services import audit, secret_keys
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.principal import Principal, require_role
from store.tables import Secret
from store.uow import UnitOfWork

MAX_VALUE_CHARS = 65_536  # room for a PEM private key
MAX_DESCRIPTION_CHARS = 500
_table = Secret.__table__
_LISTED = (_table.c.name, _table.c.description, _table.c.created_at, _table.c.created_by,
           _table.c.updated_at, _table.c.updated_by)  # everything but the ciphertext

Resolver = Callable[[Collection[str]], dict[str, str]]


def _check_name(name: str) -> None:
    if not secret_refs.is_name(name):
        raise Invalid.of("secret.bad_name", [coded_field("name", "field.secret_name", "path")],
                         name=name)


def list_secrets(fd: Flowdesk, user: Principal) -> list[dict]:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        return [dict(r) for r in conn.execute(select(*_LISTED).order_by(_table.c.name))
                .mappings()]


def get_secret(fd: Flowdesk, user: Principal, name: str) -> dict:
    require_role(user, "admin")
    with fd.uow(read_only=True) as conn:
        return _listed(conn, name)


def put_secret(fd: Flowdesk, user: Principal, name: str, value: str,
               description: str = "") -> tuple[dict, bool]:
    """Create or replace a secret; returns what a list shows of it, and whether it is new."""
    require_role(user, "admin")
    _check_name(name)
    errors = []
    if not isinstance(value, str) or not 0 < len(value) <= MAX_VALUE_CHARS:
        errors.append(coded_field("value", "field.length_between", max=MAX_VALUE_CHARS))
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS:
        errors.append(coded_field("description", "field.at_most", max=MAX_DESCRIPTION_CHARS))
    if errors:
        raise Invalid.of("secret.invalid", errors, fields=[e["field"] for e in errors])
    sealed = fd.secret_box().seal(name, value)
    now: datetime = fd.now()
    with fd.uow() as conn:
        exists = conn.execute(select(_table.c.id).where(_table.c.name == name)).first()
        values = {"ciphertext": sealed, "description": description, "updated_at": now,
                  "updated_by": user.username}
        if exists is None:
            conn.execute(_table.insert().values(name=name, created_at=now,
                                                created_by=user.username, **values))
        else:
            conn.execute(_table.update().where(_table.c.id == exists.id).values(**values))
        audit.record(conn, now, user.username,
                     "secret.created" if exists is None else "secret.replaced",
                     after={"name": name})
        return _listed(conn, name), exists is None


def delete_secret(fd: Flowdesk, user: Principal, name: str) -> None:
    """Remove a secret; models that still refer to it fail their calls with its name."""
    require_role(user, "admin")
    with fd.uow() as conn:
        deleted = conn.execute(_table.delete().where(_table.c.name == name)).rowcount
        if not deleted:
            raise NotFound.of("secret.not_found", name=name)
        audit.record(conn, fd.now(), user.username, "secret.deleted", before={"name": name})


def resolve(uow: UnitOfWork, box: secret_keys.SecretBox,
            names: Collection[str]) -> dict[str, str]:
    """The values of ``names`` (for the connector, at call time); an unknown name is NotFound
    naming every one missing. The key is not in the database, so the caller brings the box."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = {r.name: r.ciphertext for r in uow.execute(
        select(_table.c.name, _table.c.ciphertext).where(_table.c.name.in_(wanted)))}
    missing = [name for name in wanted if name not in rows]
    if missing:
        raise NotFound.of("secret.missing", names=[repr(n) for n in missing])
    return {name: box.open(name, token) for name, token in rows.items()}


def resolver(fd: Flowdesk) -> Resolver:
    """``resolve`` in a short read of its own, for a caller holding no transaction (the
    connector's worker must not keep one open across a network call)."""
    def resolve_now(names: Collection[str]) -> dict[str, str]:
        box = fd.secret_box()
        with fd.uow(read_only=True) as conn:
            return resolve(conn, box, names)
    return resolve_now


def reseal_all(fd: Flowdesk, actor: str) -> tuple[int, int]:
    """Seal every stored secret again with the first key (the last step of a rotation).
    Returns (resealed, skipped): a row changed meanwhile is skipped, as its writer sealed it."""
    box = fd.secret_box()
    with fd.uow() as conn:
        rows = list(conn.execute(select(_table.c.id, _table.c.ciphertext)))
        resealed = 0
        for row in rows:
            resealed += conn.execute(_table.update().where(
                _table.c.id == row.id, _table.c.ciphertext == row.ciphertext)
                .values(ciphertext=box.reseal(row.ciphertext))).rowcount
        audit.record(conn, fd.now(), actor, "secrets.resealed",
                     after={"resealed": resealed, "skipped": len(rows) - resealed})
    return resealed, len(rows) - resealed


def _listed(conn: UnitOfWork, name: str) -> dict:
    row = conn.execute(select(*_LISTED).where(_table.c.name == name)).mappings().first()
    if row is None:
        raise NotFound.of("secret.not_found", name=name)
    return dict(row)
