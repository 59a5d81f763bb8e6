"""The unit of work: the one way the services open a transaction, for reading or writing.

A ``UnitOfWork`` is one database transaction on a Core connection. It commits once when its
block ends without an error and rolls back on any error; what must only happen after the commit
(parking a live workflow in the cache) is registered with ``after_commit`` and runs then, never
for work that was rolled back, including a savepoint's. Every statement goes through it
(``execute`` for SQLAlchemy's own execution, ``store.fast_sql.Prepared`` for the hot ones), so
it counts them: observers of a ``Database`` see each finished unit's statements and whether it
committed, which is how the tests hold the hot calls to their budget.

Writers take SQLite's write lock at BEGIN (no "database is locked" when a read turns into a
write); readers never wait for it and commit nothing.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Result
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql import Executable

from store import fast_sql
from store.database import make_engine, next_begin, read_only_engine
from store.fast_sql import Prepared

# PostgreSQL's read_only_sql_transaction: a standby after a fail-over, or a database set
# read-only. Like a locked or unreachable database, the work may succeed later elsewhere.
READ_ONLY_SQLSTATES = frozenset({"25006"})


def unavailable(exc: BaseException) -> bool:
    """Whether the database could not take the work now (locked, read-only, I/O error, gone),
    as opposed to refusing the work itself: the client may try again, and the connection that
    saw it is not to be pooled again."""
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or \
            getattr(exc.orig, "sqlstate", None) in READ_ONLY_SQLSTATES
    return False


@dataclass
class WorkDone:
    """What one unit of work did: its statements (SQL text) and whether it committed."""

    read_only: bool
    statements: list[str] = field(default_factory=list)
    committed: bool = False


Observer = Callable[[WorkDone], None]


class UnitOfWork:
    """One transaction. Services run every statement through it."""

    def __init__(self, connection: Connection, read_only: bool, record: bool) -> None:
        self.connection = connection
        # What this unit did, when a Database observer asks (``store.fast_sql`` adds its own).
        self.done = WorkDone(read_only) if record else None
        self._after_commit: list[Callable[[], None]] = []
        # Rows a service writes later in one statement with others (``services.audit``), and
        # what must run before the commit to write what is still staged.
        self.staged: dict[str, list[dict]] = {}
        self._before_commit: dict[str, Callable[[], None]] = {}

    def execute(self, statement: Executable, params: Any = None) -> Result:
        """Run a statement with SQLAlchemy (anything Core can run)."""
        if self.done is not None:
            self.done.statements.append(str(statement))
        return self.connection.execute(statement, params)

    def scalar(self, statement: Executable, params: Any = None) -> Any:
        return self.execute(statement, params).scalar()

    def scalars(self, statement: Executable, params: Any = None) -> Any:
        return self.execute(statement, params).scalars()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this unit has committed (never if it rolls back)."""
        self._after_commit.append(action)

    def stage(self, key: str, row: dict, flush: Callable[[], None]) -> None:
        """Keep ``row`` to be written with the next statement of its kind; ``flush`` writes
        what is still staged before the commit."""
        self.staged.setdefault(key, []).append(row)
        self._before_commit.setdefault(key, flush)

    def take_staged(self, key: str) -> list[dict]:
        self._before_commit.pop(key, None)
        return self.staged.pop(key, [])

    def flush_staged(self) -> None:
        for flush in list(self._before_commit.values()):
            flush()

    @contextmanager
    def savepoint(self) -> Iterator[UnitOfWork]:
        """A nested transaction: an error inside rolls back only its own statements and
        drops the after-commit actions and staged rows registered inside it."""
        mark = len(self._after_commit)
        staged = {key: len(rows) for key, rows in self.staged.items()}
        try:
            with self.connection.begin_nested():
                yield self
        except BaseException:
            del self._after_commit[mark:]
            for key, rows in self.staged.items():
                del rows[staged.get(key, 0):]
            raise


@dataclass
class _OwnConnection:
    """A driver connection ``read_alone`` keeps out of the pool, shaped like the pool's own
    (``store.fast_sql`` runs on either)."""

    dbapi_connection: Any

    @property
    def driver_connection(self) -> Any:
        return self.dbapi_connection

    def invalidate(self, _exc: BaseException | None = None) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.dbapi_connection.close()
        except Exception:  # noqa: BLE001 - a broken connection may refuse to close: drop it
            pass


