"""Benchmark: this checkout's server against another commit's, on the same host at the same time.

On a shared VM the API's rate drifts by ±30 % within minutes as neighbours take the CPU, so
one run of each commit, one after the other, mostly compares two moments of the host. Here
both servers run at once, each as ``bench/bench_api.py`` starts it (``flowdesk serve`` from its
own checkout, one worker with the ticker, a fresh SQLite file, the three-user-task process),
and one sequential client drives them in turns, an instance on one and then an instance on the
other (create it, then three times list my tasks and complete the first; the side that goes
first alternates). A drift of the host then falls on both alike, within milliseconds. Only one
server answers at any moment; their background work (ticker, checkpoints) runs as it would.

It prints each side's instances/s (its instances over the time its own calls took), its
worker's CPU per instance, and the ratio, per block of ``--block`` instances and over all.

    .venv/bin/python bench/bench_compare.py --rev 89b886c [--instances 1500] [--block 250]
    .venv/bin/python bench/bench_compare.py --tree /path/to/other/checkout

``--rev`` checks the commit out into a temporary worktree (removed afterwards). Both servers
run in this checkout's Python environment.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import requests

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from bench.bench_api import (PROCESS, Client, children, cpu_seconds, free_port,  # noqa: E402
                             prepare_in, wait_healthy)


class Side:
    """One checkout's server, its client, and what its instances took."""

    def __init__(self, name: str, tree: Path, workdir: Path) -> None:
        self.name, self.tree = name, tree
        self.seconds: list[float] = []
        db_url = f"sqlite:///{workdir / (name + '.db')}"
        env = dict(os.environ, PYTHONPATH=str(tree))
        token = prepare_in(tree, db_url)  # the checkout's own migrations, user and token
        self.port = free_port()
        self.log = workdir / f"{name}-server.log"
        with self.log.open("wb") as log:
            self.server = subprocess.Popen(
                [str(Path(sys.executable).with_name("flowdesk")), "serve", "--port",
                 str(self.port)], env=dict(env, FLOWDESK_DATABASE_URL=db_url), cwd=tree,
                stdout=subprocess.DEVNULL, stderr=log)
        self.token = token
        self.client: Client | None = None

    def start(self) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.token}"
        base = f"http://127.0.0.1:{self.port}"
        wait_healthy(http, base)
        files = [("files", (f.name, f.read_bytes())) for f in sorted(PROCESS.iterdir())]
        deployed = http.post(base + "/api/v1/definitions", files=files)
        http.close()
        if deployed.status_code != 201:
            raise SystemExit(f"{self.name}: deploy failed ({deployed.status_code}); its log: "
                             f"{self.log}")
        self.client = Client("127.0.0.1", self.port, self.token)
        self.workers = children(self.server.pid)

    def one_instance(self) -> None:
        """Create an instance, then three times list my tasks and complete the first."""
        assert self.client is not None
        started = time.perf_counter()
        status, created = self.client.call("POST", "/api/v1/instances",
                                           {"process_key": "three_steps"})
        self._check("create", status, created)
        for n in range(3):
            status, listed = self.client.call("GET", "/api/v1/tasks")
            self._check("list", status, listed)
            status, done = self.client.call(
                "POST", f"/api/v1/tasks/{listed['items'][0]['id']}/complete",
                {"data": {"note": f"step {n}"}})
            self._check("complete", status, done)
        self.seconds.append(time.perf_counter() - started)

    def _check(self, call: str, status: int, payload: dict) -> None:
        if status >= 300:
            raise SystemExit(f"{self.name}: {call} failed: {status} {payload}")

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.workers)

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=30)


@contextmanager
def checkout(rev: str | None, tree: Path | None) -> Iterator[Path]:
    """The other side's tree: ``tree`` as given, or ``rev`` in a temporary worktree."""
    if tree is not None:
        yield tree.resolve()
        return
    path = Path(tempfile.mkdtemp(prefix="flowdesk-compare-")) / "tree"
    subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(path), rev],
                   check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(path)],
                       check=False, capture_output=True)


def rate(seconds: list[float]) -> float:
    return len(seconds) / sum(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    other = parser.add_mutually_exclusive_group(required=True)
    other.add_argument("--rev", help="the commit to compare with (a temporary worktree)")
    other.add_argument("--tree", type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("--instances", type=int, default=1500, help="per side (default 1500)")
    parser.add_argument("--warmup", type=int, default=30, help="per side, not measured")
    parser.add_argument("--block", type=int, default=250,
                        help="instances per side in each block reported (default 250)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="flowdesk-compare-"))
    with ExitStack() as stack:
        tree = stack.enter_context(checkout(args.rev, args.tree))
        this = Side("this", HERE, workdir)
        stack.callback(this.stop)
        that = Side(args.rev or "other", tree, workdir)
        stack.callback(that.stop)
        for side in (this, that):
            side.start()
        for n in range(args.warmup):
            this.one_instance()
            that.one_instance()
        for side in (this, that):
            side.seconds.clear()
        cpu_before = {s.name: s.cpu() for s in (this, that)}
        print(f"per block of {args.block} instances on each side: instances/s this / "
              f"{that.name}")
        block_ratios = []
        for n in range(args.instances):
            pair = (this, that) if n % 2 == 0 else (that, this)
            for side in pair:
                side.one_instance()
            if (n + 1) % args.block == 0:
                mine, theirs = rate(this.seconds[-args.block:]), rate(that.seconds[-args.block:])
                block_ratios.append(mine / theirs - 1)
                print(f"  {n + 1:>6}: {mine:6.1f} / {theirs:6.1f}  ({block_ratios[-1]:+.1%})",
                      flush=True)
        for side in (this, that):
            cpu = (side.cpu() - cpu_before[side.name]) / args.instances * 1000
            print(f"{side.name:>8}: {rate(side.seconds):6.1f} instances/s, p50 "
                  f"{statistics.median(side.seconds) * 1000:5.2f} ms per instance, server "
                  f"CPU {cpu:5.2f} ms per instance")
        print(f"this against {that.name}: {rate(this.seconds) / rate(that.seconds) - 1:+.1%} "
              f"over all; per-instance medians "
              f"{statistics.median(that.seconds) / statistics.median(this.seconds) - 1:+.1%}"
              + (f"; blocks from {min(block_ratios):+.1%} to {max(block_ratios):+.1%}"
                 if block_ratios else ""))


if __name__ == "__main__":
    main()
