"""How long a migration plan (services.migrations.plan) takes over many running instances.

Seeds a fresh SQLite database in-process with complaint handling version 1 and the migration
tests' version 2, starts N complaint cases (each waits at its first user task) and times the
plan of moving them all, a few times, printing the median. Issue 17: a plan over 300+
instances must answer within a second or two.

    .venv/bin/python bench/bench_migration_plan.py 300 3000
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _seed(url: str, count: int):  # type: ignore[no-untyped-def]
    from api.app import create_app
    from host.migrate import upgrade
    from services.definitions import deploy
    from services.instances import start_instance
    from services.principal import system
    from tests.migration_bundles import complaint_v1, complaint_v2

    upgrade(url)
    fd = create_app({"database_url": url, "testing": True}).extensions["flowdesk"]
    admin = system("bench", "admin", "designer", "staff", "supervisor")
    deploy(fd, complaint_v1(), admin)
    deploy(fd, complaint_v2(), admin)
    for _ in range(count):
        start_instance(fd, admin, "complaint_handling", version=1)
    return fd, admin


def measure(count: int, rounds: int = 3) -> float:
    """The median seconds of a plan over ``count`` running instances."""
    from services.migrations import plan
    with tempfile.TemporaryDirectory() as folder:
        fd, admin = _seed(f"sqlite:///{folder}/bench.db", count)
        args = {"process_key": "complaint_handling", "source_version": 1, "target_version": 2}
        times = []
        for _ in range(rounds):
            fd.workflows.clear() if hasattr(fd.workflows, "clear") else None
            started = time.perf_counter()
            found = plan(fd, admin, args)
            times.append(time.perf_counter() - started)
        assert len(found["instance_ids"]) == count, found["instance_ids"]
        print(f"plan over {count:>5} instances: median {statistics.median(times) * 1000:8.1f} ms"
              f"  (active {found['active']})", flush=True)
        fd.dispose()
    return statistics.median(times)


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [300, 3000]:
        measure(n)
