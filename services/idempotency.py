"""``Idempotency-Key`` on ``POST /messages`` and ``/signals``: a sender that retries (a webhook
after a timeout) is answered what its first call got, and nothing is delivered twice.

* The first call with a key does the work and, in the same transaction, stores the key, the
  sender, the route, a SHA-256 of the canonical request body and the answer: a crash cannot
  deliver without storing nor store without delivering. A refused call (404, 409, 422) rolls
  back and stores nothing: the sender may send it again with the same key later.
* The same sender, key and body again: the stored answer, marked replayed; nothing
  is delivered, nothing audited (a replay changes no state). The same key for another body or
  route: refused (422). Keys are per sender: two senders never collide.
* Two calls with one new key at once: the key is claimed (inserted) before the delivery, so
  the second waits on the unique (sender, key) until the first ends (SQLite: at BEGIN;
  PostgreSQL: at its INSERT). First committed: the second fails on the key and, in a fresh
  unit of work (PostgreSQL aborted its transaction), reads the stored answer; nothing to read
  yet: 409, try again. First refused: its claim rolled back, the second does the work itself.
* A key older than ``KEEP`` no longer replays: the housekeeping deletes it, and until then
  its next use replaces it.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.exc import IntegrityError

from services.context import Flowdesk
from services.errors import Conflict, Invalid, coded_field
from services.plain_json import json_safe
from store.tables import IdempotencyKey
from store.uow import UnitOfWork

HEADER = "Idempotency-Key"
KEY = re.compile(r"[A-Za-z0-9._:-]{1,200}")
KEEP = timedelta(hours=24)  # a key replays this long; the housekeeping deletes it after
keys = IdempotencyKey.__table__


@dataclass(frozen=True)
class Answer:
    """What a route answers with 200 (a refusal is raised, and stores nothing): the service's
    result, and whether it is the stored answer of an earlier call with the same key
    (``Idempotent-Replayed: true``)."""

    body: dict
    replayed: bool = False


class _Taken(Exception):
    """Another call stored (or is storing) this sender's key: raised out of the unit of work
    to roll it back whole (on PostgreSQL the failed INSERT aborted it anyway)."""


def check_key(key: str | None) -> None:
    """A key of 1–200 letters, digits and ``._:-``, or none; else a 422 naming the header."""
    if key is not None and not KEY.fullmatch(key):
        raise Invalid.of("event.key_invalid",
                         [coded_field(HEADER, "field.idempotency_key", "headers")],
                         header=HEADER)


def body_sha256(body: dict[str, Any]) -> str:
    """The request as the service reads it, in one form (sorted keys, no spaces): the same
    request hashes the same whatever the order of its keys or its omitted defaults."""
    canonical = json.dumps(json_safe(body), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def once(fd: Flowdesk, sender: str, key: str | None, route: str, body: dict[str, Any],
         work: Callable[[UnitOfWork, datetime], dict]) -> Answer:
    """``work`` in one unit of work; with a key, at most once per sender and key (see the
    module's docstring)."""
    now = fd.now()
    if key is None:
        with fd.uow() as uow:
            return Answer(work(uow, now))
    digest = body_sha256(body)
    try:
        with fd.uow() as uow:
            stored = _stored(uow, sender, key)
            if stored is not None and stored["created_at"] > now - KEEP:
                return _replay(stored, key, route, digest)
            if stored is not None:  # expired, the housekeeping has not come by yet
                uow.execute(delete(keys).where(keys.c.sender == sender, keys.c.key == key))
            _claim(uow, sender, key, route, digest, now)
            result = work(uow, now)
            uow.execute(update(keys).where(keys.c.sender == sender, keys.c.key == key)
                        .values(answer=json_safe(result)))
            return Answer(result)
    except _Taken:
        pass
    with fd.uow(read_only=True) as uow:  # a fresh one: PostgreSQL aborted the claim's
        stored = _stored(uow, sender, key)
    if stored is None:  # the other call rolled back meanwhile
        raise Conflict.of("event.key_in_flight", key=key)
    return _replay(stored, key, route, digest)


def _stored(uow: UnitOfWork, sender: str, key: str) -> RowMapping | None:
    return uow.execute(select(keys).where(keys.c.sender == sender, keys.c.key == key)
                       ).mappings().first()


def _claim(uow: UnitOfWork, sender: str, key: str, route: str, digest: str,
           now: datetime) -> None:
    """The key's row, before the delivery: a concurrent call with the same key waits for it
    here and then fails on the unique (sender, key)."""
    try:
        uow.execute(keys.insert(), {"sender": sender, "key": key, "route": route,
                                    "body_sha256": digest, "created_at": now})
    except IntegrityError:
        raise _Taken() from None


def _replay(stored: RowMapping, key: str, route: str, digest: str) -> Answer:
    """The stored answer, if the key was used for this very request."""
    if stored["route"] != route or stored["body_sha256"] != digest:
        raise Invalid.of("event.key_reused",
                         [coded_field(HEADER, "field.idempotency_key_reused", "headers")],
                         key=key, kind=stored["route"])
    return Answer(stored["answer"], replayed=True)

