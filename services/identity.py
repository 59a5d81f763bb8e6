"""Users, groups and API tokens (the CLI and admin operations)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, update

from services import audit
from services import sessions
from services.api_tokens import CLI, create_token  # noqa: F401 - create_token: where callers find it
from services.context import Flowdesk
from services.errors import Invalid, NotFound, coded_field
from services.passwords import MIN_LENGTH, hash_password
from services.principal import ROLES, Principal, require_role
from store.tables import ApiToken, Group, User, UserGroup
from store.uow import UnitOfWork

DEMO_USERS = {
    "admin": (["admin", "designer", "supervisor", "staff"],
              ["Agent", "Supervisor", "ComplaintGroup", "AfterSales", "Finance",
               "ServiceAssistant"]),
    # the front office registers service notifications too (客服助理: its start lane)
    "agent": (["staff"], ["Agent", "AfterSales", "ServiceAssistant"]),
    "supervisor": (["supervisor", "staff"], ["Supervisor", "Agent", "ComplaintGroup", "AfterSales"]),
    # designs the shipped processes (the default process group cs, 客服流程), nothing else
    "designer": (["designer"], []),
}
DEMO_DESIGNERS = ["admin", "designer"]  # of the default process group
# What people read for the groups the shipped processes' lanes and the demo users use; set
# when such a group is created (migration 0015 set them on groups that existed before).
SHIPPED_GROUP_NAMES = {
    "Agent": "前台客服", "ComplaintGroup": "投诉组", "Supervisor": "主管",
    "AfterSales": "售后组", "Finance": "财务", "ServiceAssistant": "客服助理",
    "Technician": "维修技师", "RegionalLogistics": "区域物流", "HQ": "总部",
    "DayShift": "白班", "EveningShift": "晚班",
}


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = [r.strip() for r in roles if r.strip()]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid.of("user.unknown_roles", unknown=unknown, roles=list(ROLES))
    return roles or ["staff"]


USERS, GROUPS, LINKS, TOKENS = (User.__table__, Group.__table__, UserGroup.__table__,
                                ApiToken.__table__)


def _group_id(uow: UnitOfWork, name: str) -> int:
    found = uow.scalar(select(GROUPS.c.id).where(GROUPS.c.name == name))
    if found is None:
        found = uow.execute(insert(GROUPS).values(
            name=name, display_name=SHIPPED_GROUP_NAMES.get(name)).returning(GROUPS.c.id)).scalar_one()
    return found


def _user(uow: UnitOfWork, username: str):  # type: ignore[no-untyped-def]
    return uow.execute(select(USERS).where(USERS.c.username == username)).mappings().first()


def ensure_user(fd: Flowdesk, username: str, roles: Iterable[str] = ("staff",),
                groups: Iterable[str] = (), display_name: str = "") -> tuple[int, bool]:
    """Create the user if missing (else add roles/groups); return (id, created)."""
    roles = _check_roles(roles)
    with fd.uow() as uow:
        user = _user(uow, username)
        created = user is None
        if user is None:
            user_id = uow.execute(insert(USERS).values(
                username=username, display_name=display_name or username,
                roles=",".join(roles), active=True, created_at=fd.now()
            ).returning(USERS.c.id)).scalar_one()
            audit.record(uow, fd.now(), "cli", "user.created", after={"username": username})
        else:
            user_id = user["id"]
            merged = sorted(set(user["roles"].split(",")) | set(roles))
            uow.execute(update(USERS).where(USERS.c.id == user_id)
                        .values(roles=",".join(r for r in merged if r)))
            fd.access.bump(uow)  # roles or groups of a user who may be signed in
        have = set(uow.scalars(select(LINKS.c.group_id).where(LINKS.c.user_id == user_id)))
        for name in groups:
            group_id = _group_id(uow, name)
            if group_id not in have:
                uow.execute(insert(LINKS).values(user_id=user_id, group_id=group_id))
                have.add(group_id)
        return user_id, created


def set_password(fd: Flowdesk, username: str, password: str, actor: str = "cli") -> None:
    """Let a user sign in to the web UI with this password (stored as a scrypt hash)."""
    if len(password) < MIN_LENGTH:
        raise Invalid.of("user.password_short", [coded_field("password", "field.password_short")],
                         min=MIN_LENGTH)
    with fd.uow() as uow:
        if _user(uow, username) is None:
            raise NotFound.of("user.not_found", user=username)
        uow.execute(update(USERS).where(USERS.c.username == username)
                    .values(password_hash=hash_password(password)))
        audit.record(uow, fd.now(), actor, "user.password_set", after={"username": username})


def has_password(fd: Flowdesk, username: str) -> bool:
    """Whether the user can already sign in with a password (demo-users keeps it then)."""
    with fd.uow(read_only=True) as uow:
        user = _user(uow, username)
        return bool(user is not None and user["password_hash"])


def list_users(fd: Flowdesk, by: Principal = CLI) -> list[dict]:
    require_role(by, "admin")
    with fd.uow(read_only=True) as uow:
        users = uow.execute(select(USERS).order_by(USERS.c.username)).mappings().all()
        memberships = uow.execute(
            select(LINKS.c.user_id, GROUPS.c.name).join(GROUPS, GROUPS.c.id == LINKS.c.group_id)
        ).all()
    groups: dict[int, list[str]] = {}
    for user_id, name in memberships:
        groups.setdefault(user_id, []).append(name)
    return [{"username": u["username"], "display_name": u["display_name"],
             "roles": u["roles"].split(","), "active": u["active"],
             "groups": sorted(groups.get(u["id"], []))} for u in users]


def user_exists(uow: UnitOfWork, username: str) -> bool:
    return uow.scalar(select(USERS.c.id).where(USERS.c.username == username,
                                               USERS.c.active.is_(True))) is not None


def set_active(fd: Flowdesk, username: str, active: bool, by: Principal = CLI) -> bool:
    """Disable or enable a user; False if it already was. Disabling ends the user's sessions
    and stops their tokens on the next request of every node (tokens work again after
    enabling; sessions do not come back), and gives back the tasks they held
    (``services.leavers``)."""
    require_role(by, "admin")
    now = fd.now()
    with fd.uow() as uow:
        user = _user(uow, username)
        if user is None:
            raise NotFound.of("user.not_found", user=username)
        if bool(user["active"]) == active:
            return False
        uow.execute(update(USERS).where(USERS.c.id == user["id"]).values(active=active))
        fd.access.bump(uow)
        ended = 0 if active else sessions.end_all_of(uow, user["id"], now)
        audit.record(uow, now, by.username, "user.enabled" if active else "user.disabled",
                     before={"username": username, "active": not active},
                     after={"username": username, "active": active, "sessions_ended": ended})
        if not active:
            from services import leavers  # here: tasks -> engine_step -> identity otherwise
            leavers.hand_back(uow, username, by.username, now)
        return True
