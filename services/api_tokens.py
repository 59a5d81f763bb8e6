"""Bearer tokens: made (shown once, stored as SHA-256, optionally with an expiry), listed and
revoked. A revoked or expired token fails on its next request on every node
(``services.authentication`` checks both in the statement that looks the token up)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert, select, update

from services import audit
from services.authentication import new_token
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.principal import Principal, require_role, system
from store.tables import ApiToken, User

TOKENS, USERS = ApiToken.__table__, User.__table__
CLI = system("cli", "admin")
_LIFETIME = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_lifetime(text: str, field: str = "expires_in") -> timedelta:
    """``30d``, ``12h``, ``90m`` or ``2w`` as a timedelta (a 422 naming ``field`` otherwise)."""
    found = _LIFETIME.match(text or "")
    if not found or int(found.group(1)) == 0:
        raise Invalid.of("token.lifetime", [coded_field(field, "field.lifetime")], text=text)
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def issue_token(fd: Flowdesk, username: str, name: str = "",
                expires_in: timedelta | None = None, by: Principal = CLI) -> dict:
    """A new token for ``username``: its listing (``list_tokens``) plus ``token``, the secret,
    returned this once (only its digest is kept)."""
    require_role(by, "admin")
    now = fd.now()
    with fd.uow() as uow:
        user_id = uow.scalar(select(USERS.c.id).where(USERS.c.username == username))
        if user_id is None:
            raise NotFound.of("user.not_found", user=username)
        token, digest = new_token()
        expires_at = now + expires_in if expires_in else None
        token_id = uow.execute(insert(TOKENS).values(
            user_id=user_id, token_hash=digest, name=name or by.username, created_at=now,
            expires_at=expires_at).returning(TOKENS.c.id)).scalar_one()
        audit.record(uow, now, by.username, "token.created",
                     after={"id": token_id, "username": username,
                            "expires_at": expires_at.isoformat() if expires_at else None})
    return {**get_token(fd, token_id, by), "token": token}


def create_token(fd: Flowdesk, username: str, name: str = "",
                 expires_in: timedelta | None = None, by: Principal = CLI) -> str:
    """Just the new token's secret (the CLI prints it)."""
    return issue_token(fd, username, name, expires_in, by)["token"]


_LISTING = (select(TOKENS.c.id, USERS.c.username, TOKENS.c.name, TOKENS.c.created_at,
                   TOKENS.c.expires_at, TOKENS.c.revoked_at, TOKENS.c.last_used_at,
                   USERS.c.active)
            .join(USERS, USERS.c.id == TOKENS.c.user_id).order_by(TOKENS.c.id.desc()))


def list_tokens(fd: Flowdesk, username: str | None = None, by: Principal = CLI) -> list[dict]:
    """Every token (of one user), newest first, with whether it still works; never a secret."""
    require_role(by, "admin")
    query = _LISTING.where(USERS.c.username == username) if username else _LISTING
    with fd.uow(read_only=True) as uow:
        if username and uow.scalar(select(USERS.c.id).where(USERS.c.username == username)) is None:
            raise NotFound.of("user.not_found", user=username)
        rows = uow.execute(query).mappings().all()
    return [_listed(row, fd.now()) for row in rows]


def get_token(fd: Flowdesk, token_id: int, by: Principal = CLI) -> dict:
    require_role(by, "admin")
    with fd.uow(read_only=True) as uow:
        row = uow.execute(_LISTING.where(TOKENS.c.id == token_id)).mappings().first()
    if row is None:
        raise NotFound.of("token.not_found", token=token_id)
    return _listed(row, fd.now())


def _listed(row, now) -> dict:  # type: ignore[no-untyped-def]
    out = {key: row[key] for key in row.keys() if key != "active"}
    return {**out, "state": _state(row, now)}


def _state(row, now) -> str:  # type: ignore[no-untyped-def]
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return "expired"
    return "active" if row["active"] else "user_disabled"


def revoke_token(fd: Flowdesk, token_id: int, by: Principal = CLI) -> bool:
    """Revoke a token (its next request is a 401 everywhere); False if it already was."""
    require_role(by, "admin")
    now = fd.now()
    with fd.uow() as uow:
        row = uow.execute(select(TOKENS.c.revoked_at, USERS.c.username)
                          .join(USERS, USERS.c.id == TOKENS.c.user_id)
                          .where(TOKENS.c.id == token_id)).first()
        if row is None:
            raise NotFound.of("token.not_found", token=token_id)
        if row.revoked_at is not None:
            return False
        uow.execute(update(TOKENS).where(TOKENS.c.id == token_id).values(revoked_at=now))
        fd.access.bump(uow)
        audit.record(uow, now, by.username, "token.revoked",
                     after={"id": token_id, "username": row.username})
        return True
