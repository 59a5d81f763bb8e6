"""``flowdesk serve`` (a real granian server) answers ``/metrics`` in prometheus_client's
multiprocess mode: the counters live in files of a directory made for this start, a scrape
adds them up, and the directory is gone once the server stops."""
from __future__ import annotations

from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.integration import test_scheduler_processes
from tests.waiting import DEADLINE, wait_for

served = test_scheduler_processes.served  # its fixture: `flowdesk serve` on a SQLite file


def test_serve_answers_metrics_from_its_metrics_directory(served, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          monkeypatch) -> None:
    server, _fd, token, _clock = served
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where the server makes its metrics directory
    server.start()
    response = requests.get(server.base + "/metrics", timeout=DEADLINE)
    assert response.status_code == 200, response.text
    health = [s for family in text_string_to_metric_families(response.text)
              for s in family.samples
              if s.name == "flowdesk_http_requests_total" and s.labels["route"] == "/health"]
    assert health and sum(s.value for s in health) >= 1  # start() polled /health
    directories = list(scratch.glob("flowdesk-metrics-*"))
    assert len(directories) == 1
    assert list(directories[0].glob("*.db")), "the worker's counters are in files there"
    # the ticker's first ticks write the heartbeat /ready looks for
    wait_for(lambda: requests.get(server.base + "/ready", timeout=DEADLINE).status_code == 200,
             "/ready to say ready once the ticker has ticked")
    server.stop()
    assert not list(scratch.glob("flowdesk-metrics-*"))
