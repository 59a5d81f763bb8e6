"""Single sign-on users: the Flowdesk user of an account at an OpenID Connect provider.

The protocol (redirects, state, nonce, the ID token's signature, issuer, audience and expiry) is
``web.oidc``; what arrives here are claims it has already checked. Accounts are linked by the
provider's stable key (issuer and ``sub``, table ``user_identities``), never by a name, so a
provider cannot hand out an existing Flowdesk account by naming it: a first sign-in makes a new
user (named from a claim, with a number added when the name is taken). The provider is the
source of the user's groups (lanes), and of roles when a roles claim is configured: both are
set from the claims on every sign-in, the changes audited with before and after. A disabled
user stays disabled: the sign-in is refused and audited.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from services import audit
from services.context import Flowdesk
from services.errors import Forbidden, Invalid
from services.principal import ROLES, Principal
from store.tables import Group, User, UserGroup, UserIdentity
from store.uow import UnitOfWork

USERS, GROUPS, LINKS, IDENTITIES = (User.__table__, Group.__table__, UserGroup.__table__,
                                    UserIdentity.__table__)
NAME_MAX, GROUP_MAX, SUBJECT_MAX = 64, 100, 255
DEFAULT_ROLES = ("staff",)


@dataclass(frozen=True)
class ClaimRules:
    """Which claims name the user, their groups and (optional) their roles."""

    groups_claim: str = "groups"
    roles_claim: str = ""  # empty: roles stay as set in Flowdesk (new users: staff)
    username_claim: str = "preferred_username"


def _names(value: object, limit: int) -> list[str]:
    """A claim's list of names (a JSON array of strings, or one string), cleaned and unique."""
    items: Iterable[object] = [value] if isinstance(value, str) else (
        value if isinstance(value, list) else [])
    out: list[str] = []
    for item in items:
        if isinstance(item, str) and item.strip() and len(item.strip()) <= limit:
            if item.strip() not in out:
                out.append(item.strip())
    return out


def _roles(claims: dict, rules: ClaimRules) -> list[str] | None:
    """The roles the claim grants (unknown ones ignored; none: staff), or None (not managed)."""
    if not rules.roles_claim:
        return None
    return sorted(r for r in _names(claims.get(rules.roles_claim), 50) if r in ROLES) \
        or list(DEFAULT_ROLES)


def _free_username(uow: UnitOfWork, wanted: str) -> str:
    """``wanted`` if nobody has it, else ``wanted-2``, ``wanted-3`` …"""
    base = wanted[:NAME_MAX - 4]
    taken = set(uow.scalars(select(USERS.c.username)
                            .where(USERS.c.username.startswith(base, autoescape=True))))
    if wanted[:NAME_MAX] not in taken:
        return wanted[:NAME_MAX]
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _group_id(uow: UnitOfWork, name: str) -> int:
    found = uow.scalar(select(GROUPS.c.id).where(GROUPS.c.name == name))
    if found is None:
        found = uow.execute(insert(GROUPS).values(name=name).returning(GROUPS.c.id)).scalar_one()
    return found


def _create_user(uow: UnitOfWork, fd: Flowdesk, issuer: str, subject: str, claims: dict,
                 rules: ClaimRules, roles: list[str] | None):  # type: ignore[no-untyped-def]
    wanted = claims.get(rules.username_claim)
    if not isinstance(wanted, str) or not wanted.strip():
        wanted = f"sso-{subject}"
    username = _free_username(uow, wanted.strip())
    display = claims.get("name") if isinstance(claims.get("name"), str) else ""
    roles = roles or list(DEFAULT_ROLES)
    now = fd.now()
    user_id = uow.execute(insert(USERS).values(
        username=username, display_name=(display or username)[:200], roles=",".join(roles),
        active=True, created_at=now).returning(USERS.c.id)).scalar_one()
    uow.execute(insert(IDENTITIES).values(issuer=issuer, subject=subject, user_id=user_id,
                                          created_at=now, last_sign_in_at=now))
    audit.record(uow, now, username, "user.created",
                 after={"username": username, "roles": roles, "issuer": issuer,
                        "subject": subject, "via": "oidc"})
    return uow.execute(select(USERS).where(USERS.c.id == user_id)).mappings().one()


