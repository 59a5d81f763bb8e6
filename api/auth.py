"""Bearer tokens → the current user. Tokens are random, shown once, and stored as SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import g, request
from .errors import Forbidden, Unauthorized
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


def authenticate(flowdesk) -> CurrentUser:  # type: ignore[no-untyped-def]
    """The caller, from the bearer token; cached for a few seconds to spare a query per call."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
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
