"""Bearer tokens → the current user. Tokens are random, shown once, and stored as SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import g, request
from sqlalchemy import select

from .errors import Forbidden, Unauthorized
from .models import ApiToken, Group, User, UserGroup

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
    rows = session.execute(
        select(User.id, User.username, User.roles, Group.name)
        .join(ApiToken, ApiToken.user_id == User.id)
        .outerjoin(UserGroup, UserGroup.user_id == User.id)
        .outerjoin(Group, Group.id == UserGroup.group_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None),
               User.active.is_(True))).all()
    if not rows:
        return None
    first = rows[0]
    return CurrentUser(id=first.id, username=first.username,
                       roles=frozenset(r for r in first.roles.split(",") if r),
                       groups=frozenset(r.name for r in rows if r.name))


def authenticate(flowdesk) -> CurrentUser:  # type: ignore[no-untyped-def]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'; create one with "
                           "'flowdesk tokens create USER'.")
    with flowdesk.read() as session:
        user = load_user_for_token(session, token.strip())
    if user is None:
        raise Unauthorized("The bearer token is unknown or revoked.")
    g.user = user
    return user


def current_user() -> CurrentUser:
    return g.user


def require_role(user: CurrentUser, *roles: str) -> None:
    if not user.has_role(*roles):
        raise Forbidden(f"This needs the role {' or '.join(roles)}; "
                        f"'{user.username}' has {', '.join(sorted(user.roles)) or 'none'}.")
