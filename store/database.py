"""The database engine: its URL, connection pool and per-dialect set-up (the unit of work on
top of it is ``store.uow``).

SQLite: WAL, a busy timeout, and BEGIN IMMEDIATE, so a transaction takes the write lock up front
instead of failing with "database is locked" when it upgrades a read to a write.
PostgreSQL: plain READ COMMITTED; lost updates are caught by the instance row version; pooled
connections are pinged only after sitting idle (``_ping_after_idle``).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError


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


def make_engine(url: str, pool_size: int = 10) -> Engine:
    """The engine; its pool hands out the connection returned last (LIFO): SQLite keeps a page
    cache per connection, valid until another connection commits, and PostgreSQL keeps its
    prepared statements per connection, so a request should get the connection warm from the
    one before rather than the pool's oldest. (The ticker's threads have a pool of their own,
    ``Flowdesk.for_background``: a connection they took while a request had the warm one
    went back on top, and the next request got it, cold.)"""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_use_lifo=True, pool_size=min(pool_size, 5))
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size,
                           pool_use_lifo=True)
    _ping_after_idle(engine)
    return engine


# A pooled PostgreSQL connection that sat unused for longer than this is pinged before use.
IDLE_PING_SECONDS = 1.0


def _ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for connections idle past ``IDLE_PING_SECONDS``.

    Pinging every checkout cost a round trip per API call (ten per instance in
    bench/bench_workers.py, about a seventh of its statements), on the server's CPU and the
    database's. A connection handed back a moment ago is alive; one that sat idle may have
    been closed by a database restart or a firewall, and is pinged: a dead one is replaced
    (the pool retries with a new connection) before any request sees it. A connection that
    dies while busy fails its request either way (503, and the pool is renewed)."""
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # just made, or just used
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the pooled connection was closed while idle") from exc


# Log pages after which a commit checkpoints by itself. Server processes checkpoint on a
# background thread every second (``wal_checkpoint.WalCheckpointer``), so this is a backstop
# (~40 MB of log) for processes that run none; SQLite's default of 1000 put the checkpoint's
# copy and sync inside a request every few dozen instances.
AUTOCHECKPOINT_PAGES = 10_000
MMAP_BYTES = 64 << 20

_BEGIN = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}
BEGIN_MODE = "flowdesk_sqlite_begin"  # in a pooled connection's info: its next BEGIN's mode


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
        # Pages of the database file are read through a memory map (up to 64 MB) instead of a
        # read() each: a commit of another connection (the ticker's) empties this connection's
        # page cache, and reading it back page by page cost the next requests a system call
        # per page (a task list's p95 1.3-1.5 ms instead of 3 in bench/bench_api.py).
        cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cur.close()

    def do_begin(pooled) -> None:  # type: ignore[no-untyped-def]
        # Straight to the driver: a full SQLAlchemy execution costs ~10x the BEGIN itself.
        # The dialect's own hook rather than a "begin" event: with no connection event
        # registered SQLAlchemy dispatches none on any begin, commit or rollback (a third of a
        # unit of work's cost). Its errors ("database is locked" past the busy timeout) are
        # wrapped by SQLAlchemy as any driver error, for the unit of work and the API's 503.
        pooled.driver_connection.execute(_BEGIN[pooled.info.pop(BEGIN_MODE, "IMMEDIATE")])

    engine.dialect.do_begin = do_begin  # type: ignore[method-assign]


def next_begin(conn: Connection, deferred: bool) -> None:
    """How the connection's next BEGIN (SQLite) starts: DEFERRED for a reader, which never
    takes the write lock, else IMMEDIATE (also for a BEGIN nobody announced)."""
    conn.connection.info[BEGIN_MODE] = "DEFERRED" if deferred else "IMMEDIATE"


def read_only_engine(engine: Engine) -> Engine:
    """The same engine for readers: on PostgreSQL their transactions are READ ONLY (psycopg's
    ``read_only``: its BEGIN says so, no round trip of its own), so a reader can end with
    COMMIT (``store.uow``) and still write nothing; on SQLite the unit of work begins them
    DEFERRED (``next_begin``)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(postgresql_readonly=True)
    return engine
