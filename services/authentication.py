"""Who a credential belongs to: bearer tokens, passwords, and the user behind a uow.

Tokens are random, shown once, and stored as SHA-256. Password sign-in is throttled per name
(``sign_in_throttle``). Users found are cached for a few seconds (``Flowdesk.cached_user``) to
spare a query per call. The HTTP side (headers, cookies, CSRF) is ``api.auth``.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from services import sign_in_throttle as throttle
from services.context import Flowdesk
from services.errors import Throttled
from services.passwords import hash_password, verify_password
from services.principal import Principal
from store.queries import TOKEN_USER
from store.tables import Group, User, UserGroup

TOKEN_PREFIX = "fd_"
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # checked when the user is unknown


def new_token() -> tuple[str, str]:
    """A fresh token and the digest to store."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _principal(rows) -> Principal:  # type: ignore[no-untyped-def]
    first = rows[0]
    return Principal(id=first.id, username=first.username,
                     roles=frozenset(r for r in first.roles.split(",") if r),
                     groups=frozenset(r.name for r in rows if r.name))


def load_user_for_token(conn, token: str) -> Principal | None:  # type: ignore[no-untyped-def]
    """One statement: the token's user and the user's groups."""
    rows = conn.execute(TOKEN_USER, {"token_hash": hash_token(token)}).all()
    return _principal(rows) if rows else None


def principal_for_token(fd: Flowdesk, token: str) -> Principal | None:
    """The active user a bearer token belongs to, or None (unknown or revoked)."""
    digest = hash_token(token)
    user = fd.cached_user(digest)
    if user is None:
        with fd.uow(read_only=True) as conn:
            user = load_user_for_token(conn, token)
        if user is not None:
            fd.remember_user(digest, user)
    return user  # type: ignore[return-value]


def _user_rows(conn, column, value):  # type: ignore[no-untyped-def]
    users, links, groups = User.__table__, UserGroup.__table__, Group.__table__
    return conn.execute(
        select(users.c.id, users.c.username, users.c.roles, users.c.active,
               users.c.password_hash, groups.c.name)
        .outerjoin(links, links.c.user_id == users.c.id)
        .outerjoin(groups, groups.c.id == links.c.group_id)
        .where(column == value)).all()


def _active(rows) -> Principal | None:  # type: ignore[no-untyped-def]
    if not rows or not rows[0].active:
        return None
    return _principal(rows)


def principal_for_user_id(fd: Flowdesk, user_id: int) -> Principal | None:
    """The active user with this id (a signed-in session), or None."""
    key = f"uow:{user_id}"
    user = fd.cached_user(key)
    if user is None:
        with fd.uow(read_only=True) as conn:
            user = _active(_user_rows(conn, User.__table__.c.id, user_id))
        if user is not None:
            fd.remember_user(key, user)
    return user  # type: ignore[return-value]


def check_password(fd: Flowdesk, username: str, password: str) -> Principal | None:
    """The user if the password is theirs, else None (counted as a failure). Raises
    Throttled while the name is locked after repeated wrong passwords. Unknown names cost the
    same work as known ones."""
    wait = throttle.locked_for(fd, username)
    if wait:
        raise Throttled(f"Too many wrong passwords for this name; try again in "
                        f"{(wait + 59) // 60} minute(s).", retry_after=wait)
    with fd.uow(read_only=True) as conn:
        rows = _user_rows(conn, User.__table__.c.username, username)
    user = _active(rows)
    stored = rows[0].password_hash if user is not None else _DUMMY_HASH
    if not verify_password(password, stored) or user is None:
        throttle.record_failure(fd, username)
        return None
    throttle.clear(fd, username)
    return user
