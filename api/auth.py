"""The current user: from a bearer token (API clients) or a signed session cookie (the web UI).

Tokens are random, shown once, and stored as SHA-256. A session is opened with a username and
password; calls that change something with a session cookie must also send the session's CSRF
token in ``X-CSRF-Token``, so another site cannot make the browser act for the user.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import g, request, session
from sqlalchemy import select

from . import sign_in_throttle as throttle
from .errors import Forbidden, TooManyRequests, Unauthorized
from .models import Group, User, UserGroup
from .passwords import hash_password, verify_password
from .queries import TOKEN_USER

ROLES = ("admin", "designer", "staff", "supervisor")
TOKEN_PREFIX = "fd_"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: frozenset[str]
    groups: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def new_token() -> tuple[str, str]:
    """A fresh token and the digest to store."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_user_for_token(session, token: str) -> CurrentUser | None:  # type: ignore[no-untyped-def]
    """One statement: the token's user and the user's groups."""
    rows = session.execute(TOKEN_USER, {"token_hash": hash_token(token)}).all()
    if not rows:
        return None
    first = rows[0]
    return CurrentUser(id=first.id, username=first.username,
                       roles=frozenset(r for r in first.roles.split(",") if r),
                       groups=frozenset(r.name for r in rows if r.name))


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # checked when the user is unknown


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _user_row(conn, column, value):  # type: ignore[no-untyped-def]
    users, links, groups = User.__table__, UserGroup.__table__, Group.__table__
    return conn.execute(
        select(users.c.id, users.c.username, users.c.roles, users.c.active,
               users.c.password_hash, groups.c.name)
        .outerjoin(links, links.c.user_id == users.c.id)
        .outerjoin(groups, groups.c.id == links.c.group_id)
        .where(column == value)).all()


def _as_user(rows) -> CurrentUser | None:  # type: ignore[no-untyped-def]
    if not rows or not rows[0].active:
        return None
    first = rows[0]
    return CurrentUser(id=first.id, username=first.username,
                       roles=frozenset(r for r in first.roles.split(",") if r),
                       groups=frozenset(r.name for r in rows if r.name))


def login(flowdesk, username: str, password: str) -> CurrentUser | None:  # type: ignore[no-untyped-def]
    """Check a username and password; on success the session holds the user (a new session
    id and CSRF token, so a token planted before sign-in is worthless). Raises
    TooManyRequests while the name is locked after repeated wrong passwords."""
    wait = throttle.locked_for(flowdesk, username)
    if wait:
        raise TooManyRequests(f"Too many wrong passwords for this name; try again in "
                              f"{(wait + 59) // 60} minute(s).", retry_after=wait)
    with flowdesk.read_tx() as conn:
        rows = _user_row(conn, User.__table__.c.username, username)
    user = _as_user(rows)
    stored = rows[0].password_hash if user is not None else _DUMMY_HASH
    if not verify_password(password, stored) or user is None:  # same work for unknown users
        throttle.record_failure(flowdesk, username)
        return None
    throttle.clear(flowdesk, username)
    session.clear()
    session["user_id"] = user.id
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    return user


def logout() -> None:
    session.clear()


def _from_session(flowdesk) -> CurrentUser:  # type: ignore[no-untyped-def]
    user_id = session.get("user_id")
    if user_id is None:
        raise Unauthorized("Send 'Authorization: Bearer <token>' (create one with 'flowdesk "
                           "tokens create USER'), or sign in.")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden("This change needs the X-CSRF-Token header of your session.")
    key = f"session:{user_id}"
    user = flowdesk.cached_user(key)
    if user is None:
        with flowdesk.read_tx() as conn:
            user = _as_user(_user_row(conn, User.__table__.c.id, user_id))
        if user is None:
            session.clear()
            raise Unauthorized("Your account is no longer active; sign in again.")
        flowdesk.remember_user(key, user)
    return user


def authenticate(flowdesk) -> CurrentUser:  # type: ignore[no-untyped-def]
    """The caller, from the bearer token or the session; cached for a few seconds to spare a
    query per call."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not header:
        g.user = _from_session(flowdesk)
        return g.user
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send 'Authorization: Bearer <token>'; create one with "
                           "'flowdesk tokens create USER'.")
    digest = hash_token(token)
    user = flowdesk.cached_user(digest)
    if user is None:
        with flowdesk.read_tx() as session:
            user = load_user_for_token(session, token)
        if user is None:
            raise Unauthorized("The bearer token is unknown or revoked.")
        flowdesk.remember_user(digest, user)
    g.user = user
    return user


def current_user() -> CurrentUser:
    return g.user


def require_role(user: CurrentUser, *roles: str) -> None:
    if not user.has_role(*roles):
        raise Forbidden(f"This needs the role {' or '.join(roles)}; "
                        f"'{user.username}' has {', '.join(sorted(user.roles)) or 'none'}.")
