"""Run the app under gunicorn from Python, so ``flowdesk serve`` needs no extra config file."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        from .app import create_app
        return create_app()


def run(host: str, port: int, threads: int = 4) -> None:
    _Server({"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
             "threads": threads, "keepalive": 5, "accesslog": None,
             "timeout": 60}).run()
