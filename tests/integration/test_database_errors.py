"""A database that does not answer is a 503 the client may retry, never a traceback; other
database errors stay 500s. Both as problem details."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError


def _raising(error: Exception):  # type: ignore[no-untyped-def]
    def view():  # type: ignore[no-untyped-def]
        raise error
    return view


@pytest.mark.parametrize("error, status", [
    (OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), 503),
    (DBAPIError("SELECT 1", {}, sqlite3.InterfaceError("connection closed"),
                connection_invalidated=True), 503),
    (ProgrammingError("SELECT nope", {}, sqlite3.ProgrammingError("no such column")), 500),
])
def test_database_errors_are_problem_details(app, error: Exception, status: int) -> None:  # type: ignore[no-untyped-def]
    app.add_url_rule("/_test/db-error", "db_error", _raising(error))
    response = app.test_client().get("/_test/db-error", headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and "Traceback" not in response.get_data(as_text=True)
    if status == 503:
        assert body["title"] == "Database unavailable" and response.headers["Retry-After"] == "2"
    else:
        assert body["title"] == "Internal server error" and "Retry-After" not in response.headers


def test_a_database_that_cannot_be_opened_is_a_503(app, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through the real stack: the engine points at a file SQLite cannot open."""
    from sqlalchemy import create_engine

    fd = app.extensions["flowdesk"]
    dead = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    monkeypatch.setattr(fd.db, "engine", dead)  # undone before the app's teardown disposes it
    monkeypatch.setattr(fd.db, "_read_engine", dead)
    response = app.test_client().get("/api/v1/tasks",
                                     headers={"Authorization": "Bearer fd_unknown",
                                              "Accept-Language": "en"})
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["title"] == "Database unavailable"


def test_a_write_lock_held_elsewhere_is_a_503_at_begin_then_writes_go_on(  # type: ignore[no-untyped-def]
        server, tokens, fd, database_url) -> None:
    """Another connection holds SQLite's write lock: a writer's BEGIN IMMEDIATE gives up after
    the busy timeout (short here) with 503 + Retry-After, while readers still answer; once the
    lock is gone the same request succeeds (the failed connection was discarded, not pooled)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    from sqlalchemy import event

    @event.listens_for(fd.db.engine, "connect")
    def _short_busy_timeout(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA busy_timeout=100")

    fd.db.engine.dispose()  # pooled connections get the short timeout too
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    body = {"code": "locked-1", "name": "锁"}
    try:
        holder.execute("BEGIN IMMEDIATE")
        refused = server.post("/api/v1/customers", tokens["agent"], json=body)
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "2"
        assert refused.headers["Content-Type"] == "application/problem+json"
        # readers begin DEFERRED: they never wait for the write lock
        listed = server.get("/api/v1/tasks", tokens["agent"])
        assert listed.status_code == 200, listed.text
    finally:
        holder.rollback()
        holder.close()
    created = server.post("/api/v1/customers", tokens["agent"], json=body)
    assert created.status_code == 201, created.text


def test_a_database_that_was_read_only_takes_writes_again_once_writable(  # type: ignore[no-untyped-def]
        server, tokens, fd, database_url) -> None:
    """While the database refuses writes (SQLite's query_only, as a read-only file does;
    PostgreSQL's read-only sessions, as a standby does), a write is a 503 + Retry-After and
    changes nothing; once it takes writes again, the next write succeeds: the connections that
    saw the refusal were discarded, not pooled read-only."""
    from sqlalchemy import event

    read_only = {"on": True}
    sqlite = database_url.startswith("sqlite")

    @event.listens_for(fd.db.engine, "connect")
    def _refuse_writes(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        if not read_only["on"]:
            return
        if sqlite:
            dbapi_conn.execute("PRAGMA query_only=ON")
        else:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_conn.commit()

    fd.db.engine.dispose()  # every pooled connection now comes from the listener
    body = {"code": "ro-1", "name": "只读"}
    for _ in range(3):  # more than one pooled connection sees the refusal
        refused = server.post("/api/v1/customers", tokens["agent"], json=body)
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "2"
        assert refused.headers["Content-Type"] == "application/problem+json"
    read_only["on"] = False
    created = server.post("/api/v1/customers", tokens["agent"], json=body)
    assert created.status_code == 201, created.text
    found = server.get("/api/v1/customers?q=ro-1", tokens["admin"]).json()
    assert [c["code"] for c in found["items"]] == ["ro-1"]
