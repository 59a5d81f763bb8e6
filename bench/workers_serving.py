"""The servers ``bench/bench_workers.py`` drives: ``flowdesk serve`` on a port of its own, a
light keep-alive client, and what the processes cost (CPU and memory of a process tree from
/proc; the PostgreSQL server's main process when it runs here)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_api import cpu_seconds, free_port  # noqa: E402

FLOWDESK = str(Path(sys.executable).with_name("flowdesk"))


class RawClient:
    """HTTP/1.1 keep-alive on a bare socket: the client shares the server's two cores, and
    http.client's header parsing (the email package) cost more than the rest of a call."""

    def __init__(self, port: int, token: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.head = (f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\n")

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else b""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\n{self.head}Content-Length: {len(data)}"
                          f"\r\n\r\n".encode() + data)
        status = int(self.file.readline().split()[1])
        length = -1
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        if length < 0:
            raise RuntimeError(f"{method} {path}: an answer without Content-Length")
        payload = self.file.read(length)
        return status, json.loads(payload) if payload else {}

    def close(self) -> None:
        self.file.close()
        self.sock.close()


# -- the database ---------------------------------------------------------------------------

def postmaster(db_url: str) -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (its backends are
    its children), else None: then the database's CPU is not shown."""
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            status = Path(f"/proc/{backend}/status").read_text()
    except OSError:
        return None
    finally:
        engine.dispose()
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("PPid:")))


def tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux's /proc)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.extend(tree(int(child)))
    return found


def tree_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a process and its descendants (0 without a process)."""
    return sum(cpu_seconds(p) for p in tree(pid)) if pid else 0.0


def memory_kib(pid: int) -> tuple[int, int]:
    """RSS and PSS (shared pages divided among their sharers) in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0])
    return values["Rss"], values["Pss"]


@dataclass
class Serve:
    """``flowdesk serve --workers N`` on a port of its own, its log in a file."""

    db_url: str
    workers: int
    workdir: Path
    port: int = field(default_factory=free_port)

    def start(self) -> None:
        env = dict(os.environ, FLOWDESK_DATABASE_URL=self.db_url)
        self.log = self.workdir / f"serve-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [FLOWDESK, "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=out)

    def wait_ready(self, token: str) -> None:
        """Until every worker answers (a new connection per try: any worker may take it)."""
        seen: set[int] = set()
        for _ in range(600):
            if self.process.poll() is not None:
                raise SystemExit(f"serve stopped:\n{self.log.read_text()[-3000:]}")
            try:
                client = RawClient(self.port, token)
                seen.add(client.call("GET", "/health")[1]["pid"])
                client.close()
            except (OSError, ValueError, IndexError):
                pass
            if len(seen) >= self.workers:
                return
            time.sleep(0.05)
        raise SystemExit(f"only {len(seen)} of {self.workers} workers answered")

    def cpu(self) -> float:
        return tree_cpu(self.process.pid)

    def memory(self) -> tuple[float, float, float]:
        """The tree's RSS and PSS, and the master's RSS, in MiB."""
        pids = tree(self.process.pid)
        rss, pss = (sum(v) / 1024 for v in zip(*(memory_kib(p) for p in pids)))
        return rss, pss, memory_kib(pids[0])[0] / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