class Database:
    """The engine of one database, and units of work on it."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.engine: Engine = make_engine(url, pool_size)
        self._read_engine = read_only_engine(self.engine)
        # PostgreSQL: a reader's transaction (READ ONLY) ends with COMMIT, not with the pool's
        # ROLLBACK: psycopg drops every prepared statement of a connection at a rollback (and
        # sends DEALLOCATE ALL), so with readers and writers sharing the pool no statement
        # reached its fifth run and all were planned again on every call (about half of
        # PostgreSQL's CPU in bench/bench_workers.py went to planning).
        self._end_readers_with_commit = self.engine.dialect.name == "postgresql"
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._alone: deque[Any] = deque()  # read_alone's own connections, free ones
        self.observers: list[Observer] = []

    @contextmanager
    def unit_of_work(self, read_only: bool = False) -> Iterator[UnitOfWork]:
        """One transaction: committed at the end of the block (a reader's is just closed, or on
        PostgreSQL committed: it is READ ONLY),
        rolled back on any error; then the after-commit actions run."""
        engine = self._read_engine if read_only else self.engine
        uow = UnitOfWork(engine.connect(), read_only, record=bool(self.observers))
        conn = uow.connection
        try:
            if self._sqlite:
                next_begin(conn, deferred=read_only)
            conn.begin()
            yield uow
            if not read_only:
                uow.flush_staged()
                conn.commit()
                if uow.done is not None:
                    uow.done.committed = True
            elif self._end_readers_with_commit and not conn.invalidated:
                conn.commit()  # a READ ONLY transaction: nothing to keep, see __init__
        except BaseException as exc:
            if not unavailable(exc):
                conn.rollback()
                raise
            # Locked, read-only, disk I/O error, server gone: this connection may stay broken
            # (SQLite keeps failing after an I/O error, a read-only session stays read-only),
            # so it is closed, not pooled again; the next unit of work opens a fresh one.
            conn.invalidate()
            raise
        finally:
            conn.close()
            if uow.done is not None:
                for observe in list(self.observers):
                    observe(uow.done)
        for action in uow._after_commit:
            action()

    def read_alone(self, statement: Prepared, params: dict[str, Any]) -> list[dict]:
        """The rows of one SELECT run on its own, outside a transaction: what every request
        asks first (who its credential belongs to), without the cost of opening and ending a
        transaction and of checking a connection out of the pool and back (together more than
        the statement). It runs on one of a few connections of its own, in autocommit: a single
        statement sees one consistent state on both databases. Observers see it as a read-only
        unit of one statement. With the fast path off it is a plain read-only unit of work."""
        if not fast_sql.ENABLED:
            with self.unit_of_work(read_only=True) as uow:
                return statement.rows(uow, params)
        done = WorkDone(read_only=True) if self.observers else None
        engine = self._read_engine
        own = self._alone_connection()
        try:
            rows = statement.rows_alone(own, engine.dialect, engine.logger, done, params)
        except BaseException:
            own.close()  # whatever went wrong, this connection is not used again
            raise
        finally:
            if done is not None:
                for observe in list(self.observers):
                    observe(done)
        self._alone.append(own)
        return rows

    def _alone_connection(self) -> Any:
        """A free connection for ``read_alone``: one taken from the pool once and kept out of it
        (detached), in autocommit; there are as many as requests ever asked at the same time."""
        try:
            return self._alone.pop()
        except IndexError:
            pass
        dialect = self.engine.dialect
        try:
            pooled = self._read_engine.raw_connection()  # made by the pool: its set-up ran
        except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it from connect()
            raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from exc
        pooled.detach()
        own = _OwnConnection(pooled.dbapi_connection)
        if dialect.name == "postgresql":
            own.dbapi_connection.autocommit = True  # (SQLite's already is: store.database)
        return own

    def dispose(self) -> None:
        while self._alone:
            self._alone.pop().close()
        self.engine.dispose()
