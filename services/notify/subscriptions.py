"""Notification subscriptions: each user's own, and each group's (set by admins).

A subscription names a channel (``email``, ``webhook``, ``in_app``), its target (an address;
or a webhook's url, format and the *name* of the secret that signs it, stored as connector
secrets are, ``services.secrets``: the value is never here, never returned), the event kinds
(``events.KINDS``), an optional business calendar for quiet hours and a language. In-app is on
by default for every user and every kind (``DEFAULT_IN_APP``: a mention names the user as an
assignment does); a user's own in-app subscription replaces the default kinds. Every change is audited.
Only admins may refer to stored secrets in a target (``_refuse_secrets_unless_admin``): the
sender puts a secret's value into the URL it calls, so anyone else could have it sent to a
server of their own. Nor may anyone else point a webhook at an address inside the network
(``_refuse_internal_unless_admin``: loopback, private, link-local such as the cloud metadata
address, or ``localhost``): the server would post to it on their behalf.
"""
from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from engine import secret_refs
from services import audit
from services.context import Flowdesk
from services.errors import Forbidden, Invalid, NotFound, coded_field
from services.notify.events import CHANNELS, KINDS
from services.notify.template_texts import LANGUAGES
from services.principal import Principal, require_role
from services.sla.book import CALENDAR
from store.tables import Group, NotificationSubscription
from store.uow import UnitOfWork

subs = NotificationSubscription.__table__
WEBHOOK_FORMATS = ("generic", "wecom", "dingtalk", "feishu")  # services.notify.channels
DEFAULT_IN_APP = frozenset(KINDS)
FIELDS = ("channel", "target", "events", "calendar", "lang", "active")


def check(data: dict) -> dict:
    """The subscription as stored, or Invalid naming each wrong field."""
    errors: list[dict] = []
    channel = data.get("channel")
    if channel not in CHANNELS:
        errors.append(coded_field("channel", "field.one_of", allowed=", ".join(CHANNELS)))
    target = data.get("target") or {}
    if channel == "email" and "@" not in str(target.get("address", "")):
        errors.append(coded_field("target.address", "field.email"))
    if channel == "webhook":
        if not str(target.get("url", "")).startswith(("https://", "http://")):
            errors.append(coded_field("target.url", "field.url"))
        if target.get("format", "generic") not in WEBHOOK_FORMATS:
            errors.append(coded_field("target.format", "field.one_of",
                                      allowed=", ".join(WEBHOOK_FORMATS)))
    events = data.get("events") or []
    if not events or any(e not in KINDS for e in events):
        errors.append(coded_field("events", "field.one_of", allowed=", ".join(KINDS)))
    if data.get("lang", "zh") not in LANGUAGES:
        errors.append(coded_field("lang", "field.one_of", allowed=", ".join(LANGUAGES)))
    if errors:
        raise Invalid.of("subscription.invalid", errors)
    kept = {"address": target["address"]} if channel == "email" else \
        {**target, "format": target.get("format", "generic"),
         "secret": target.get("secret")} if channel == "webhook" else {}
    return {"channel": channel, "target": kept, "events": list(dict.fromkeys(events)),
            "calendar": data.get("calendar") or None, "lang": data.get("lang", "zh"),
            "active": bool(data.get("active", True))}


def list_of(fd: Flowdesk, owner_kind: str, owner: str | None) -> list[dict]:
    query = select(subs).where(subs.c.owner_kind == owner_kind).order_by(subs.c.id)
    if owner is not None:
        query = query.where(subs.c.owner == owner)
    with fd.uow(read_only=True) as uow:
        return [dict(r) for r in uow.execute(query).mappings()]


def mine(fd: Flowdesk, user: Principal) -> list[dict]:
    return list_of(fd, "user", user.username)


def groups(fd: Flowdesk, user: Principal, group: str | None = None) -> list[dict]:
    require_role(user, "admin")
    return list_of(fd, "group", group)


def create(fd: Flowdesk, user: Principal, owner_kind: str, owner: str, data: dict) -> dict:
    """Add a subscription: a user's own (``owner_kind='user'``) or a group's (admins)."""
    _may_manage(user, owner_kind, owner)
    values = check(data)
    _refuse_what_is_admins(user, values)
    now = fd.now()
    with fd.uow() as uow:
        if owner_kind == "group" and uow.scalar(
                select(Group.id).where(Group.name == owner)) is None:
            raise Invalid.of("subscription.invalid", [coded_field("group", "field.unknown_group")])
        _check_calendar(uow, values)
        sub_id = uow.execute(subs.insert().values(owner_kind=owner_kind, owner=owner,
                                                  created_at=now, updated_at=now, **values)
                             .returning(subs.c.id)).scalar_one()
        audit.record(uow, now, user.username, "subscription.created",
                     after={"id": sub_id, "owner_kind": owner_kind, "owner": owner,
                            **_shown(values)})
        return _get(uow, sub_id)


