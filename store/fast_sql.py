"""Hot statements run straight on the DB-API cursor, compiled once per dialect by SQLAlchemy.

SQLAlchemy's work around each execution (an execution context, parameter and result
processing through its generic machinery, result metadata) cost about 60 µs a statement, a
fifth of a task completion's time. A ``Prepared`` statement keeps what that work produces
(the SQL text, the order of its parameters, the type processors SQLAlchemy itself would apply)
and does the rest in a few lines, so rows come back exactly as SQLAlchemy would give them.

Runs only inside a unit of work (``store.uow``), which counts it like any other statement; it
is logged on the engine's own logger the way SQLAlchemy logs (``echo=True``, or INFO on
``sqlalchemy.engine.Engine``). ``FLOWDESK_FAST_SQL=0`` switches it off: every ``Prepared`` then
runs through SQLAlchemy's execution, with the same results (the suite passes both ways).

Only for statements that need nothing else: SELECTs, UPDATEs and one-row INSERTs (``insert_of``
fills omitted columns' scalar defaults) whose every parameter the caller passes, without
expanding ``IN`` lists. A driver error is raised as SQLAlchemy's own exception, and a lost
connection is invalidated, so callers and the pool see what they saw before. Used on the paths
every start, task list and completion takes; everything else stays on SQLAlchemy's execution.
"""
from __future__ import annotations

import functools
import logging
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

if TYPE_CHECKING:
    from store.uow import UnitOfWork, WorkDone

Processor = Callable[[Any], Any] | None
ENABLED = (os.environ.get("FLOWDESK_FAST_SQL", "1").strip().lower()
           not in ("0", "off", "false", "no"))


@dataclass
class _Plan:
    sql: str
    order: tuple[str, ...] | None  # parameter names in placeholder order; None: named style
    fixed: dict[str, Any]  # values compiled into the statement (literal IN lists)
    bind: dict[str, Callable[[Any], Any]]
    keys: tuple[str, ...]  # result column keys, as ``.mappings()`` names them
    types: tuple[Any, ...]
    results: tuple[Processor, ...] | None = None  # made at the first execution (needs coltypes)


class Prepared:
    """A Core statement compiled once per dialect and run on the driver's cursor."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: weakref.WeakKeyDictionary[Dialect, _Plan] = weakref.WeakKeyDictionary()

    def rows(self, uow: UnitOfWork, params: dict[str, Any]) -> list[dict]:
        """All result rows as dicts (column key -> value)."""
        if not ENABLED:
            self._checked(uow)  # refuses what the fast path would
            return [dict(r) for r in uow.execute(self.statement, params).mappings()]
        conn = uow.connection
        plan = self._checked(uow)
        cursor = self._execute(plan, conn.dialect, conn.engine.logger, uow.done,
                               conn.connection, params, invalidate=conn.invalidate)
        return self._fetched(plan, conn.dialect, cursor)

    def rows_alone(self, pooled: Any, dialect: Dialect, logger: logging.Logger,
                   done: WorkDone | None, params: dict[str, Any]) -> list[dict]:
        """All result rows of this SELECT run on its own on a pooled driver connection, outside
        any transaction (``Database.read_alone``): one statement sees one consistent state."""
        plan = self._plan_for(dialect)
        cursor = self._execute(plan, dialect, logger, done, pooled, params,
                               invalidate=pooled.invalidate)
        return self._fetched(plan, dialect, cursor)

    @staticmethod
    def _fetched(plan: _Plan, dialect: Dialect, cursor: Any) -> list[dict]:
        try:
            fetched = cursor.fetchall()
            if plan.results is None:
                plan.results = tuple(
                    type_.dialect_impl(dialect).result_processor(dialect, desc[1])
                    for type_, desc in zip(plan.types, cursor.description))
        finally:
            cursor.close()
        keys, results = plan.keys, plan.results
        if not any(results):
            return [dict(zip(keys, row)) for row in fetched]
        return [{key: (proc(value) if proc else value)
                 for key, proc, value in zip(keys, results, row)} for row in fetched]

    def rowcount(self, uow: UnitOfWork, params: dict[str, Any]) -> int:
        """How many rows an UPDATE or DELETE matched."""
        if not ENABLED:
            self._checked(uow)
            return int(uow.execute(self.statement, params).rowcount)
        conn = uow.connection
        cursor = self._execute(self._checked(uow), conn.dialect, conn.engine.logger, uow.done,
                               conn.connection, params, invalidate=conn.invalidate)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _checked(self, uow: UnitOfWork) -> _Plan:
        """This statement's plan for the unit of work's dialect; refuses to run outside a
        transaction, and statements the fast path cannot take."""
        conn = uow.connection
        if not conn.in_transaction():
            raise RuntimeError("fast_sql statements run inside a unit of work's transaction")
        return self._plan_for(conn.dialect)

    def _plan_for(self, dialect: Dialect) -> _Plan:
        """This statement compiled for ``dialect``, once."""
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = _plan(self.statement, dialect)
        return plan

    @staticmethod
    def _execute(plan: _Plan, dialect: Dialect, logger: logging.Logger,
                 done: WorkDone | None, pooled: Any, params: dict[str, Any],
                 invalidate: Callable[[BaseException], None]) -> Any:
        """The statement run on the pooled connection's driver cursor; the cursor to read."""
        values = {**plan.fixed, **params}
        for name, process in plan.bind.items():
            values[name] = process(values[name])
        bound: Any = values if plan.order is None else tuple(values[n] for n in plan.order)
        if done is not None:  # someone counts statements (the budget tests)
            done.statements.append(plan.sql)
        if logger.isEnabledFor(logging.INFO):  # SQLAlchemy's own: honours ``echo`` and levels
            logger.info(plan.sql)
            logger.info("[fast_sql] %r", bound)
        cursor = None
        try:
            cursor = pooled.driver_connection.cursor()
            cursor.execute(plan.sql, bound)
        except dialect.loaded_dbapi.Error as exc:
            raise _translated(dialect, pooled, invalidate, cursor, exc, plan.sql,
                              bound) from exc
        return cursor


