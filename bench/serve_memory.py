"""The serve process tree's memory after the inbox's views (issue 17: < 150 MiB at 100k open
tasks): ``flowdesk serve`` on the benchmark's database answers each view a few times over HTTP,
then the RSS of the master and each worker is read from /proc.

Used by ``bench/bench_scale.py --serve-rss``; the master's share shows whether it imported the
app (it only forks and watches the worker, which builds the app)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from bench.bench_api import children, free_port, rss_mb, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5  # each view this many times: the caches, the statement cache and the pool filled
BUDGET_MIB = 150


def serve_and_measure(db_url: str, tokens: dict[str, str],
                      views: list[tuple[str, str]]) -> dict[str, float]:
    """Serve ``db_url``, ask each (user, path) of ``views`` ``ROUNDS`` times, print and return
    the RSS in MiB of the master, the workers and the tree."""
    port = free_port()
    env = dict(os.environ, FLOWDESK_DATABASE_URL=db_url)
    command = [str(Path(sys.executable).with_name("flowdesk")), "serve", "--port", str(port)]
    log = tempfile.NamedTemporaryFile(prefix="flowdesk-serve-", suffix=".log", delete=False)
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        with requests.Session() as http:
            wait_healthy(http, base, tries=300)
            for _ in range(ROUNDS):
                for user, path in views:
                    answer = http.get(base + path, timeout=30,
                                      headers={"Authorization": f"Bearer {tokens[user]}"})
                    if answer.status_code != 200:
                        raise SystemExit(f"{path}: {answer.status_code} (log: {log.name})")
        workers = children(server.pid)
        sizes = {"master": rss_mb(server.pid),
                 "workers": sum(rss_mb(pid) for pid in workers)}
        sizes["tree"] = sizes["master"] + sizes["workers"]
        flag = "" if sizes["tree"] < BUDGET_MIB else f"  > {BUDGET_MIB} MiB"
        print(f"\nserve RSS after {ROUNDS} rounds of the views: master {sizes['master']:.1f} MiB, "
              f"{len(workers)} worker(s) {sizes['workers']:.1f} MiB, "
              f"tree {sizes['tree']:.1f} MiB{flag}", flush=True)
        return sizes
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
