"""Benchmark: what one more worker, or one more node, buys on PostgreSQL.

The bench_api flow (start a three-user-task instance; three times: list its tasks, claim the
first, complete it) driven by ``--clients`` concurrent keep-alive clients (threads, each its own
user and instances, so they never contend for a task) against three set-ups in turn:

  (a) ``flowdesk serve --workers 1``
  (b) ``flowdesk serve --workers 2``
  (c) two ``flowdesk serve --workers 1`` on different ports, the clients round-robin over them

Each set-up runs ``--rounds`` times, alternated with the others (a shared host's busy spells
then hit them all), and the best round of each is shown: instances/s and its ratio to (a), the
CPU per instance of the serve trees (every process, from /proc/<pid>/stat), of PostgreSQL (when
it runs here) and of the client; and from every round the 5xx and other failed answers and lost
updates (every instance the clients finished must be completed in the database with its three
tasks, and nothing more); and the serve trees' RSS and PSS (master and workers) after the run.

Without ``--database-url`` it runs itself again under ``scripts/pg_throwaway.sh`` (a fresh
PostgreSQL cluster, fsync off, removed afterwards). A given database must be empty: it is
migrated and filled. ``--open-tasks 100000`` first copies an instance with an open Agent task
that many times (bulk inserts), and after each run lists the Agent queue a few times, so the
memory figures are at that size.

    .venv/bin/python bench/bench_workers.py [--instances 400] [--rounds 2] [--open-tasks 0]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_api import PROCESS, cpu_baseline  # noqa: E402
from bench.workers_serving import RawClient, Serve, postmaster, tree_cpu  # noqa: E402
GROUP_QUEUE = "/api/v1/tasks?candidate_group=Agent&unassigned=true"


def prepare(db_url: str, clients: int, open_tasks: int) -> list[str]:
    """Migrate, deploy three_steps, make a user per client (group Agent) and ``open_tasks``
    copies of an instance waiting at its first task; returns the clients' tokens."""
    from sqlalchemy import func, select

    from host.migrate import upgrade
    from services import definitions, instances
    from services.context import Flowdesk
    from services.identity import create_token, ensure_user
    from services.principal import system
    from services.settings import Settings
    from store.tables import ProcessInstance

    upgrade(db_url)
    fd = Flowdesk(Settings(database_url=db_url))
    with fd.uow(read_only=True) as uow:
        if uow.execute(select(func.count()).select_from(ProcessInstance)).scalar():
            raise SystemExit("the database has instances already: give an empty one")
    definitions.deploy_path(fd, PROCESS, "bench")
    tokens = []
    for n in range(clients):
        ensure_user(fd, f"bench{n}", ["staff"], ["Agent"])
        tokens.append(create_token(fd, f"bench{n}"))
    if open_tasks:
        template = instances.start_instance(fd, system("bench", "admin"), "three_steps",
                                            business_key="open-0")["id"]
        copy_instance(fd, template, open_tasks - 1)
    fd.dispose()
    return tokens


def copy_instance(fd, instance_id: int, copies: int, batch: int = 5000) -> None:  # type: ignore[no-untyped-def]
    """``copies`` copies of an instance and its open tasks, each with task ids of its own."""
    from sqlalchemy import select

    from store.tables import HumanTask, ProcessInstance
    inst, tasks = ProcessInstance.__table__, HumanTask.__table__
    with fd.uow(read_only=True) as uow:
        row = dict(uow.execute(select(inst).where(inst.c.id == instance_id)).mappings().one())
        open_tasks = [dict(t) for t in uow.execute(
            select(tasks).where(tasks.c.instance_id == instance_id)).mappings()]
    guids = sorted(set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                  row["state"])))
    pattern = re.compile("|".join(guids))
    for first in range(1, copies + 1, batch):
        numbers = range(first, min(first + batch, copies + 1))
        fresh = [{g: str(uuid.uuid4()) for g in guids} for _ in numbers]
        with fd.uow() as uow:
            ids = uow.execute(inst.insert().returning(inst.c.id), [
                {**{k: v for k, v in row.items() if k not in ("id", "case_no")},
                 "business_key": f"open-{n}",
                 "state": pattern.sub(lambda m, f=f: f[m.group(0)], row["state"])}
                for n, f in zip(numbers, fresh)]).scalars().all()
            uow.execute(tasks.insert(), [
                {**{k: v for k, v in t.items() if k != "id"}, "instance_id": new_id,
                 "business_key": f"open-{n}", "task_guid": f.get(t["task_guid"], t["task_guid"])}
                for n, f, new_id in zip(numbers, fresh, ids) for t in open_tasks])
        print(f"  {numbers[-1] + 1} open tasks", end="\r", flush=True)
    print()


