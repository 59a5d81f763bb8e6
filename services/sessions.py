"""Browser sessions kept on the server, so that they can be taken back.

The session cookie (signed by Flask) carries only a random session id and the CSRF token; the
row it names (stored as the id's SHA-256, like tokens) decides on every request whether the
session still counts. Signing out, disabling the user or their password changing ends it for
every node at once: there is no client-side state to outlive the row.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import insert, update

from services import audit
from services.context import Flowdesk
from services.principal import Principal
from store.tables import UserSession

LIFETIME = timedelta(hours=12)  # the cookie's own lifetime (api.app) is the same
_TABLE = UserSession.__table__


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(fd: Flowdesk, user: Principal) -> str:
    """A new session for a user who just signed in; returns its id (for the cookie only)."""
    session_id = secrets.token_urlsafe(32)
    now = fd.now()
    with fd.uow() as uow:
        uow.execute(insert(_TABLE).values(id_hash=session_hash(session_id), user_id=user.id,
                                          created_at=now, expires_at=now + LIFETIME))
        audit.record(uow, now, user.username, "session.started")
    return session_id


def end(fd: Flowdesk, session_id: str, actor: str) -> None:
    """Sign out: the session no longer counts anywhere (idempotent)."""
    now = fd.now()
    with fd.uow() as uow:
        ended = uow.execute(update(_TABLE).where(_TABLE.c.id_hash == session_hash(session_id),
                                                 _TABLE.c.ended_at.is_(None))
                            .values(ended_at=now)).rowcount
        if ended:
            fd.access.bump(uow)
            audit.record(uow, now, actor, "session.ended")


def end_all_of(uow, user_id: int, now) -> int:  # type: ignore[no-untyped-def]
    """End every open session of a user (inside the caller's unit of work, which audits)."""
    return int(uow.execute(update(_TABLE).where(_TABLE.c.user_id == user_id,
                                                _TABLE.c.ended_at.is_(None))
                           .values(ended_at=now)).rowcount)
