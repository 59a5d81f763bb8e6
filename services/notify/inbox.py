"""The in-app inbox (the bell): a user's own in-app notifications, unread first counted; and
the admin's view of the outbox (by state, e.g. the dead) with a resend."""
from __future__ import annotations

from sqlalchemy import func, select

from services import audit
from services.context import Flowdesk
from services.errors import NotFound
from services.principal import Principal, require_role
from store import queries as q
from store.tables import Notification

outbox = Notification.__table__
IN_APP = (outbox.c.channel == "in_app")


def mine(fd: Flowdesk, user: Principal, unread_only: bool = False, page: int = 1,
         per_page: int = 20) -> dict:
    """The user's in-app notifications, newest first, and how many are unread."""
    own = (outbox.c.recipient == user.username) & IN_APP
    query = select(outbox).where(own).order_by(outbox.c.id.desc())
    if unread_only:
        query = query.where(outbox.c.read_at.is_(None))
    with fd.uow(read_only=True) as uow:
        unread = uow.scalar(select(func.count()).select_from(outbox)
                            .where(own, outbox.c.read_at.is_(None)))
        items, total = q.page_of(uow, query, page, per_page)
    return {"unread": unread, "items": items, "total": total}


def mark_read(fd: Flowdesk, user: Principal, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread in-app notification of the user read."""
    now = fd.now()
    where = [outbox.c.recipient == user.username, IN_APP, outbox.c.read_at.is_(None)]
    with fd.uow() as uow:
        if notification_id is not None:
            exists = uow.scalar(select(outbox.c.id).where(
                outbox.c.id == notification_id, outbox.c.recipient == user.username, IN_APP))
            if exists is None:
                raise NotFound.of("notification.not_found", id=notification_id)
            where.append(outbox.c.id == notification_id)
        return uow.execute(outbox.update().where(*where).values(read_at=now)).rowcount


def admin_list(fd: Flowdesk, user: Principal, state: str | None = None, page: int = 1,
               per_page: int = 50) -> tuple[list[dict], int]:
    require_role(user, "admin")
    query = select(outbox).order_by(outbox.c.id.desc())
    if state is not None:
        query = query.where(outbox.c.state == state)
    with fd.uow(read_only=True) as uow:
        return q.page_of(uow, query, page, per_page)


def resend(fd: Flowdesk, user: Principal, notification_id: int) -> dict:
    """An admin sends a row again (a dead one, typically): due now, with fresh attempts."""
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as uow:
        row = uow.execute(select(outbox).where(outbox.c.id == notification_id)
                          ).mappings().first()
        if row is None or row["channel"] == "in_app":
            raise NotFound.of("notification.not_found", id=notification_id)
        uow.execute(outbox.update().where(outbox.c.id == notification_id).values(
            state="pending", attempts=0, next_attempt_at=now, digest_key=None))
        audit.record(uow, now, user.username, "notification.resent", instance_id=row["instance_id"],
                     task_id=row["task_id"], before={"state": row["state"],
                                                     "last_error": row["last_error"]},
                     after={"id": notification_id, "state": "pending"})
        return dict(uow.execute(select(outbox).where(outbox.c.id == notification_id)
                                ).mappings().one())