def lost_updates(db_url: str, tag: str, finished: int) -> list[str]:
    """What the database disagrees with the clients about, for the instances tagged ``tag``."""
    from sqlalchemy import func, select

    from services.context import Flowdesk
    from services.settings import Settings
    from store.tables import HumanTask, ProcessInstance
    fd = Flowdesk(Settings(database_url=db_url))
    inst, tasks = ProcessInstance.__table__, HumanTask.__table__
    mine = inst.c.business_key.like(f"{tag}-%")
    with fd.uow(read_only=True) as uow:
        statuses = Counter(dict(uow.execute(select(inst.c.status, func.count())
                                            .where(mine).group_by(inst.c.status)).all()))
        done = uow.execute(select(func.count()).select_from(tasks.join(inst))
                           .where(mine, tasks.c.state == "completed")).scalar()
    fd.dispose()
    problems = []
    if statuses != Counter({"completed": finished}):
        problems.append(f"instances by status {dict(statuses)}, expected {finished} completed")
    if done != 3 * finished:
        problems.append(f"{done} tasks completed, expected {3 * finished}")
    return problems


# -- the flow -------------------------------------------------------------------------------

@dataclass
class Tally:
    finished: int = 0
    failures: Counter = field(default_factory=Counter)  # status -> count

    def check(self, status: int, what: str) -> bool:
        if status >= 300:
            self.failures[status] += 1
            if sum(self.failures.values()) <= 3:
                print(f"  {what}: {status}", file=sys.stderr)
            return False
        return True


def one_instance(client: RawClient, key: str, tally: Tally) -> None:
    status, started = client.call("POST", "/api/v1/instances",
                                  {"process_key": "three_steps", "business_key": key})
    if not tally.check(status, "start"):
        return
    for step in range(3):
        status, page = client.call("GET", f"/api/v1/tasks?instance_id={started['id']}")
        if not tally.check(status, "list") or not page["items"]:
            tally.failures["no task"] += not page.get("items")
            return
        task = page["items"][0]["id"]
        if not tally.check(client.call("POST", f"/api/v1/tasks/{task}/claim")[0], "claim"):
            return
        status, _ = client.call("POST", f"/api/v1/tasks/{task}/complete",
                                {"data": {"note": f"step {step}"}})
        if not tally.check(status, "complete"):
            return
    tally.finished += 1


