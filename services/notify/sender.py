"""The sender: deliver due outbox rows through their channel, exactly once across nodes.

A batch of due rows (pending; failed and due again; held until a calendar opened; or sending
with a lease that ran out) is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and leased in the
same short transaction (state ``sending``, due again after ``LEASE``), so another sender skips
them; they are sent with no transaction open (a slow mail server holds no lock, which on SQLite
would stop every writer), and marked in a second short one. A sender that dies mid-send leaves
its rows to be sent again when the lease ends: exactly once unless a node dies, at least once
always. Held rows of one subscription and opening (``digest_key``) go as one digest. A failure is
retried with backoff (``BACKOFF_SECONDS``); after the last try, or a failure the channel says is
final, the row is ``dead`` with its last error until an admin resends it.

Channels and templates are ``services.notify.channels`` (``send``, ``DeliveryFailed``) and
``services.notify.templates`` (``render``, ``Message``), imported when first needed.
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select

from services.context import Flowdesk
from store.fast_sql import Prepared
from store.queries import one_of
from store.tables import Notification
from store.uow import UnitOfWork

log = logging.getLogger("flowdesk.notify")
outbox = Notification.__table__
BACKOFF_SECONDS = (60, 300, 1800, 7200, 43200)  # 1 min, 5 min, 30 min, 2 h, 12 h
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE = timedelta(minutes=10)  # far beyond any channel's timeout
BATCH = 50
ABANDONED = "the sender stopped while delivering it (its lease ran out)"

DUE_NOW = (one_of(outbox.c.state, ("pending", "failed", "held", "sending")),
           outbox.c.next_attempt_at <= bindparam("now"))
CLAIM = (select(outbox).where(*DUE_NOW).order_by(outbox.c.next_attempt_at, outbox.c.id)
         .limit(bindparam("limit")).with_for_update(skip_locked=True))
ANY_DUE = Prepared(select(outbox.c.id).where(*DUE_NOW).limit(1))  # as services.due_runner

Send = Callable[[str, dict, Any, Flowdesk], None]
Outcome = tuple[list[dict], str | None, bool]  # rows, error (None: sent), retry


def send_due(fd: Flowdesk, limit: int = BATCH, send: Send | None = None) -> int:
    """Send everything due now, batch after batch; returns how many rows were sent."""
    total = 0
    while True:
        claimed, sent = _send_batch(fd, limit, send)
        total += sent
        if claimed < limit:
            return total


def _send_batch(fd: Flowdesk, limit: int, send: Send | None) -> tuple[int, int]:
    if not fd.read_alone(ANY_DUE, {"now": fd.now()}):  # nothing due: no write transaction
        return 0, 0
    with fd.uow() as uow:
        now = fd.now()
        rows = [dict(r) for r in uow.execute(CLAIM, {"now": now, "limit": limit}).mappings()]
        if rows:
            uow.execute(outbox.update().where(outbox.c.id.in_([r["id"] for r in rows]))
                        .values(state="sending", next_attempt_at=now + LEASE))
            rows = _count_abandoned(uow, rows)
    batches: dict[Any, list[dict]] = {}
    for row in rows:
        batches.setdefault(row["digest_key"] or ("one", row["id"]), []).append(row)
    outcomes = [_deliver(fd, group, send) for group in batches.values()]
    if not outcomes:
        return 0, 0
    with fd.uow() as uow:
        now = fd.now()
        for group, error, retry in outcomes:
            if error is None:
                uow.execute(outbox.update().where(outbox.c.id.in_([r["id"] for r in group]),
                                                  outbox.c.state == "sending").values(
                    state="sent", sent_at=now, attempts=outbox.c.attempts + 1,
                    last_error=None, next_attempt_at=None))
            else:
                for row in group:
                    _failed(uow, row, error, retry, now)
    return len(rows), sum(len(group) for group, error, _ in outcomes if error is None)


def _count_abandoned(uow: UnitOfWork, rows: list[dict]) -> list[dict]:
    """The claimed rows to deliver now. One still ``sending`` when claimed was left by a sender
    that stopped mid-delivery (killed, out of memory): that counts as an attempt, so a message
    that stops its sender every time ends dead after ``MAX_ATTEMPTS`` instead of being tried
    for ever."""
    live = []
    for row in rows:
        if row["state"] == "sending":
            row["attempts"] += 1
            dead = row["attempts"] >= MAX_ATTEMPTS
            uow.execute(outbox.update().where(outbox.c.id == row["id"]).values(
                attempts=row["attempts"], last_error=ABANDONED,
                **({"state": "dead", "next_attempt_at": None} if dead else {})))
            if dead:
                continue
        live.append(row)
    return live


def _deliver(fd: Flowdesk, rows: list[dict], send: Send | None) -> Outcome:
    channels = importlib.import_module("services.notify.channels")
    first = rows[0]
    try:
        message = _message(fd, rows)
        (send or channels.send)(first["channel"], first["target"] or {}, message, fd)
    except Exception as exc:  # noqa: BLE001 - a channel's failure is the row's, not the batch's
        retry = getattr(exc, "retry", not isinstance(exc, channels.DeliveryFailed))
        text = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("notification %s via %s failed: %s", first["id"], first["channel"], text)
        return rows, text, bool(retry)
    return rows, None, False


def _failed(uow: UnitOfWork, row: dict, error: str, retry: bool, now: datetime) -> None:
    attempts = row["attempts"] + 1
    dead = not retry or attempts >= MAX_ATTEMPTS
    uow.execute(outbox.update().where(outbox.c.id == row["id"], outbox.c.state == "sending")
                .values(attempts=attempts, last_error=error, state="dead" if dead else "failed",
                        next_attempt_at=None if dead else
                        now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])))


def _message(fd: Flowdesk, rows: list[dict]) -> Any:
    """One message, or the digest of several held for one subscription."""
    templates = importlib.import_module("services.notify.templates")
    rendered = [templates.render(r["kind"], r["lang"], _values(r), fd) for r in rows]
    if len(rendered) == 1:
        return rendered[0]
    lang = rows[0]["lang"]
    try:
        return templates.render("digest", lang, {"messages": rendered}, fd)
    except ValueError:  # templates without a digest: the messages one after the other
        subject = (f"{len(rows)} notifications while you were away" if lang == "en"
                   else f"非工作时间的 {len(rows)} 条通知")
        return templates.Message(
            subject=subject, text="\n\n".join(f"{m.subject}\n{m.text}" for m in rendered),
            markdown="\n\n".join(f"**{m.subject}**\n\n{m.markdown}" for m in rendered),
            link=None, urgent=False, lang=lang)


def _values(row: dict) -> dict:
    """The stored context with its due time a datetime again (templates format it)."""
    values = {**(row["body"] or {}), "urgent": row["urgent"]}
    if isinstance(values.get("due_at"), str):
        try:
            values["due_at"] = datetime.fromisoformat(values["due_at"])
        except ValueError:
            pass
    return values
