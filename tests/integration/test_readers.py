"""Readers' units of work: they write nothing, on either database, and on PostgreSQL they end
with a COMMIT of a READ ONLY transaction, so psycopg keeps the connection's prepared statements
(a ROLLBACK drops them all: every statement was planned again on every call)."""
from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import DBAPIError

from store import queries as q
from store.fast_sql import Prepared
from store.tables_access import AccessEpochRow

EPOCH = AccessEpochRow.__table__


def test_a_reader_writes_nothing(fd) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL refuses the write (READ ONLY); SQLite's reader rolls it back."""
    postgres = fd.engine.dialect.name == "postgresql"
    try:
        with fd.uow(read_only=True) as uow:
            uow.execute(update(EPOCH).values(value=EPOCH.c.value + 41))
    except DBAPIError as exc:
        assert postgres and getattr(exc.orig, "sqlstate", None) == "25006", exc
    else:
        assert not postgres, "PostgreSQL took a write in a reader"
    with fd.uow(read_only=True) as uow:
        assert uow.scalar(select(EPOCH.c.value)) == 0


def test_a_writer_after_a_reader_writes(fd) -> None:  # type: ignore[no-untyped-def]
    """The pooled connection a reader used is no longer read-only for the next writer."""
    for _ in range(2):
        with fd.uow(read_only=True) as uow:
            uow.scalar(select(EPOCH.c.value))
        with fd.uow() as uow:
            uow.execute(update(EPOCH).values(value=EPOCH.c.value + 1))
    with fd.uow(read_only=True) as uow:
        assert uow.scalar(select(EPOCH.c.value)) == 2


def test_readers_keep_the_prepared_statements(fd) -> None:  # type: ignore[no-untyped-def]
    """A statement run often enough (psycopg: 5 times on a connection) stays prepared while
    readers and writers take turns on the connection."""
    if fd.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    statement = Prepared(select(q.instances.c.id).where(q.instances.c.id == bindparam("i")))
    for n in range(8):  # one pooled connection: each unit hands it back before the next
        with fd.uow(read_only=True) as uow:
            statement.rows(uow, {"i": n})
        with fd.uow() as uow:
            uow.execute(update(EPOCH).values(value=EPOCH.c.value + 1))
    with fd.uow(read_only=True) as uow:
        prepared = uow.scalar(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :sql"),
            {"sql": "%FROM process_instances%WHERE process_instances.id = %"})
    assert prepared == 1
