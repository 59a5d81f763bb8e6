"""Benchmark that a noisy host cannot move: instructions the server executes per instance.

bench_api.py's instances/s moves by ±30 % from run to run on a shared VM whose neighbours take
the CPU, which hides a 10 % regression. This runs the same workload (create an instance of the
three-user-task process, then three times list my tasks and complete the first) against
``flowdesk serve --no-ticker`` under valgrind's callgrind, once with ``--small`` and once with
``--large`` instances, and prints the difference divided by the extra instances, per server
thread: the request threads' sum is the work on the answer's path, a thread that grows by a
little is the background request log (``api.request_log``). Instructions, not time: the same
on a quiet or a busy machine, so two commits can be compared (``--tree`` another checkout).

    .venv/bin/python bench/bench_instructions.py [--small 10] [--large 60] [--tree DIR]

Needs valgrind (``apt-get install valgrind``); takes a few minutes (valgrind runs ~50x slower).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.bench_api import (PROCESS, Client, free_port, prepare_in,  # noqa: E402
                             wait_healthy)


def run_under_callgrind(tree: Path, instances: int, out: Path) -> dict[int, int]:
    """Instructions per server thread (callgrind's thread number) for ``instances``."""
    import requests
    env = dict(os.environ, PYTHONPATH=str(tree))
    work = Path(tempfile.mkdtemp(prefix="flowdesk-instr-"))
    db_url = f"sqlite:///{work / 'bench.db'}"
    token = prepare_in(tree, db_url)
    port = free_port()
    flowdesk = str(Path(sys.executable).with_name("flowdesk"))
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--trace-children=yes",
         f"--callgrind-out-file={out}.%p", flowdesk, "serve", "--port", str(port),
         "--no-ticker"],
        env=dict(env, FLOWDESK_DATABASE_URL=db_url, FLOWDESK_WORKER_STOP_SECONDS="600"),
        cwd=tree, stdout=subprocess.DEVNULL,
        stderr=(work / "server.log").open("wb"))
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(http, base, tries=3000)
        files = [("files", (f.name, f.read_bytes())) for f in sorted(PROCESS.iterdir())]
        deployed = http.post(base + "/api/v1/definitions", files=files)
        if deployed.status_code != 201:
            raise SystemExit(f"deploy failed: {deployed.status_code} {deployed.text[:300]}")
        client = Client("127.0.0.1", port, token)
        for _ in range(instances):
            client.call("POST", "/api/v1/instances", {"process_key": "three_steps"})
            for _ in range(3):
                _, listed = client.call("GET", "/api/v1/tasks")
                client.call("POST", f"/api/v1/tasks/{listed['items'][0]['id']}/complete",
                            {"data": {"note": "x"}})
        client.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=900)
        shutil.copy(work / "server.log", f"{out}-server.log")  # kept beside the counts
        shutil.rmtree(work, ignore_errors=True)
    _wait_for_files(out)
    return _worker_threads(out)


def _wait_for_files(out: Path, timeout: float = 900) -> None:
    """Until callgrind has finished writing every process's files: the worker exits after the
    master the launcher waited for, and writes its (large) files as it goes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = list(out.parent.glob(out.name + ".*"))
        pids = {f.name[len(out.name) + 1:].split("-")[0] for f in files}
        if len(pids) >= 2 and all(f.read_text(errors="replace").rstrip().splitlines()[-1]
                                  .startswith("totals:") for f in files if f.stat().st_size):
            return
        time.sleep(1)
    raise SystemExit(f"callgrind's files {out}.* were not finished in {timeout:.0f} s "
                     f"(the server's log: {out}-server.log)")


def _worker_threads(out: Path) -> dict[int, int]:
    """The worker's threads: of the processes traced (the launcher, granian's master, the
    worker), the one with the most threads (the worker runs the request threads)."""
    by_pid: dict[str, dict[int, int]] = {}
    for path in out.parent.glob(out.name + ".*-*"):
        pid, thread = path.name[len(out.name) + 1:].split("-")
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("summary:"):
                by_pid.setdefault(pid, {})[int(thread)] = int(line.split()[1])
                break
    return max(by_pid.values(), key=len)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=60)
    parser.add_argument("--tree", type=Path, default=HERE.parent,
                        help="the checkout whose server to measure (default: this one)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    outdir = Path(tempfile.mkdtemp(prefix="flowdesk-callgrind-"))
    small = run_under_callgrind(args.tree.resolve(), args.small, outdir / "small")
    large = run_under_callgrind(args.tree.resolve(), args.large, outdir / "large")
    extra = args.large - args.small
    print(f"server instructions per instance ({args.tree}; {args.large} minus {args.small} "
          "instances, callgrind):")
    total = 0.0
    for thread in sorted(large):
        per = (large[thread] - small.get(thread, 0)) / extra / 1e6
        total += per
        if abs(per) >= 0.05:
            print(f"  thread {thread:>2}: {per:7.2f} M")
    print(f"  all threads: {total:7.2f} M (the request threads are the big ones; granian "
          "hands requests to whichever is free, so compare their sum)")
    shutil.rmtree(outdir, ignore_errors=True)


if __name__ == "__main__":
    main()