def _sync_groups(uow: UnitOfWork, fd: Flowdesk, user, groups: list[str]) -> None:  # type: ignore[no-untyped-def]
    have = dict(uow.execute(select(GROUPS.c.name, GROUPS.c.id)
                            .join(LINKS, LINKS.c.group_id == GROUPS.c.id)
                            .where(LINKS.c.user_id == user["id"])).all())
    if set(have) == set(groups):
        return
    fd.access.bump(uow)
    gone = [have[name] for name in have if name not in groups]
    if gone:
        uow.execute(delete(LINKS).where(LINKS.c.user_id == user["id"],
                                        LINKS.c.group_id.in_(gone)))
    for name in groups:
        if name not in have:
            uow.execute(insert(LINKS).values(user_id=user["id"], group_id=_group_id(uow, name)))
    audit.record(uow, fd.now(), user["username"], "user.groups_synced",
                 before={"username": user["username"], "groups": sorted(have)},
                 after={"username": user["username"], "groups": sorted(groups), "via": "oidc"})


def _sync_roles(uow: UnitOfWork, fd: Flowdesk, user, roles: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    had = sorted(r for r in user["roles"].split(",") if r)
    if had != roles:
        uow.execute(update(USERS).where(USERS.c.id == user["id"]).values(roles=",".join(roles)))
        fd.access.bump(uow)
        audit.record(uow, fd.now(), user["username"], "user.roles_synced",
                     before={"username": user["username"], "roles": had},
                     after={"username": user["username"], "roles": roles, "via": "oidc"})
    return roles


def sign_in(fd: Flowdesk, issuer: str, claims: dict, rules: ClaimRules = ClaimRules()
            ) -> Principal:
    """The user of this provider account (made on its first sign-in), with groups (and roles,
    if managed) set from ``claims``; one unit of work. Raises Forbidden for a disabled user
    (audited) and Invalid for claims without a usable ``sub``."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX \
            or len(issuer) > 300:
        raise Invalid("The provider's ID token has no usable subject (sub).")
    groups = _names(claims.get(rules.groups_claim), GROUP_MAX)
    roles = _roles(claims, rules)
    refused = None
    with fd.uow() as uow:
        user = uow.execute(select(USERS).join(IDENTITIES, IDENTITIES.c.user_id == USERS.c.id)
                           .where(IDENTITIES.c.issuer == issuer,
                                  IDENTITIES.c.subject == subject)).mappings().first()
        if user is None:
            user = _create_user(uow, fd, issuer, subject, claims, rules, roles)
        elif not user["active"]:
            audit.record(uow, fd.now(), user["username"], "session.sign_in_failed",
                         after={"username": user["username"], "via": "oidc",
                                "reason": "disabled"})
            refused = user["username"]
        else:
            uow.execute(update(IDENTITIES).where(IDENTITIES.c.issuer == issuer,
                                                 IDENTITIES.c.subject == subject)
                        .values(last_sign_in_at=fd.now()))
        if refused is None:
            _sync_groups(uow, fd, user, groups)
            final_roles = _sync_roles(uow, fd, user, roles) if roles is not None else \
                [r for r in user["roles"].split(",") if r]
    if refused is not None:
        raise Forbidden(f"The account '{refused}' is disabled.")
    return Principal(id=user["id"], username=user["username"], roles=frozenset(final_roles),
                     groups=frozenset(groups))


def record_failure(fd: Flowdesk, reason: str, issuer: str) -> None:
    """Audit a single sign-on that did not get as far as a user (bad state, a token that does
    not check out, the provider unreachable or saying no)."""
    with fd.uow() as uow:
        audit.record(uow, fd.now(), "anonymous", "session.sign_in_failed",
                     after={"via": "oidc", "reason": reason[:200], "issuer": issuer})