def drive(ports: list[int], tokens: list[str], tag: str, count: int, warmup: int) -> tuple[
        float, float, Tally, str]:
    """Each client (a thread) on ``ports[i % len(ports)]`` does its share of ``count``
    instances after ``warmup`` of its own; returns the timed seconds, the client's CPU
    seconds in them, the tally of the timed instances, and how the clients' keep-alive
    connections fell on the server processes (``2/2``: two each; one worker's chance)."""
    clients = [RawClient(ports[i % len(ports)], token) for i, token in enumerate(tokens)]
    served_by = Counter(c.call("GET", "/health")[1]["pid"] for c in clients)
    split = "/".join(str(n) for n in sorted(served_by.values(), reverse=True))
    tally, warm = Tally(), Tally()
    barrier = threading.Barrier(len(clients) + 1)

    def work(n: int, client: RawClient) -> None:
        for i in range(warmup):
            one_instance(client, f"warm{tag}-{n}-{i}", warm)
        barrier.wait()
        for i in range(n, count, len(clients)):
            one_instance(client, f"{tag}-{n}-{i}", tally)
        barrier.wait()

    threads = [threading.Thread(target=work, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    barrier.wait()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    return elapsed, cpu, tally, split


@dataclass
class Result:
    name: str
    rate: float
    server_ms: float
    db_ms: float
    client_ms: float
    failures: Counter
    lost: list[str]
    rss: float
    pss: float
    masters: float
    split: str = ""


def run_setup(name: str, nodes: list[Serve], tokens: list[str], args: argparse.Namespace,
              tag: str) -> Result:
    for node in nodes:
        node.start()
    try:
        for node in nodes:
            node.wait_ready(tokens[0])
        cpu_before, db_before = sum(n.cpu() for n in nodes), tree_cpu(args.postmaster)
        elapsed, client_cpu, tally, split = drive([n.port for n in nodes], tokens, tag,
                                                  args.instances, args.warmup)
        server_cpu = sum(n.cpu() for n in nodes) - cpu_before
        db_cpu = tree_cpu(args.postmaster) - db_before
        if args.open_tasks:  # the big views, in every worker, before memory is read
            for node in nodes:
                for _ in range(4 * node.workers):
                    client = RawClient(node.port, tokens[0])
                    client.call("GET", GROUP_QUEUE)
                    client.close()
        memory = [n.memory() for n in nodes]
    finally:
        for node in nodes:
            node.stop()
    lost = lost_updates(args.database_url, tag, tally.finished)
    if tally.finished + sum(tally.failures.values()) < args.instances:
        lost.append(f"only {tally.finished} of {args.instances} instances finished")
    done = max(tally.finished, 1)
    return Result(name, tally.finished / elapsed, server_cpu / done * 1000,
                  db_cpu / done * 1000, client_cpu / done * 1000, tally.failures, lost,
                  sum(m[0] for m in memory), sum(m[1] for m in memory),
                  sum(m[2] for m in memory), split)


def best_of(runs: list[Result]) -> Result:
    """The fastest round, carrying every round's failed answers and lost updates."""
    best = max(runs, key=lambda r: r.rate)
    failures = sum((r.failures for r in runs), Counter())
    lost = [f"round {n + 1}: {problem}" for n, r in enumerate(runs) for problem in r.lost]
    return Result(**{**best.__dict__, "failures": failures, "lost": lost})


def report(results: list[Result], args: argparse.Namespace) -> None:
    base = results[0].rate
    print(f"\n{args.clients} clients, {args.instances} instances per set-up and round "
          f"(after {args.warmup} warm-up per client), {args.open_tasks} other open tasks; "
          f"each set-up's best of {args.rounds} rounds")
    print("CPU ms per instance: the serve trees, PostgreSQL (its backends), this client")
    print("(each client keeps one connection: with 2 workers the kernel gives them to the "
          "workers by chance, 3/1 or 4/0 half the time; 2 nodes get 2/2 from the bench)")
    print(f"{'set-up':<36}{'inst/s':>7}{'ratio':>7}{'server':>8}{'db':>7}{'client':>8}"
          f"{'5xx':>5}{'other':>6}  lost updates")
    for r in results:
        server_errors = sum(v for k, v in r.failures.items() if isinstance(k, int) and k >= 500)
        other = sum(r.failures.values()) - server_errors
        print(f"{r.name:<36}{r.rate:7.1f}{r.rate / base:6.2f}x{r.server_ms:8.2f}"
              f"{r.db_ms:7.2f}{r.client_ms:8.2f}{server_errors:5d}{other:6d}  "
              f"{'; '.join(r.lost) or 'none'}")
    cpu = min(r.server_ms + r.db_ms + r.client_ms for r in results)
    print(f"at {cpu:.1f} ms of CPU per instance in all, {os.cpu_count()} cores can do at most "
          f"{os.cpu_count() * 1000 / cpu:.0f} instances/s here")
    print("\nserve process trees after the run (master + workers):")
    for r in results:
        print(f"  {r.name:<32} RSS {r.rss:6.1f} MiB  PSS {r.pss:6.1f} MiB  "
              f"(master{'s' if 'nodes' in r.name else ''} {r.masters:.1f} MiB RSS)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="an empty PostgreSQL database (default: a throwaway cluster)")
    parser.add_argument("--instances", type=int, default=400, help="per set-up")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=5, help="instances per client first")
    parser.add_argument("--open-tasks", type=int, default=0)
    parser.add_argument("--setups", default="a,b,c", help="which of a, b, c to run")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of every set-up, alternated; each set-up's best is shown")
    args = parser.parse_args()
    if not args.database_url:
        os.execv(str(ROOT / "scripts" / "pg_throwaway.sh"),
                 [str(ROOT / "scripts" / "pg_throwaway.sh"), "bash", "-c",
                  'BENCH_DATABASE_URL="$FLOWDESK_TEST_POSTGRES_URL" exec "$0" "$@"',
                  sys.executable, *sys.argv])
    started = time.perf_counter()
    tokens = prepare(args.database_url, args.clients, args.open_tasks)
    args.postmaster = postmaster(args.database_url)
    print(f"prepared in {time.perf_counter() - started:.0f} s")
    workdir = Path(tempfile.mkdtemp(prefix="flowdesk-bench-workers-"))
    setups = {"a": ("(a) serve --workers 1", [1]), "b": ("(b) serve --workers 2", [2]),
              "c": ("(c) 2 nodes (serve --workers 1 x2)", [1, 1])}
    speed_before = cpu_baseline()
    rounds: dict[str, list[Result]] = {key: [] for key in args.setups.split(",")}
    for n in range(args.rounds):  # alternated, so a busy spell of the host hits all of them
        for key, runs in rounds.items():
            name, workers = setups[key]
            nodes = [Serve(args.database_url, w, workdir) for w in workers]
            runs.append(run_setup(name, nodes, tokens, args, f"{key}{n}"))
            print(f"  round {n + 1}: {name}: {runs[-1].rate:.1f} instances/s "
                  f"(connections per process {runs[-1].split})", flush=True)
    report([best_of(runs) for runs in rounds.values()], args)
    print(f"cpu baseline (10M additions; about 0.33 s on a quiet 2-core VM): "
          f"{speed_before:.2f} s before, {cpu_baseline():.2f} s after")


if __name__ == "__main__":
    main()
