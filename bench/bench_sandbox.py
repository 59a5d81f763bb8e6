"""Measurement: the C-level script payloads of the attack run against a real server.

Starts ``flowdesk serve`` (one worker process) on a fresh SQLite database and, per payload of
``tests/c_level_payloads.py``: deploys the 'scripted' process with it, starts an instance, and
meanwhile polls /health every 20 ms and the worker's RSS. Prints per payload the wall time until
the start answered (with the incident), the worker's RSS growth (peak seen minus before) and the
worst /health latency; targets: < 2 s, < 100 MB, < 1 s.

    .venv/bin/python bench/bench_sandbox.py
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_api import children, free_port, prepare, rss_mb, wait_healthy  # noqa: E402
from tests.c_level_payloads import PAYLOADS  # noqa: E402
from tests.conftest import scripted_bundle  # noqa: E402


def watch(base: str, pid: int, stop: threading.Event, seen: dict) -> None:
    """Poll /health and the worker's RSS until ``stop``; keep the worst latency and peak RSS."""
    probe = requests.Session()
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            probe.get(base + "/health", timeout=30)
        except requests.RequestException:
            pass
        seen["health"] = max(seen["health"], time.perf_counter() - t0)
        seen["rss"] = max(seen["rss"], rss_mb(pid))
        time.sleep(0.02)


def main() -> None:
    db_url = f"sqlite:///{tempfile.mkdtemp(prefix='flowdesk-sandbox-')}/bench.db"
    token, port = prepare(db_url), free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("flowdesk")), "serve",
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              env=dict(os.environ, FLOWDESK_DATABASE_URL=db_url))
    base, http = f"http://127.0.0.1:{port}", requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    try:
        wait_healthy(http, base)
        worker = (children(server.pid) or [server.pid])[0]
        print(f"{'payload':30} {'to incident':>12} {'RSS growth':>11} {'worst /health':>14}  "
              "incident")
        for name, script in PAYLOADS.items():
            files = [("files", (n, data)) for n, data in scripted_bundle(script).items()]
            deployed = http.post(base + "/api/v1/definitions", files=files)
            if deployed.status_code not in (200, 201):
                print(f"{name:30} refused at deploy: {deployed.json()['errors'][0]['message']}")
                continue
            seen, stop = {"health": 0.0, "rss": rss_mb(worker)}, threading.Event()
            before = seen["rss"]
            watcher = threading.Thread(target=watch, args=(base, worker, stop, seen))
            watcher.start()
            t0 = time.perf_counter()
            body = http.post(base + "/api/v1/instances", json={"process_key": "scripted"},
                             timeout=600).json()
            took = time.perf_counter() - t0
            time.sleep(0.1)  # one more /health poll after the step
            stop.set()
            watcher.join()
            incident = (body.get("incidents") or [{"message": f"none: {body.get('status')}"}])
            print(f"{name:30} {took:10.3f} s {seen['rss'] - before:8.1f} MB "
                  f"{seen['health']:12.3f} s  {incident[0]['message'][:60]}")
        print(f"worker RSS at the end: {rss_mb(worker):.1f} MB")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
