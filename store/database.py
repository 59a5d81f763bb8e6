"""The database engine: its URL, connection pool and per-dialect set-up (the unit of work on
top of it is ``store.uow``).

SQLite: WAL, a busy timeout, and BEGIN IMMEDIATE, so a transaction takes the write lock up front
instead of failing with "database is locked" when it upgrades a read to a write.
PostgreSQL: plain READ COMMITTED; lost updates are caught by the instance row version.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError


def database_url_from_env() -> str:
    """FLOWDESK_DATABASE_URL, else a SQLite file in FLOWDESK_HOME (default ./.flowdesk)."""
    url = os.environ.get("FLOWDESK_DATABASE_URL")
    if url:
        return url
    home = Path(os.environ.get("FLOWDESK_HOME", Path.cwd() / ".flowdesk"))
    return f"sqlite:///{home / 'flowdesk.db'}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database \
            or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


# Log pages after which a commit checkpoints by itself. Server processes checkpoint on a
# background thread every second (``wal_checkpoint.WalCheckpointer``), so this is a backstop
# (~40 MB of log) for processes that run none; SQLite's default of 1000 put the checkpoint's
# copy and sync inside a request every few dozen instances.
AUTOCHECKPOINT_PAGES = 10_000

_BEGIN = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # Straight to the driver: a full SQLAlchemy execution costs ~10x the BEGIN itself. So
        # its errors ("database is locked" past the busy timeout) are wrapped here as
        # SQLAlchemy's would be, for the unit of work and the API's 503 to see.
        try:
            conn.connection.driver_connection.execute(_BEGIN[mode])
        except sqlite3.Error as exc:
            raise DBAPIError.instance(_BEGIN[mode], None, exc, sqlite3.Error) from exc


def read_only_engine(engine: Engine) -> Engine:
    """The same engine whose transactions never take SQLite's write lock."""
    return engine.execution_options(sqlite_begin="DEFERRED")
