"""Statements run on the driver's cursor give what SQLAlchemy's own execution gives: the same
rows and types (aware datetimes, decoded JSON), the same row counts and the same exception
classes, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, exc, select

from services.audit import record
from services.task_list import _list_statement
from store import queries as q
from store.fast_sql import Prepared, insert_of, insert_returning_id

WHEN = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=timezone.utc)


def _instance(conn) -> int:  # type: ignore[no-untyped-def]
    definition = insert_of(q.definitions, ("key", "version", "sha256", "bpmn_xml", "files",
                                           "deployed_at", "deployed_by"), q.definitions.c.id)
    definition_id = definition.rows(conn, {
        "key": "k", "version": 1, "sha256": "0" * 64, "bpmn_xml": "<x/>",
        "files": {"a.bpmn": "<x/>"}, "deployed_at": WHEN, "deployed_by": "test"})[0]["id"]
    row = {"definition_id": definition_id, "process_key": "k", "business_key": "B-1",
           "status": "waiting", "state": "{}", "serializer_version": "1", "spiff_version": "3",
           "variables": {"a": [1, "二"]}, "version": 1, "started_at": WHEN, "updated_at": WHEN,
           "case_no": "TS1"}
    return insert_returning_id(q.instances, tuple(row)).rows(conn, row)[0]["id"]


def _task(instance_id: int, guid: str, **extra: object) -> dict:
    return {"task_guid": guid, "instance_id": instance_id, "process_key": "k",
            "business_key": "B-1", "bpmn_id": "t", "name": "任务", "candidate_group": "Agent",
            "assignee": None, "state": "open", "form_schema": {"type": "object"},
            "data": {"n": 1, "note": None}, "due_at": None, "created_at": WHEN, **extra}


def test_rows_match_sqlalchemys_own(fd) -> None:  # type: ignore[no-untyped-def]
    with fd.uow() as conn:
        instance_id = _instance(conn)
        first = insert_of(q.tasks, tuple(_task(0, "g")), q.tasks.c.id).rows(
            conn, _task(instance_id, "g-1"))[0]["id"]
        conn.execute(q.INSERT_TASKS, [_task(instance_id, "g-2", priority=90)])
        for statement, params in [
                (q.TASK_WITH_INSTANCE, {"task_id": first}),
                (q.TASK, {"task_id": first}),
                (q.INSTANCE_HEAD, {"instance_id": instance_id}),
                (select(q.instances), {}),
                (_list_statement(("active",), "-priority,created_at", 2).statement,
                 {"me": "nobody", "group_0": "Agent", "group_1": None, "offset": 0,
                  "limit": 50, "window": 50})]:
            expected = [dict(r) for r in conn.execute(statement, params).mappings()]
            got = Prepared(statement).rows(conn, params)
            assert got == expected and got, statement
    task = got[0]
    assert task["priority"] == 90 and task["total_count"] == 2
    assert task["created_at"] == WHEN and task["created_at"].tzinfo is not None
    assert task["escalation_level"] == 0  # the column's default, as SQLAlchemy's INSERT gives


def test_an_insert_fills_scalar_defaults_and_refuses_callable_ones(fd) -> None:  # type: ignore[no-untyped-def]
    with fd.uow() as conn:
        instance_id = _instance(conn)
        task_id = insert_of(q.tasks, tuple(_task(0, "g")), q.tasks.c.id).rows(
            conn, _task(instance_id, "g-3"))[0]["id"]
        row = conn.execute(q.TASK, {"task_id": task_id}).mappings().one()
    assert (row["priority"], row["documentation"], row["escalation_level"]) == (50, "", 0)
    assert row["data"] == {"n": 1, "note": None} and row["form_schema"] == {"type": "object"}
    with pytest.raises(ValueError, match="callable default"):
        insert_of(q.instances, ("definition_id",), q.instances.c.id)  # variables=dict


def test_rowcount_and_json_and_audit(fd) -> None:  # type: ignore[no-untyped-def]
    with fd.uow() as conn:
        instance_id = _instance(conn)
        params = {"instance_id": instance_id, "seen_version": 1, "new_state": "{}",
                  "new_status": "running", "new_version": 2, "new_variables": {"x": "是"},
                  "now": WHEN, "ended": None}
        assert q.FAST_SAVE_STATE.rowcount(conn, params) == 1
        assert q.FAST_SAVE_STATE.rowcount(conn, params) == 0  # the version moved on
        audit_id = record(conn, WHEN, "tester", "x.done", instance_id=instance_id,
                          before=None, after={"k": [1, 2]})
        row = conn.execute(select(q.instances.c.variables, q.instances.c.version)
                           .where(q.instances.c.id == instance_id)).one()
        entry = conn.execute(select(q.tasks.metadata.tables["audit_log"])
                             .where(q.tasks.metadata.tables["audit_log"].c.id == audit_id)
                             ).mappings().one()
    assert row == ({"x": "是"}, 2)
    assert entry["after"] == {"k": [1, 2]} and entry["at"] == WHEN


def test_a_step_that_keeps_the_status_leaves_it_and_the_end_alone(fd) -> None:  # type: ignore[no-untyped-def]
    with fd.uow() as conn:
        instance_id = _instance(conn)
        params = {"instance_id": instance_id, "seen_version": 1, "new_state": "{\"s\": 2}",
                  "new_version": 2, "new_variables": {"y": 1}, "now": WHEN}
        assert q.FAST_SAVE_STATE_SAME_STATUS.rowcount(conn, params) == 1
        assert q.FAST_SAVE_STATE_SAME_STATUS.rowcount(conn, params) == 0  # stale version
        row = conn.execute(select(q.instances.c.state, q.instances.c.status,
                                  q.instances.c.version, q.instances.c.variables,
                                  q.instances.c.updated_at, q.instances.c.ended_at)
                           .where(q.instances.c.id == instance_id)).one()
    assert row == ('{"s": 2}', "waiting", 2, {"y": 1}, WHEN, None)


def test_driver_errors_are_sqlalchemys_exceptions(fd) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc.IntegrityError):
        with fd.uow() as conn:
            instance_id = _instance(conn)
            insert = insert_of(q.tasks, tuple(_task(0, "g")), q.tasks.c.id)
            insert.rows(conn, _task(instance_id, "same"))
            insert.rows(conn, _task(instance_id, "same"))  # task_guid is unique
    with fd.uow(read_only=True) as conn:  # rolled back: nothing of it stayed
        assert Prepared(select(q.instances.c.id)).rows(conn, {}) == []


def test_a_lost_connection_is_invalidated_as_sqlalchemy_would(fd) -> None:  # type: ignore[no-untyped-def]
    """The driver connection dies under a statement: SQLAlchemy's exception, marked
    invalidated, and the pool hands out a working connection next."""
    statement = Prepared(select(q.instances.c.id))
    with fd.uow(read_only=True) as uow:
        uow.connection.connection.driver_connection.close()  # as if the server had gone away
        with pytest.raises(exc.DBAPIError) as raised:
            statement.rows(uow, {})
        assert raised.value.connection_invalidated and uow.connection.invalidated
    with fd.uow(read_only=True) as conn:
        assert statement.rows(conn, {}) == []


def test_it_refuses_to_run_outside_a_transaction(fd) -> None:  # type: ignore[no-untyped-def]
    from store.uow import UnitOfWork
    with fd.engine.connect() as conn:
        outside = UnitOfWork(conn, read_only=True, record=False)  # no BEGIN
        with pytest.raises(RuntimeError, match="inside a unit of work"):
            Prepared(select(q.instances.c.id)).rows(outside, {})
        with pytest.raises(RuntimeError, match="inside a unit of work"):
            q.FAST_SAVE_STATE.rowcount(outside, {})


def test_expanding_parameters_are_refused(fd) -> None:  # type: ignore[no-untyped-def]
    table = Table("t", MetaData(), Column("x", Integer))
    statement = select(table).where(table.c.x.in_(bindparam("xs", expanding=True)))
    with fd.uow(read_only=True) as conn, pytest.raises(ValueError, match="plain bound parameters"):
        Prepared(statement).rows(conn, {"xs": [1]})


def test_it_is_logged_and_counted_like_any_statement(fd, caplog) -> None:  # type: ignore[no-untyped-def]
    """SQLAlchemy's engine logger shows the statement (as ``echo`` would), and the unit of
    work counts it: the fast path is not a blind spot for logs or the statement budget."""
    import logging

    seen = []
    fd.db.observers.append(seen.append)
    statement = Prepared(select(q.instances.c.id).where(q.instances.c.id == bindparam("i")))
    try:
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"), \
                fd.uow(read_only=True) as uow:
            assert statement.rows(uow, {"i": 1}) == []
    finally:
        fd.db.observers.remove(seen.append)
    sql = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert any("FROM process_instances" in m for m in sql), sql
    assert len(seen) == 1 and len(seen[0].statements) == 1
    assert "FROM process_instances" in seen[0].statements[0]
