"""The connector worker: a thread that does Flowdesk's own external tasks (the ``http`` operator)
with ``services.connectors.runner.run_once``, beside the ticker and never inside it, so a slow
or dead API delays nothing but its own calls. Which task is whose is decided in the database
(fetch-and-lock), so every ``flowdesk serve`` and ``flowdesk worker`` may run one."""
from __future__ import annotations

import logging
import threading

import httpx

from services.connectors.runner import run_once
from services.context import Flowdesk
from services.due_runner import node_name

log = logging.getLogger("flowdesk.connectors")


class ConnectorWorker:
    """Polls for http tasks every ``interval`` seconds while there are none; works through
    them back to back while there are. One shared HTTP client keeps connections alive."""

    def __init__(self, fd: Flowdesk, interval: float | None = None) -> None:
        self.fd = fd
        self.interval = interval or max(fd.settings.scheduler_interval, 0.5)
        self.worker_id = f"{node_name()}:connectors"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="flowdesk-connectors",
                                        daemon=True)

    def _loop(self) -> None:
        with httpx.Client(follow_redirects=False, trust_env=False) as client:
            while not self._stop.is_set():
                try:
                    done = run_once(self.fd, self.worker_id, client=client)
                except Exception:  # noqa: BLE001 - the next round tries again; the DB holds the truth
                    log.exception("connector round failed")
                    done = 0
                if not done:
                    self._stop.wait(self.interval)

    def start(self) -> "ConnectorWorker":
        self._thread.start()
        log.info("connector worker %s started", self.worker_id)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=40)  # a call in flight ends within its timeout
