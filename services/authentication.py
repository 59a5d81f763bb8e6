"""Who a credential belongs to: bearer tokens, passwords, and the user behind a uow.

Tokens are random, shown once, and stored as SHA-256. Password sign-in is throttled per name
and client address (``sign_in_throttle``). A credential is looked up with one indexed statement
that also checks revocation, expiry and that the user is active; the principal found is then
reused (``fd.credentials``) only while the access epoch stands still (``store.access_epoch``):
every change of access bumps it in its own transaction, so taking access back counts on the
next request of every node that shares the database, without the lookup on every request.
The lookup runs on its own, outside a transaction (``fd.read_alone``): opening and ending one
would double its cost. The HTTP side (headers, cookies, CSRF) is ``api.auth``.

A token's ``last_used_at`` (shown to admins) is written only when the lookup finds it older
than ``TOUCH_EVERY``: at most one small UPDATE per token every few minutes, never one per
request, so the hot paths' statement budget (tests/integration/test_statement_budget.py)
holds in steady state.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError

from services import sign_in_throttle as throttle
from services.context import Flowdesk
from services.errors import Throttled
from services.passwords import hash_password, verify_password
from services.principal import Principal
from services.sessions import session_hash
from store.queries import FAST_SESSION_USER, FAST_TOKEN_USER
from store.tables import ApiToken, Group, User, UserGroup

TOKEN_PREFIX = "fd_"
TOUCH_EVERY = timedelta(minutes=5)  # how stale a token's last_used_at may get
_TOKENS = ApiToken.__table__
log = logging.getLogger("flowdesk.auth")
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # checked when the user is unknown


def new_token() -> tuple[str, str]:
    """A fresh token and the digest to store."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _principal(rows: list[dict]) -> Principal:
    first = rows[0]
    return Principal(id=first["id"], username=first["username"],
                     roles=frozenset(r for r in first["roles"].split(",") if r),
                     groups=frozenset(r["name"] for r in rows if r["name"]))


def principal_for_token(fd: Flowdesk, token: str) -> Principal | None:
    """The active user a live bearer token belongs to, or None (unknown, revoked, expired,
    or the user is disabled)."""
    now = fd.now()
    digest = hash_token(token)
    key = "token:" + digest
    epoch = fd.access.current()  # before the lookup: a change during it makes the entry stale
    found = fd.credentials.get(key, epoch, now)
    if found is not None:
        return found
    rows = fd.read_alone(FAST_TOKEN_USER, {"token_hash": digest, "now": now,
                                           "stale_before": now - TOUCH_EVERY})
    if not rows:
        return None
    if rows[0]["touch_due"]:
        _touch(fd, rows[0]["token_id"], now)
    user = _principal(rows)
    fd.credentials.put(key, epoch, now, user, rows[0]["expires_at"])
    return user


def _touch(fd: Flowdesk, token_id: int, now: datetime) -> None:
    """Record that a token was used. Conditional, so nodes racing on one token write once;
    best effort: a busy database must not fail the request the token is for."""
    try:
        with fd.uow() as uow:
            uow.execute(update(_TOKENS).where(
                _TOKENS.c.id == token_id,
                or_(_TOKENS.c.last_used_at.is_(None),
                    _TOKENS.c.last_used_at <= now - TOUCH_EVERY)).values(last_used_at=now))
    except DBAPIError:
        log.warning("could not record the use of token %s; next time", token_id, exc_info=True)


def principal_for_session(fd: Flowdesk, session_id: str) -> Principal | None:
    """The active user of a live server-side session (``services.sessions``), or None."""
    now = fd.now()
    digest = session_hash(session_id)
    key = "session:" + digest
    epoch = fd.access.current()
    found = fd.credentials.get(key, epoch, now)
    if found is not None:
        return found
    rows = fd.read_alone(FAST_SESSION_USER, {"session_hash": digest, "now": now})
    if not rows:
        return None
    user = _principal(rows)
    fd.credentials.put(key, epoch, now, user, rows[0]["expires_at"])
    return user


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
    return _principal([row._mapping for row in rows])


def check_password(fd: Flowdesk, username: str, password: str,
                   client: str) -> Principal | None:
    """The user if the password is theirs, else None (counted against this name from this
    client). Raises Throttled while this client must wait before trying this name again, or
    any name after failing for many (spraying); other clients are not held back
    (``sign_in_throttle``). Unknown names cost the same work
    as known ones."""
    by_name, by_address = throttle.waits(fd, username, client)
    if by_address > by_name:
        raise Throttled.after(by_address, "auth.throttled_address", scope="address",
                              wait=by_address)
    if by_name:
        raise Throttled.after(by_name, "auth.throttled", wait=by_name)
    with fd.uow(read_only=True) as conn:
        rows = _user_rows(conn, User.__table__.c.username, username)
    user = _active(rows)
    stored = rows[0].password_hash if user is not None else _DUMMY_HASH
    if not verify_password(password, stored) or user is None:
        throttle.record_failure(fd, username, client)
        return None
    throttle.clear(fd, username, client)
    return user
