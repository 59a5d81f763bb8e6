"""Benchmark: how late do timers fire? 10,000 timers due uniformly across 60 s.

Arms the timers through real instances (``wait_until``: a timer on ``remind_at``) in-process via
the service layer, before any scheduler runs; the window starts a few seconds after arming is
done (the arming rate is measured on a probe of instances first). Then starts the scheduler as
separate processes (``flowdesk worker``, or ``flowdesk serve`` with its in-process ticker) and
waits until everything fired. Reports, per timer:

* lateness = ``due_work.fired_at - due_at`` (``fired_at`` is the tick's clock reading when it
  claimed the batch, as recorded by the scheduler), p50/p99/max;
* visible lateness = when a 50 ms poller first saw the row committed as done, minus ``due_at``
  (the end-to-end figure: includes the time to fire the rest of the batch and commit);
* fires/s over the window, and the busiest second; which worker fired how many;
* that every instance fired exactly once (audit trail) and completed.

    .venv/bin/python bench/bench_timers.py                       # SQLite, one flowdesk worker
    .venv/bin/python bench/bench_timers.py --process serve       # SQLite, flowdesk serve
    .venv/bin/python bench/bench_timers.py --db postgres --workers 2 --pg-url URL
    bench/run_timer_bench.sh                                     # both, on a throwaway PostgreSQL

``--window 0`` makes every timer due at the same instant: a catch-up (throughput) test.
On PostgreSQL a scratch database ``flowdesk_timer_bench`` is created on the server of the URL
(the URL's own database is not touched) and dropped at the end.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from host.migrate import upgrade  # noqa: E402
from services.context import Flowdesk  # noqa: E402
from services.definitions import deploy  # noqa: E402
from services.instances import start_instance  # noqa: E402
from services.principal import Principal, system  # noqa: E402
from services.settings import Settings  # noqa: E402
from store.tables import AuditEntry, DueWork, ProcessInstance  # noqa: E402
from bench.bench_api import cpu_baseline, percentile  # noqa: E402

PROCESS = ROOT / "tests" / "resources" / "timers" / "wait_until.bpmn"
SCRATCH_DB = "flowdesk_timer_bench"
FLOWDESK = str(Path(sys.executable).with_name("flowdesk"))


def now() -> datetime:
    return datetime.now(timezone.utc)


# -- databases ---------------------------------------------------------------------------------

def sqlite_url() -> str:
    workdir = Path(tempfile.mkdtemp(prefix="flowdesk-timer-bench-"))
    return f"sqlite:///{workdir / 'bench.db'}"


def postgres_url(server_url: str) -> str:
    """A fresh scratch database on the same server; the given database is left alone."""
    url = make_url(server_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SCRATCH_DB}"))
    admin.dispose()
    return url.set(database=SCRATCH_DB).render_as_string(hide_password=False)


def drop_postgres(server_url: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
    admin.dispose()


# -- arming ------------------------------------------------------------------------------------

def arm(fd: Flowdesk, count: int, window: float, probe: int, margin: float,
        seed: int) -> tuple[dict[int, datetime], datetime, float]:
    """Start ``count`` wait_until instances due uniformly in [start, start + window).

    A probe of ``probe`` instances (due in 30 days, never fired, left in the table as rows that
    are not due) measures the arming rate, so the window can start ``margin`` seconds after
    arming will have finished. Returns (instance id -> due, window start, arming seconds)."""
    deploy(fd, {PROCESS.name: PROCESS.read_bytes()}, system("bench", "admin"))
    user = Principal(0, "bench", frozenset({"staff"}), frozenset())
    far = (now() + timedelta(days=30)).isoformat()
    started = time.perf_counter()
    for _ in range(probe):
        start_instance(fd, user, "wait_until", variables={"remind_at": far})
    per_instance = (time.perf_counter() - started) / max(probe, 1)
    estimate = per_instance * count
    window_start = now() + timedelta(seconds=estimate * 1.3 + margin)
    rng = random.Random(seed)
    offsets = sorted(rng.uniform(0, window) for _ in range(count))
    rng.shuffle(offsets)  # armed in random order, as real work would be
    armed: dict[int, datetime] = {}
    started = time.perf_counter()
    for n, offset in enumerate(offsets, start=1):
        due = window_start + timedelta(seconds=offset)
        detail = start_instance(fd, user, "wait_until", variables={"remind_at": due.isoformat()})
        armed[detail["id"]] = due
        if n % 2000 == 0:
            print(f"  armed {n}/{count} ({time.perf_counter() - started:.1f} s)", flush=True)
    took = time.perf_counter() - started
    late_start = (now() - window_start).total_seconds()
    if late_start > -1:
        sys.exit(f"arming took {took:.1f} s (estimated {estimate:.1f} s): the window already "
                 f"started {late_start:.1f} s ago; raise --margin")
    return armed, window_start, took


# -- the scheduler processes ---------------------------------------------------------------------

def start_scheduler(db_url: str, workers: int, process: str, interval: float | None,
                    logdir: Path) -> list[tuple[subprocess.Popen, Path]]:
    env = dict(os.environ, FLOWDESK_DATABASE_URL=db_url)
    if interval is not None:
        env["FLOWDESK_TICK_SECONDS"] = str(interval)
    started = []
    for n in range(workers):
        log = logdir / f"{process}{n}.log"
        if process == "serve":
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            command = [FLOWDESK, "serve", "--port", str(port)]
        else:
            command = [FLOWDESK, "worker"]
        with log.open("wb") as out:
            started.append((subprocess.Popen(command, env=env, stdout=out,
                                             stderr=subprocess.STDOUT), log))
    return started


def stop_scheduler(processes: list[tuple[subprocess.Popen, Path]]) -> None:
    for process, _ in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process, log in processes:
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if code != 0:
            print(f"  pid {process.pid} exited with {code}; log tail:\n"
                  f"{log.read_text()[-2000:]}", file=sys.stderr)


def watch(fd: Flowdesk, armed: dict[int, datetime], deadline: float,
          processes: list[tuple[subprocess.Popen, Path]]) -> dict[int, datetime]:
    """Poll every 50 ms for rows committed as done; returns instance id -> first seen."""
    seen: dict[int, datetime] = {}
    by_due = sorted(armed.items(), key=lambda item: item[1])
    low = 0  # by_due[:low] are all seen
    last_report = time.monotonic()
    while len(seen) < len(armed):
        if time.monotonic() > deadline:
            print(f"  gave up: {len(armed) - len(seen)} timers not fired", file=sys.stderr)
            break
        for process, log in processes:
            if process.poll() is not None:
                sys.exit(f"scheduler pid {process.pid} died:\n{log.read_text()[-3000:]}")
        while low < len(by_due) and by_due[low][0] in seen:
            low += 1
        if low < len(by_due):
            floor = by_due[low][1]
            query = select(DueWork.instance_id).where(
                DueWork.kind == "timer", DueWork.state == "done", DueWork.due_at >= floor)
            with fd.uow(read_only=True) as conn:
                ids = conn.execute(query).scalars().all()
            at = now()
            for instance_id in ids:
                if instance_id in armed and instance_id not in seen:
                    seen[instance_id] = at
        if time.monotonic() - last_report > 10:
            print(f"  fired {len(seen)}/{len(armed)}", flush=True)
            last_report = time.monotonic()
        time.sleep(0.05)
    return seen


# -- the report ----------------------------------------------------------------------------------

def report(fd: Flowdesk, armed: dict[int, datetime], seen: dict[int, datetime]) -> bool:
    with fd.uow(read_only=True) as session:
        rows = session.execute(select(DueWork.instance_id, DueWork.due_at, DueWork.fired_at,
                                      DueWork.fired_by, DueWork.state)
                               .where(DueWork.kind == "timer",
                                      DueWork.instance_id.in_(list(armed)))).all()
        audit = Counter(session.scalars(select(AuditEntry.instance_id).where(
            AuditEntry.action == "timer.fired")))
        statuses = Counter(session.scalars(select(ProcessInstance.status).where(
            ProcessInstance.id.in_(list(armed)))))
    done = [r for r in rows if r.state == "done"]
    late = [(r.fired_at - r.due_at).total_seconds() for r in done]
    visible = [(seen[r.instance_id] - r.due_at).total_seconds() for r in done
               if r.instance_id in seen]
    ok = True
    print(f"fired: {len(done)}/{len(armed)} timers")
    if late:
        print(f"  lateness (fired_at - due_at):   p50={statistics.median(late) * 1000:7.0f} ms  "
              f"p99={percentile(late, 0.99) * 1000:7.0f} ms  max={max(late) * 1000:7.0f} ms  "
              f"min={min(late) * 1000:5.0f} ms")
    if visible:
        print(f"  visible (committed, 50 ms poll): p50={statistics.median(visible) * 1000:7.0f} ms"
              f"  p99={percentile(visible, 0.99) * 1000:7.0f} ms  "
              f"max={max(visible) * 1000:7.0f} ms")
    if done:
        fired_at = sorted(r.fired_at for r in done)
        span = max((fired_at[-1] - fired_at[0]).total_seconds(), 1e-9)
        per_second = Counter(int((t - fired_at[0]).total_seconds()) for t in fired_at)
        print(f"  throughput: {len(done) / span:7.1f} fires/s over {span:.1f} s, busiest second "
              f"{max(per_second.values())} fires")
        nodes = Counter(r.fired_by for r in done)
        print("  by node: " + ", ".join(f"{node}={n}" for node, n in sorted(nodes.items())))
    twice = {i: n for i, n in audit.items() if i in armed and n != 1}
    missing = [i for i in armed if audit.get(i, 0) == 0]
    print(f"  audit: {sum(audit[i] for i in armed)} timer.fired for {len(armed)} instances; "
          f"fired twice or more: {len(twice)}; never: {len(missing)}")
    print(f"  instances: {dict(statuses)}")
    if twice or missing or len(done) != len(armed) or statuses.get("completed") != len(armed):
        ok = False
    if late and percentile(late, 0.99) > 1.0:
        print("  p99 lateness is above the 1 s target")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which the timers fall due (0: all at once)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("FLOWDESK_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL (default FLOWDESK_TEST_POSTGRES_URL)")
    parser.add_argument("--workers", type=int, default=None,
                        help="scheduler processes (default 1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--process", choices=("worker", "serve"), default="worker",
                        help="run the ticker in `flowdesk worker` or `flowdesk serve`")
    parser.add_argument("--interval", type=float, default=None,
                        help="tick seconds (default FLOWDESK_TICK_SECONDS or 0.25)")
    parser.add_argument("--probe", type=int, default=300,
                        help="instances armed first to measure the arming rate")
    parser.add_argument("--margin", type=float, default=5.0,
                        help="seconds between the end of arming and the window's start")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    workers = args.workers or (2 if args.db == "postgres" else 1)

    if args.db == "postgres":
        if not args.pg_url:
            sys.exit("--db postgres needs --pg-url or FLOWDESK_TEST_POSTGRES_URL "
                     "(bench/run_timer_bench.sh starts a throwaway server)")
        db_url = postgres_url(args.pg_url)
    else:
        db_url = sqlite_url()
    logdir = Path(tempfile.mkdtemp(prefix="flowdesk-timer-bench-logs-"))
    upgrade(db_url)
    fd = Flowdesk(Settings(database_url=db_url, workflow_cache_size=16))
    shown = make_url(db_url).render_as_string(hide_password=True)
    print(f"timer bench: {args.timers} timers over {args.window:g} s, {args.db} ({shown}), "
          f"{workers} x flowdesk {args.process}, tick "
          f"{args.interval or Settings().scheduler_interval:g} s, "
          f"batch {Settings().scheduler_batch}")
    processes: list[tuple[subprocess.Popen, Path]] = []
    try:
        armed, window_start, took = arm(fd, args.timers, args.window, args.probe, args.margin,
                                        args.seed)
        print(f"armed {len(armed)} timers in {took:.1f} s "
              f"({len(armed) / took:.0f}/s); window starts in "
              f"{(window_start - now()).total_seconds():.1f} s")
        processes = start_scheduler(db_url, workers, args.process, args.interval, logdir)
        deadline = (time.monotonic() + (window_start - now()).total_seconds() + args.window
                    + 120)
        seen = watch(fd, armed, deadline, processes)
        ok = report(fd, armed, seen)
        print(f"cpu baseline (10M additions, lower is faster): {cpu_baseline():.2f} s")
    finally:
        stop_scheduler(processes)
        fd.dispose()
        if args.db == "postgres":
            drop_postgres(args.pg_url)
    print(f"logs: {logdir}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