def _translated(dialect: Dialect, pooled: Any, invalidate: Callable[[BaseException], None],
                cursor: Any, exc: Exception, sql: str, bound: Any) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it; a lost connection is invalidated first,
    as SQLAlchemy does, so the pool replaces it instead of handing it out again."""
    lost = dialect.is_disconnect(exc, pooled.dbapi_connection, cursor)
    if cursor is not None:
        try:
            cursor.close()
        except dialect.loaded_dbapi.Error:
            pass
    if lost:
        invalidate(exc)
    return DBAPIError.instance(sql, bound, exc, dialect.loaded_dbapi.Error,
                               connection_invalidated=lost, dialect=dialect)


def insert_of(table: Table, keys: tuple[str, ...], *returning: Column) -> Prepared:
    """A one-row INSERT of the named columns. Omitted columns get their scalar Python default,
    as SQLAlchemy's own INSERT would give them; a callable default is refused (it would have
    to run per row)."""
    return Prepared(insert(table).values(_row_values(table, keys, "")).returning(*returning))


@functools.lru_cache(maxsize=32)
def insert_returning_id(table: Table, keys: tuple[str, ...]) -> Prepared:
    """``insert_of`` returning the new row's id, built once per table and shape of row (the
    services' hot inserts pass rows of one shape each)."""
    return insert_of(table, keys, table.c.id)


def insert_rows_of(table: Table, keys: tuple[str, ...], count: int,
                   *returning: Column) -> Prepared:
    """An INSERT of ``count`` rows in one VALUES list, the n-th row's parameters named
    ``<key>_<n>`` (``numbered_rows`` makes them): SQLAlchemy's own many-row INSERT with
    RETURNING costs several times the statement. Defaults as ``insert_of``."""
    rows = [_row_values(table, keys, f"_{n}") for n in range(count)]
    return Prepared(insert(table).values(rows).returning(*returning))


def numbered_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The parameters of an ``insert_rows_of`` statement for these rows."""
    return {f"{key}_{n}": value for n, row in enumerate(rows) for key, value in row.items()}


def _row_values(table: Table, keys: tuple[str, ...], suffix: str) -> dict[str, Any]:
    values: dict[str, Any] = {key: bindparam(key + suffix, type_=table.c[key].type)
                              for key in keys}
    for column in table.columns:
        if column.name in values or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name} has a callable default: pass it")
        values[column.name] = column.default.arg
    return values


def _plan(statement: ClauseElement, dialect: Dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect)
    if compiled.escaped_bind_names or compiled.post_compile_params:
        raise ValueError("fast_sql.Prepared takes plain bound parameters only")
    fixed = {name: value for name, value in compiled.params.items() if value is not None}
    bind = {}
    for param in compiled.binds.values():
        process = param.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            bind[compiled.bind_names[param]] = process
    columns = list(getattr(statement, "exported_columns", ()))
    keys = tuple(getattr(statement, "exported_columns", {}).keys()) if columns else ()
    return _Plan(sql=compiled.string,
                 order=tuple(compiled.positiontup) if compiled.positiontup else None,
                 fixed=fixed, bind=bind, keys=keys, types=tuple(c.type for c in columns))
