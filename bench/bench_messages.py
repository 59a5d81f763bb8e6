"""Benchmark: deliver messages by correlation while many instances wait.

Starts ``flowdesk serve`` (one worker process) on a fresh SQLite database, deploys
``tests/resources/messaging/reply_wait`` (an intermediate message catch whose correlation
property ``order_no`` is read from the case's variable), and fills the database with
``--waiting`` instances waiting for the message ``customer_replied``, each for its own order
number. Then a keep-alive client sends ``--messages`` messages, each to a different random
waiting order, over real HTTP: ``POST /api/v1/messages {"name", "correlation": {"order_no"}}``.
Each call looks the subscription up, loads the instance from its saved state (nothing is
cached: every instance is touched once), runs it to its next wait, and saves it. Prints p50/p95.

The waiting instances are made by starting one instance through Flowdesk and copying its rows
(instance state with its own task ids and order number, and its subscription row) with bulk inserts:
starting 100,000 instances one by one would take minutes and measure something else.

    .venv/bin/python bench/bench_messages.py [--waiting 100000] [--messages 500]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_api import (Client, cpu_baseline, free_port, percentile,  # noqa: E402
                             wait_healthy)

PROCESS = ROOT / "tests" / "resources" / "messaging" / "reply_wait"
TEMPLATE_ORDER = "TEMPLATE-ORDER"


def populate(db_url: str, waiting: int) -> str:
    """Migrate, deploy, start one waiting instance and copy it ``waiting - 1`` times; returns
    a token of a machine account (role worker)."""
    from sqlalchemy import select

    from engine.events import correlation_hash
    from host.migrate import upgrade
    from services import definitions, instances
    from services.context import Flowdesk
    from services.identity import create_token, ensure_user
    from services.principal import system
    from services.settings import Settings
    from store.tables import EventSubscription, ProcessInstance

    upgrade(db_url)
    fd = Flowdesk(Settings(database_url=db_url))
    ensure_user(fd, "shop", ["worker"], [])
    token = create_token(fd, "shop")
    definitions.deploy_path(fd, PROCESS, "bench")
    first = instances.start_instance(fd, system("bench", "admin"), "reply_wait",
                                     variables={"order_no": TEMPLATE_ORDER})
    inst, subs = ProcessInstance.__table__, EventSubscription.__table__
    with fd.uow() as uow:
        row = dict(uow.execute(select(inst).where(inst.c.id == first["id"])).mappings().one())
        sub = dict(uow.execute(select(subs).where(subs.c.instance_id == first["id"]))
                   .mappings().one())
    guids = sorted(set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                  row["state"])))
    pattern = re.compile("|".join([*guids, TEMPLATE_ORDER]))

    def state_of(n: int) -> str:
        """The template's state with its own task ids (they are unique) and order number."""
        fresh = {guid: str(uuid.uuid4()) for guid in guids} | {TEMPLATE_ORDER: f"ORDER-{n}"}
        return pattern.sub(lambda m: fresh[m.group(0)], row["state"])

    batch = 5000
    for start in range(1, waiting, batch):
        ids = range(start, min(start + batch, waiting))
        with fd.uow() as uow:
            new_ids = uow.execute(inst.insert().returning(inst.c.id), [
                {**{k: v for k, v in row.items() if k != "id"},
                 "case_no": f"BENCH{n:08d}", "business_key": f"ORDER-{n}",
                 "state": state_of(n),
                 "variables": {"order_no": f"ORDER-{n}"}} for n in ids]).scalars().all()
            uow.execute(subs.insert(), [
                {**{k: v for k, v in sub.items() if k != "id"}, "instance_id": instance_id,
                 "correlation": {"order_no": f"ORDER-{n}"},
                 "correlation_hash": correlation_hash({"order_no": f"ORDER-{n}"})}
                for n, instance_id in zip(ids, new_ids)])
        print(f"  {min(start + batch, waiting)} waiting", end="\r", flush=True)
    print()
    fd.dispose()
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="flowdesk-bench-messages-"))
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    started = time.perf_counter()
    token = populate(db_url, args.waiting)
    print(f"populated {args.waiting} waiting instances in {time.perf_counter() - started:.0f} s "
          f"({(workdir / 'bench.db').stat().st_size / 2**20:.0f} MiB)")
    speed_before = cpu_baseline()
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("flowdesk")), "serve", "--port", str(port)],
        env={**__import__("os").environ, "FLOWDESK_DATABASE_URL": db_url}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # a per-request log line each
    client = Client("127.0.0.1", port, token)
    try:
        wait_healthy(requests.Session(), f"http://127.0.0.1:{port}", tries=200)
        orders = random.Random(7).sample(range(1, args.waiting), args.warmup + args.messages)
        timings = []
        for n, order in enumerate(orders):
            t0 = time.perf_counter()
            status, body = client.call("POST", "/api/v1/messages", {
                "name": "customer_replied", "correlation": {"order_no": f"ORDER-{order}"},
                "variables": {"reply": "收到"}})
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 200 or len(body["reached"]) != 1:
                raise SystemExit(f"message to ORDER-{order} failed: {status} {json.dumps(body)}")
            if n >= args.warmup:
                timings.append(elapsed)
        print(f"POST /api/v1/messages with {args.waiting} waiting instances, "
              f"{args.messages} messages (after {args.warmup} warm-up), one client:")
        print(f"  p50={statistics.median(timings):.2f} ms  p95={percentile(timings, 0.95):.2f} ms"
              f"  max={max(timings):.2f} ms")
        speed_after = cpu_baseline()
        print(f"cpu baseline (10M additions, lower is faster): {speed_before:.2f} s before, "
              f"{speed_after:.2f} s after")
    finally:
        client.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
