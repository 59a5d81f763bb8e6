"""``flowdesk serve``: the API and the pages in one server process with a thread pool, from
Python (no config file).

Granian (a Rust HTTP server with a WSGI interface) is the default: its per-request cost is a
fraction of gunicorn's gthread worker, which was a third of the API's time per call. gunicorn
stays available with ``--server gunicorn``. Either way the app is built in the worker process
(no preload), so the ticker thread lives there too and shares the worker's cache of live
workflows. The master (the ``flowdesk`` command) imports no app: it only forks and watches.

``--workers N`` runs N worker processes on one listening socket: each has its own app, pool
and caches (a cached workflow is checked against the instance's row version, so a worker
never runs a stale one), and one of them does the node's background duties
(``host.node_duties``). PostgreSQL is the store to scale out on; SQLite accepts several
workers (WAL) but takes one writer at a time.
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from host.node_duties import LOCK_ENV, start_once_per_node

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

SERVERS = ("granian", "gunicorn")
_TICKER_ENV = "FLOWDESK_SERVE_TICKER"  # how run() tells the worker's factory
_METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's multiprocess mode
# How long a worker may take to stop after the SIGTERM (bench/bench_instructions.py runs the
# server under valgrind, ~50x slower: it gives its worker longer to write its counts).
WORKER_STOP_SECONDS = float(os.environ.get("FLOWDESK_WORKER_STOP_SECONDS", "10"))


# Responses up to this size are handed to the server as one bytes object (see one_piece).
ONE_PIECE_LIMIT = 1 << 20


def one_piece(wsgi_app: WSGIApp) -> WSGIApp:
    """Hand the server each sized response of up to ``ONE_PIECE_LIMIT`` as a one-item list.

    Werkzeug answers every response with an iterator, and granian streams an iterator from a
    thread of its own, chunk by chunk: that was an eighth of the worker's time on API calls
    whose JSON body is already one bytes object. Large or unsized bodies (files, exports)
    still stream.
    """
    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        length: list[int] = []

        def sized(status: str, headers: list[tuple[str, str]], exc_info=None):  # type: ignore[no-untyped-def]
            length.extend(int(v) for k, v in headers if k.lower() == "content-length")
            return start_response(status, headers, exc_info)

        body = wsgi_app(environ, sized)
        if isinstance(body, list) or not length or length[0] > ONE_PIECE_LIMIT:
            return body
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    return app


@contextmanager
def stop_signals_for_the_main_thread() -> Iterator[None]:
    """Threads started inside this block never receive SIGINT or SIGTERM (they inherit a mask
    that blocks them), so the kernel delivers those to the main thread. granian's worker waits
    for them there, blocked on a lock, and a Python signal that lands on another thread does
    not wake it: the worker then ignored the server's SIGTERM and never stopped."""
    stop = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def log_requests() -> None:
    """The request lines (``api.request_log``) and the ticker's news on stderr, unless the
    embedding program configured logging itself."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        # APScheduler says "Running job … executed successfully" at INFO on every tick (four
        # times a second): noise that buries the request lines. Its warnings still come
        # through (the skipped-tick one is counted, host/ticker.py).
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # SpiffWorkflow says "State changed to READY/COMPLETED" at INFO for every task of
        # every step: two or three lines per request, more than the request lines themselves,
        # and a sixth of a task completion's time spent writing them. Its warnings still show.
        logging.getLogger("spiff").setLevel(logging.WARNING)


@contextmanager
def metrics_directory() -> Iterator[str]:
    """A fresh ``PROMETHEUS_MULTIPROC_DIR`` for this server start, removed when it stops.

    prometheus_client reads the variable when ``services.metrics`` is first imported, which
    happens in the workers (``served_app``), after this is set: each worker then writes its
    counters to files there, and a scrape of any worker adds up all of them. A directory left
    by an earlier start would add that start's counts, so it is never reused."""
    path = tempfile.mkdtemp(prefix="flowdesk-metrics-")
    previous = os.environ.get(_METRICS_ENV)
    os.environ[_METRICS_ENV] = path
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(_METRICS_ENV, None)
        else:
            os.environ[_METRICS_ENV] = previous
        shutil.rmtree(path, ignore_errors=True)


def start_duties(app) -> None:  # type: ignore[no-untyped-def]
    """The node's background work, in the one worker that holds the duty lock: the ticker
    and the connector worker (unless run() or the settings say not to), SQLite's WAL
    checkpoints."""
    fd = app.extensions["flowdesk"]
    if os.environ.get(_TICKER_ENV, "1") == "1" and fd.settings.scheduler_enabled:
        from host.connector_worker import ConnectorWorker
        from host.ticker import Ticker
        background = fd.for_background()
        app.extensions["flowdesk.ticker"] = Ticker(background).start()
        app.extensions["flowdesk.connectors"] = ConnectorWorker(background).start()
    from store.wal_checkpoint import WalCheckpointer
    checkpointer = WalCheckpointer.for_engine(fd.engine)
    if checkpointer is not None:
        app.extensions["flowdesk.wal_checkpointer"] = checkpointer.start()


def served_app():  # type: ignore[no-untyped-def]
    """The app as the server's worker runs it: with the ticker unless run() said not to."""
    from web.app import create_app  # in the worker: the app is built where it is served
    from api.request_log import account_in_background
    log_requests()
    app = create_app()
    app.wsgi_app = one_piece(app.wsgi_app)
    with stop_signals_for_the_main_thread():
        account_in_background(app)  # each request's line and counts off the request's thread
        start_once_per_node(lambda: start_duties(app))
    # The app's long-lived objects (modules, SQLAlchemy and Spiff specs, ~100k of them)
    # never become garbage: keep the collector's full passes from re-scanning them, which
    # stalled a request for tens of milliseconds every few hundred calls.
    gc.freeze()
    return app


def run(host: str, port: int, threads: int = 4, with_ticker: bool = True,
        server: str = "granian", workers: int = 1) -> None:
    """Serve until stopped: ``workers`` processes of ``threads`` request threads each."""
    os.environ[_TICKER_ENV] = "1" if with_ticker else "0"
    with metrics_directory() as directory:
        # this start's own directory: a lock left by another start would not be this node's
        os.environ[LOCK_ENV] = os.path.join(directory, "duties.lock")
        if server == "gunicorn":
            _run_gunicorn(host, port, threads, workers)
        else:
            _run_granian(host, port, threads, workers)


def _run_granian(host: str, port: int, threads: int, workers: int) -> None:
    from granian.constants import Interfaces
    from granian.server import Server
    # A worker still running WORKER_STOP_SECONDS after the SIGTERM is killed (granian logs it):
    # a stop must not hang, and the database holds the truth of whatever it was doing.
    # A worker that dies (killed, out of memory) is replaced; one that dies again within
    # seconds of its replacement stops the server (granian's crash-loop guard), for the
    # service manager to restart (README, Running under systemd).
    Server("host.server:served_app", address=host, port=port, interface=Interfaces.WSGI,
           workers=workers, blocking_threads=threads, factory=True, websockets=False,
           log_access=False, workers_kill_timeout=WORKER_STOP_SECONDS,
           respawn_failed_workers=True).serve()


def _run_gunicorn(host: str, port: int, threads: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def __init__(self, options: dict) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):  # type: ignore[no-untyped-def]
            return served_app()

    options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
               "threads": threads, "keepalive": 5, "accesslog": None, "timeout": 60}
    if os.path.isdir("/dev/shm"):  # the worker's heartbeat file: RAM, not a (virtual) disk
        options["worker_tmp_dir"] = "/dev/shm"
    _Gunicorn(options).run()
