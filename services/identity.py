"""Users, groups and API tokens (the CLI and admin operations)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.authentication import new_token
from services.principal import ROLES
from services.passwords import MIN_LENGTH, hash_password
from services.context import Flowdesk
from store.database import Executor
from services.errors import Invalid, NotFound
from store.tables import ApiToken, Group, User, UserGroup
from services import audit

DEMO_USERS = {
    "admin": (["admin", "designer", "supervisor", "staff"],
              ["Agent", "Supervisor", "ComplaintGroup", "AfterSales", "Finance"]),
    "agent": (["staff"], ["Agent", "AfterSales"]),
    "supervisor": (["supervisor", "staff"], ["Supervisor", "Agent", "ComplaintGroup", "AfterSales"]),
}


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = [r.strip() for r in roles if r.strip()]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid(f"Unknown role(s) {', '.join(unknown)}; use {', '.join(ROLES)}.")
    return roles or ["staff"]


def _group(session: Session, name: str) -> Group:
    group = session.scalar(select(Group).where(Group.name == name))
    if group is None:
        group = Group(name=name)
        session.add(group)
        session.flush()
    return group


def ensure_user(fd: Flowdesk, username: str, roles: Iterable[str] = ("staff",),
                groups: Iterable[str] = (), display_name: str = "") -> tuple[int, bool]:
    """Create the user if missing (else add roles/groups); return (id, created)."""
    roles = _check_roles(roles)
    with fd.uow() as session:
        user = session.scalar(select(User).where(User.username == username))
        created = user is None
        if user is None:
            user = User(username=username, display_name=display_name or username,
                        roles=",".join(roles), active=True, created_at=fd.now())
            session.add(user)
            session.flush()
            audit.record(session, fd.now(), "cli", "user.created", after={"username": username})
        else:
            merged = sorted(set(user.roles.split(",")) | set(roles))
            user.roles = ",".join(r for r in merged if r)
        have = set(session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id)))
        for name in groups:
            group = _group(session, name)
            if group.id not in have:
                session.add(UserGroup(user_id=user.id, group_id=group.id))
        return user.id, created


def set_password(fd: Flowdesk, username: str, password: str, actor: str = "cli") -> None:
    """Let a user sign in to the web UI with this password (stored as a scrypt hash)."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"A password needs at least {MIN_LENGTH} characters.",
                            [{"field": "password", "message": "too short", "location": "json"}])
    with fd.uow() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"No user '{username}'.")
        user.password_hash = hash_password(password)
        audit.record(session, fd.now(), actor, "user.password_set", after={"username": username})


def create_token(fd: Flowdesk, username: str, name: str = "") -> str:
    with fd.uow() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"No user '{username}'.")
        token, digest = new_token()
        session.add(ApiToken(user_id=user.id, token_hash=digest, name=name or "cli",
                             created_at=fd.now()))
        audit.record(session, fd.now(), "cli", "token.created", after={"username": username})
        return token


def list_users(fd: Flowdesk) -> list[dict]:
    with fd.read() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
        memberships = session.execute(
            select(UserGroup.user_id, Group.name).join(Group, Group.id == UserGroup.group_id)).all()
    groups: dict[int, list[str]] = {}
    for user_id, name in memberships:
        groups.setdefault(user_id, []).append(name)
    return [{"username": u.username, "roles": u.roles.split(","), "active": u.active,
             "groups": sorted(groups.get(u.id, []))} for u in users]


def user_exists(session: Executor, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username,
                                                User.active.is_(True))) is not None
