"""Integration fixtures: a migrated database (SQLite and PostgreSQL), a live HTTP server, users.

Every test here runs twice, once per database. SQLite gets a fresh copy of a migrated template
file; PostgreSQL (the throwaway server scripts/test.sh starts) is migrated once and truncated
between tests.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select, text
from werkzeug.serving import make_server

from api.app import create_app
from engine.clock import FakeClock
from host.migrate import upgrade
from services.identity import create_token, ensure_user
from services.principal import system
from services.process_group_admin import add_default_designers
from store.tables import Base
from tests.waiting import DEADLINE

PG_URL = os.environ.get("FLOWDESK_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_ready() -> str:
    if not PG_URL:
        if os.environ.get("FLOWDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail("FLOWDESK_TEST_POSTGRES_URL is not set but PostgreSQL is required")
        pytest.skip("PostgreSQL not configured (run scripts/test.sh)")
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "flowdesk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_ready")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(EMPTY_POSTGRES))
        conn.execute(text("INSERT INTO access_epoch (id, value) VALUES (1, 0)"))  # as 0022 does
    engine.dispose()
    return url


# Every table emptied, children before parents, and every sequence back at 1: what TRUNCATE …
# RESTART IDENTITY gives, without the new files TRUNCATE makes for each of ~35 tables and their
# indexes (~0.3 s a test); a test's few rows are gone faster by DELETE.
EMPTY_POSTGRES = "; ".join(
    [f"DELETE FROM {t.name}" for t in reversed(Base.metadata.sorted_tables)]
    + ["SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
       "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"])


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock (2026-01-05 09:00 UTC); the app uses it when a test requests it."""
    return FakeClock()


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = request.getfixturevalue("clock") if "clock" in request.fixturenames else None
    # PostgreSQL has no default place for the secrets key (services/secret_keys.py)
    extra = request.node.get_closest_marker("app_config")  # @pytest.mark.app_config(x=1)
    application = create_app({"database_url": database_url, "testing": True,
                              "script_cpu_seconds": 0.5,
                              "secrets_key_file": str(tmp_path / "secrets.key"),
                              **(extra.kwargs if extra else {})}, clock=clock)
    yield application
    application.extensions["flowdesk"].dispose()


@pytest.fixture
def fd(app):  # type: ignore[no-untyped-def]
    return app.extensions["flowdesk"]


class Client:
    """requests against the live server, with a default token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base + path, headers=headers, timeout=DEADLINE, **kw)

    def get(self, path: str, token: str | None = None, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
        return self.call("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
        return self.call("POST", path, token, **kw)


@pytest.fixture
def server(app) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    client = Client(f"http://127.0.0.1:{httpd.server_port}")
    yield client
    client.http.close()
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def tokens(fd) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """admin (all roles), agent (Agent), supervisor (Supervisor + Agent + ComplaintGroup),
    outsider (staff in no group), designer (deploys only: a designer of the default process
    group cs), agent2 (a second agent), worker and shop (machine accounts: role worker)."""
    people = {
        "admin": (["admin", "designer", "supervisor", "staff"], ["Agent"]),
        "agent": (["staff"], ["Agent"]),
        "agent2": (["staff"], ["Agent"]),
        "supervisor": (["supervisor", "staff"], ["Supervisor", "Agent", "ComplaintGroup"]),
        "outsider": (["staff"], []),
        "designer": (["designer"], []),
        "worker": (["worker"], []),
        "shop": (["worker"], []),
    }
    out = {}
    for name, (roles, groups) in people.items():
        ensure_user(fd, name, roles, groups)
        out[name] = create_token(fd, name)
    add_default_designers(fd, system("tests", "admin"), ["designer"])
    return out


def deploy(server: Client, token: str, files: dict[str, bytes], **kw) -> requests.Response:  # type: ignore[no-untyped-def]
    return server.post("/api/v1/definitions", token,
                       files=[("files", (name, data)) for name, data in files.items()], **kw)


# --- helpers the process tests share ---------------------------------------------------------

def claim_and_complete(server: Client, token: str, task_id: int, data: dict) -> None:
    """Claim the task and complete it with ``data``; both must succeed."""
    assert server.post(f"/api/v1/tasks/{task_id}/claim", token).status_code == 200
    done = server.post(f"/api/v1/tasks/{task_id}/complete", token, json={"data": data})
    assert done.status_code == 200, done.text


def rejected(server: Client, token: str, task_id: int, data: dict) -> set[str]:
    """Completing with ``data`` is refused (422); returns the fields named in the errors."""
    response = server.post(f"/api/v1/tasks/{task_id}/complete", token, json={"data": data})
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


def end_events(fd, instance_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The end events the finished instance passed, from its stored engine state."""
    from SpiffWorkflow.util.task import TaskState

    from store.tables import ProcessInstance
    with fd.uow(read_only=True) as conn:
        row = conn.execute(select(ProcessInstance.definition_id, ProcessInstance.state)
                           .where(ProcessInstance.id == instance_id)).one()
        wf = fd.runtime.loads(fd.parsed(conn, row.definition_id), row.state)
    return [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)
            if (t.task_spec.bpmn_id or "").startswith("end_")]


def row_of(uow, model, row_id: int):  # type: ignore[no-untyped-def]
    """One row of ``model``'s table by id (attribute access like the ORM object had), or None."""
    table = model.__table__
    return uow.execute(select(table).where(table.c.id == row_id)).first()
