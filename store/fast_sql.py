"""Hot statements run straight on the DB-API cursor, compiled once per dialect by SQLAlchemy.

SQLAlchemy's work around each execution (an execution context, parameter and result
processing through its generic machinery, result metadata) cost about 60 µs a statement, a
fifth of a task completion's time. A ``Prepared`` statement keeps what that work produces
(the SQL text, the order of its parameters, the type processors SQLAlchemy itself would apply)
and does the rest in a few lines, so rows come back exactly as SQLAlchemy would give them.

Only for statements that need nothing else: SELECTs, UPDATEs and one-row INSERTs (``insert_of``
fills omitted columns' scalar defaults) whose every parameter the caller passes, without
expanding ``IN`` lists. A driver error is raised as SQLAlchemy's own exception, and a lost
connection is invalidated, so callers and the pool see what they saw before. Used on the paths
every start, task list and completion takes; everything else stays on SQLAlchemy's execution.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


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

    def rows(self, executor: Connection | Session, params: dict[str, Any]) -> list[dict]:
        """All result rows as dicts (column key -> value)."""
        plan, cursor = self._run(executor, params)
        try:
            fetched = cursor.fetchall()
            if plan.results is None:
                dialect = _connection(executor).dialect
                plan.results = tuple(
                    type_._cached_result_processor(dialect, desc[1])
                    for type_, desc in zip(plan.types, cursor.description))
        finally:
            cursor.close()
        keys, results = plan.keys, plan.results
        if not any(results):
            return [dict(zip(keys, row)) for row in fetched]
        return [{key: (proc(value) if proc else value)
                 for key, proc, value in zip(keys, results, row)} for row in fetched]

    def rowcount(self, executor: Connection | Session, params: dict[str, Any]) -> int:
        """How many rows an UPDATE or DELETE matched."""
        _, cursor = self._run(executor, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _run(self, executor: Connection | Session, params: dict[str, Any]) -> tuple[_Plan, Any]:
        conn = _connection(executor)
        dialect = conn.dialect
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = _plan(self.statement, dialect)
        values = {**plan.fixed, **params}
        for name, process in plan.bind.items():
            values[name] = process(values[name])
        bound: Any = values if plan.order is None else tuple(values[n] for n in plan.order)
        driver = conn.connection.driver_connection
        cursor = None
        try:
            cursor = driver.cursor()  # type: ignore[union-attr]
            cursor.execute(plan.sql, bound)
        except dialect.loaded_dbapi.Error as exc:
            raise _translated(conn, cursor, exc, plan.sql, bound) from exc
        return plan, cursor


def _translated(conn: Connection, cursor: Any, exc: Exception, sql: str,
                bound: Any) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it; a lost connection is invalidated first,
    as SQLAlchemy does, so the pool replaces it instead of handing it out again."""
    dialect = conn.dialect
    lost = dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
    if cursor is not None:
        try:
            cursor.close()
        except dialect.loaded_dbapi.Error:
            pass
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(sql, bound, exc, dialect.loaded_dbapi.Error,
                               connection_invalidated=lost, dialect=dialect)


def insert_of(table: Table, keys: tuple[str, ...], *returning: Column) -> Prepared:
    """A one-row INSERT of the named columns. Omitted columns get their scalar Python default,
    as SQLAlchemy's own INSERT would give them; a callable default is refused (it would have
    to run per row)."""
    values: dict[str, Any] = {key: bindparam(key) for key in keys}
    for column in table.columns:
        if column.name in values or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name} has a callable default: pass it")
        values[column.name] = column.default.arg
    return Prepared(insert(table).values(values).returning(*returning))


def _connection(executor: Connection | Session) -> Connection:
    return executor if isinstance(executor, Connection) else executor.connection()


def _plan(statement: ClauseElement, dialect: Dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect)
    if compiled.escaped_bind_names or compiled.post_compile_params:
        raise ValueError("fast_sql.Prepared takes plain bound parameters only")
    fixed = {name: value for name, value in compiled.construct_params(_check=False).items()
             if value is not None}
    columns = getattr(compiled, "_result_columns", None) or []
    return _Plan(sql=compiled.string,
                 order=tuple(compiled.positiontup) if compiled.positiontup else None,
                 fixed=fixed, bind=dict(compiled._bind_processors),
                 keys=tuple(c.keyname for c in columns), types=tuple(c.type for c in columns))