def update(fd: Flowdesk, user: Principal, sub_id: int, data: dict, owner_kind: str) -> dict:
    now = fd.now()
    with fd.uow() as uow:
        before = _get(uow, sub_id, owner_kind)
        _may_manage(user, before["owner_kind"], before["owner"])
        values = check({**{k: before[k] for k in FIELDS}, **data})
        _refuse_what_is_admins(user, values)
        _check_calendar(uow, values)
        uow.execute(subs.update().where(subs.c.id == sub_id).values(updated_at=now, **values))
        audit.record(uow, now, user.username, "subscription.updated",
                     before=_shown(before), after={"id": sub_id, **_shown(values)})
        return _get(uow, sub_id)


def delete(fd: Flowdesk, user: Principal, sub_id: int, owner_kind: str) -> None:
    now = fd.now()
    with fd.uow() as uow:
        before = _get(uow, sub_id, owner_kind)
        _may_manage(user, before["owner_kind"], before["owner"])
        uow.execute(subs.delete().where(subs.c.id == sub_id))
        audit.record(uow, now, user.username, "subscription.deleted", before=_shown(before))


def active_for(uow: UnitOfWork, users: set[str], groups: set[str]) -> list[dict]:
    """The active subscriptions of these users and groups (one statement)."""
    if not users and not groups:
        return []
    query = select(subs).where(subs.c.active.is_(True), (
        (subs.c.owner_kind == "user") & subs.c.owner.in_(sorted(users)) |
        (subs.c.owner_kind == "group") & subs.c.owner.in_(sorted(groups))))
    return [dict(r) for r in uow.execute(query).mappings()]


def _check_calendar(uow: UnitOfWork, values: dict) -> None:
    """Quiet hours follow a calendar that exists (an unknown name would mean none at all)."""
    if values["calendar"] and uow.execute(CALENDAR, {"name": values["calendar"]}).first() is None:
        raise Invalid.of("subscription.invalid",
                         [coded_field("calendar", "field.unknown_calendar")])


def _refuse_what_is_admins(user: Principal, values: dict) -> None:
    """What only an admin's subscription may hold: secrets, and webhooks inside the network."""
    _refuse_secrets_unless_admin(user, values)
    _refuse_internal_unless_admin(user, values)


def _refuse_secrets_unless_admin(user: Principal, values: dict) -> None:
    """403 naming each target field that refers to a stored secret (a reference in the URL or
    any other value, or the signing secret's name), unless the user is an admin: secrets are
    admins' (their values are never shown), and a webhook sends them where its URL says."""
    if user.has_role("admin"):
        return
    target = values["target"] or {}
    fields = [f"target.{key}" for key, value in target.items()
              if key == "secret" and value or key != "secret" and _refers_to_secret(value)]
    if fields:
        raise Forbidden.of("subscription.secret_admin_only",
                           [coded_field(f, "field.secret_admin_only") for f in fields],
                           fields=", ".join(fields))


def _refuse_internal_unless_admin(user: Principal, values: dict) -> None:
    """403 on ``target.url`` when a non-admin's webhook names a host inside the network by
    address or as ``localhost`` (the server would post there for them). A name that resolves
    inside is not looked up here: DNS may be slow or absent when the subscription is saved."""
    if user.has_role("admin") or values["channel"] != "webhook":
        return
    if is_internal_host(urlsplit(str((values["target"] or {}).get("url", ""))).hostname or ""):
        raise Forbidden.of("subscription.internal_admin_only",
                           [coded_field("target.url", "field.internal_address")])


def is_internal_host(host: str) -> bool:
    """True for ``localhost`` and an address that is not on the public internet."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def _refers_to_secret(value: object) -> bool:
    try:
        return bool(secret_refs.names_in_value(value))
    except secret_refs.BadReference:  # a malformed reference is still meant as one
        return True


def _may_manage(user: Principal, owner_kind: str, owner: str) -> None:
    if owner_kind == "group":
        require_role(user, "admin")
    elif owner != user.username:
        raise Forbidden.of("subscription.not_yours", id=owner)


def _get(uow: UnitOfWork, sub_id: int, owner_kind: str | None = None) -> dict:
    row = uow.execute(select(subs).where(subs.c.id == sub_id)).mappings().first()
    if row is None or (owner_kind is not None and row["owner_kind"] != owner_kind):
        raise NotFound.of("subscription.not_found", id=sub_id)
    return dict(row)


def _shown(values: dict[str, Any]) -> dict:
    """What the audit trail keeps: the secret is a name already, never a value."""
    return {k: values[k] for k in FIELDS if k in values}
