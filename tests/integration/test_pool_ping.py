"""PostgreSQL's pooled connections are pinged only after sitting idle (``store.database``): a
connection the server closed meanwhile is replaced before use, and one just handed back is
used without a round trip."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from store import database


def _backend(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_idle_connection_closed_by_the_server_is_replaced(database_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = database.make_engine(database_url)
    pings: list[str] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append("ping") or real_ping(c))
    try:
        first = _backend(engine)
        assert _backend(engine) == first and pings == []  # just handed back: no ping
        killer = database.make_engine(database_url)
        with killer.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        killer.dispose()
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # whatever waited is idle
        replaced = _backend(engine)  # would raise "terminating connection" without the ping
        assert replaced != first and pings
    finally:
        engine.dispose()
