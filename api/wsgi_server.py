"""Run the app under gunicorn from Python, so ``flowdesk serve`` needs no extra config file."""
from __future__ import annotations

import gc
import os

from gunicorn.app.base import BaseApplication


def app_factory():  # type: ignore[no-untyped-def]
    """The web UI's factory (``web.app``: the API plus the pages) when it is installed, else
    the API alone. Loaded by name: the API never imports the web layer."""
    import importlib
    try:
        return importlib.import_module("web.app").create_app
    except ModuleNotFoundError as exc:
        if exc.name not in ("web", "web.app"):
            raise
        from .app import create_app
        return create_app


class _Server(BaseApplication):
    with_ticker = True

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        """Runs in the worker process (no preload), so the ticker thread lives there too and
        shares the worker's cache of live workflows."""
        app = app_factory()()
        fd = app.extensions["flowdesk"]
        if self.with_ticker and fd.settings.scheduler_enabled:
            from .scheduler import Ticker
            app.extensions["flowdesk.ticker"] = Ticker(fd).start()
        # The app's long-lived objects (modules, SQLAlchemy and Spiff specs, ~100k of them)
        # never become garbage: keep the collector's full passes from re-scanning them, which
        # stalled a request for tens of milliseconds every few hundred calls.
        gc.freeze()
        return app


def run(host: str, port: int, threads: int = 4, with_ticker: bool = True) -> None:
    options = {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
               "threads": threads, "keepalive": 5, "accesslog": None, "timeout": 60}
    if os.path.isdir("/dev/shm"):  # the worker's heartbeat file: RAM, not a (virtual) disk
        options["worker_tmp_dir"] = "/dev/shm"
    server = _Server(options)
    server.with_ticker = with_ticker
    server.run()
