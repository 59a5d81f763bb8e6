"""What ``flowdesk serve`` adds around the app: sized responses handed over in one piece, and
SQLite's write-ahead log checkpointed off the request path."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import create_engine

from host.server import ONE_PIECE_LIMIT, one_piece
from store.database import AUTOCHECKPOINT_PAGES, make_engine
from store.wal_checkpoint import WalCheckpointer
from tests.waiting import wait_for


class Streamed:
    """A WSGI body that records whether the server closed it."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def serve(chunks: list[bytes], headers: list[tuple[str, str]]) -> tuple[Iterable[bytes], Streamed,
                                                                         list]:
    body = Streamed(chunks)
    started: list = []

    def app(environ: dict, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", headers)
        return body

    result = one_piece(app)({}, lambda status, hdrs, exc_info=None: started.append((status, hdrs)))
    return result, body, started


def test_a_sized_response_is_handed_over_in_one_piece_and_closed() -> None:
    result, body, started = serve([b'{"a": ', b"1}"], [("Content-Length", "8")])
    assert result == [b'{"a": 1}']
    assert body.closed
    assert started == [("200 OK", [("Content-Length", "8")])]


def test_large_or_unsized_responses_still_stream() -> None:
    big = [b"x" * (ONE_PIECE_LIMIT + 1)]
    result, body, _ = serve(big, [("Content-Length", str(ONE_PIECE_LIMIT + 1))])
    assert result is body and not body.closed
    result, body, _ = serve([b"a", b"b"], [("Content-Type", "text/plain")])
    assert result is body and list(result) == [b"a", b"b"]


def test_sqlite_connections_leave_checkpoints_to_the_server(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    engine.dispose()
    assert pages == AUTOCHECKPOINT_PAGES > 1000


def wal_database_with_rows(path: Path, rows: int) -> sqlite3.Connection:
    """A WAL database whose ``rows`` rows of 1 kB are all still in the log, and its open
    writer (closing the last connection would checkpoint)."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    writer.execute("CREATE TABLE t (x TEXT)")
    writer.executemany("INSERT INTO t VALUES (?)", [("y" * 1000,)] * rows)
    return writer


def test_the_checkpointer_copies_the_log_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = wal_database_with_rows(path, 500)
    checkpointer = WalCheckpointer.for_engine(create_engine(f"sqlite:///{path}"))
    assert checkpointer is not None
    reader = sqlite3.connect(path)
    busy, log_pages, copied = checkpointer.checkpoint(reader)
    assert busy == 0 and log_pages > 100 and copied == log_pages
    writer.execute("INSERT INTO t VALUES ('after')")  # the log starts over from its beginning
    assert checkpointer.checkpoint(reader)[1] < 10
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (501,)


def test_the_checkpointer_runs_until_stopped(tmp_path: Path) -> None:
    """Nothing else checkpoints here (the writer stays open, far below its autocheckpoint), so
    the database file only grows when the background thread copies the log into it."""
    path = tmp_path / "bg.db"
    writer = wal_database_with_rows(path, 200)
    assert path.stat().st_size < 10_000
    checkpointer = WalCheckpointer(str(path), interval=0.05).start()
    try:
        wait_for(lambda: path.stat().st_size >= 200 * 1000,
                 "the checkpointer to copy the log into the database file")
    finally:
        checkpointer.stop()
    assert path.stat().st_size >= 200 * 1000
    assert not checkpointer.running
    writer.close()


def test_no_checkpointer_for_other_databases() -> None:
    assert WalCheckpointer.for_engine(create_engine("sqlite://")) is None
    assert WalCheckpointer.for_engine(
        create_engine("postgresql+psycopg://u@127.0.0.1/x")) is None


def blocked_signals(thread_id: int) -> set[int]:
    """The signals a thread of this process blocks, read from the kernel."""
    for line in Path(f"/proc/self/task/{thread_id}/status").read_text().splitlines():
        if line.startswith("SigBlk:"):
            mask = int(line.split()[1], 16)
            return {n for n in range(1, 65) if mask & (1 << (n - 1))}
    raise AssertionError("no SigBlk line")


def test_the_workers_own_threads_leave_stop_signals_to_its_main_thread(  # type: ignore[no-untyped-def]
        tmp_path, monkeypatch) -> None:
    """granian's worker waits for SIGTERM in its main thread, blocked on a lock; a signal the
    kernel hands to another thread does not wake it (the worker then never stopped). The
    ticker's, the connector worker's, the WAL checkpointer's and the request log's threads
    block SIGINT and SIGTERM; the main thread does not."""
    import signal
    import threading

    from host.migrate import upgrade
    from host.server import served_app

    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(url)
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", url)
    before = set(threading.enumerate())
    app = served_app()
    try:
        started = {t.name: t for t in threading.enumerate() if t not in before}
        assert {"APScheduler", "flowdesk-connectors", "flowdesk-wal-checkpoint",
                "flowdesk-request-log"} <= set(started), started
        for thread in started.values():
            assert {signal.SIGINT, signal.SIGTERM} <= blocked_signals(thread.native_id), thread
        main = blocked_signals(threading.main_thread().native_id)
        assert not {signal.SIGINT, signal.SIGTERM} & main
    finally:
        import gc
        gc.unfreeze()  # served_app froze this process's objects for the collector
        app.extensions["flowdesk.ticker"].stop()
        app.extensions["flowdesk.connectors"].stop()
        app.extensions["flowdesk.wal_checkpointer"].stop()
        app.extensions["flowdesk.request_accounting"].stop()
        app.extensions["flowdesk"].dispose()
