"""Benchmark: the inbox views and the admin lists at 1k, 10k and 100k open tasks (issue 17).

Seeds in-process, quickly: a few instances of a three-user-task process are started through
the services (real rows: state, tasks, audit), then their instance and task rows are copied in
bulk INSERTs with new ids, groups, assignees, priorities, creation and due times spread the
way a service desk has them. ``--finished N`` adds N completed instances (with their completed
tasks) first. After each size the planner's statistics are gathered (``store.statistics``),
and every view's first page (and a cursor's second page) is timed through the Flask test
client: p50 and p95 per view.

    .venv/bin/python bench/bench_scale.py [--sizes 1000,10000,100000] [--finished 1000000]
        [--postgres postgresql+psycopg://…] [--repeat 40]

On PostgreSQL the schema of the given database is DROPPED and created again.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

PROCESS = ROOT / "tests" / "resources" / "three_steps"
GROUPS = ("Agent", "Complaints", "AfterSales", "Finance", "Logistics")
GROUP_WEIGHTS = (1, 60, 25, 10, 4)  # the agent's group holds a small share of the queue
PRIORITIES = (30, 50, 50, 50, 70, 90)
BATCH = 5000

VIEWS = {  # name -> (user, query)
    "agent mine": ("agent", "/api/v1/tasks?assignee=me"),
    "agent group queue": ("agent", "/api/v1/tasks?unassigned=true"),
    "agent overdue": ("agent", "/api/v1/tasks?overdue=true"),
    "agent due today": ("agent", "/api/v1/tasks?due_today=true"),
    "agent all mine+groups": ("agent", "/api/v1/tasks"),
    "admin inbox": ("admin", "/api/v1/tasks"),
    "admin queue Complaints": ("admin", "/api/v1/tasks?candidate_group=Complaints&unassigned=true"),
    "admin queue Agent": ("admin", "/api/v1/tasks?candidate_group=Agent&unassigned=true"),
    "admin overdue": ("admin", "/api/v1/tasks?overdue=true"),
    "admin due today": ("admin", "/api/v1/tasks?due_today=true"),
    "admin instances": ("admin", "/api/v1/instances"),
    "admin instances running": ("admin", "/api/v1/instances?status=waiting"),
    "admin incidents": ("admin", "/api/v1/admin/incidents"),
}
SECOND_PAGES = ("admin inbox", "admin queue Complaints", "agent group queue",
                "admin instances")


def fresh_database(postgres: str | None) -> str:
    if postgres:
        engine = create_engine(postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return postgres
    return f"sqlite:///{tempfile.mkdtemp(prefix='flowdesk-scale-')}/scale.db"


def prepare(url: str):  # type: ignore[no-untyped-def]
    """Migrated database, users and tokens, the process deployed, a few started instances."""
    from api.app import create_app
    from host.migrate import upgrade
    from services.definitions import deploy_path
    from services.identity import create_token, ensure_user
    from services.instances import start_instance
    from services.principal import system

    upgrade(url)
    app = create_app({"database_url": url, "testing": True})
    fd = app.extensions["flowdesk"]
    ensure_user(fd, "admin", ["admin"], [])
    ensure_user(fd, "agent", ["staff"], ["Agent"])
    tokens = {name: create_token(fd, name) for name in ("admin", "agent")}
    deploy_path(fd, PROCESS, "bench")
    starter = system("bench", "admin")
    for i in range(5):
        start_instance(fd, starter, "three_steps", business_key=f"seed-{i}")
    return app, fd, tokens


def _templates(fd) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    from store.tables import HumanTask, ProcessInstance
    with fd.engine.connect() as conn:
        instance = dict(conn.execute(select(ProcessInstance.__table__)
                                     .order_by(ProcessInstance.id)).mappings().first())
        task = dict(conn.execute(select(HumanTask.__table__)
                                 .where(HumanTask.instance_id == instance["id"])).mappings().first())
    return instance, task


def seed(fd, open_tasks: int, finished: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Bulk-copy the template rows: ``finished`` completed instances with a completed task
    each, and open instances until there are ``open_tasks`` open tasks."""
    from store.tables import HumanTask, ProcessInstance
    instances, tasks = ProcessInstance.__table__, HumanTask.__table__
    instance, task = _templates(fd)
    now = fd.now()
    with fd.engine.begin() as conn:
        have = conn.execute(select(func.count()).select_from(tasks).where(
            tasks.c.state.in_(("open", "claimed")))).scalar_one()
        next_id = conn.execute(select(func.max(instances.c.id))).scalar_one() + 1
        next_task = conn.execute(select(func.max(tasks.c.id))).scalar_one() + 1
    todo = [("completed", finished), ("open", max(0, open_tasks - have))]
    for kind, count in todo:
        done = 0
        while done < count:
            n = min(BATCH, count - done)
            irows, trows = [], []
            for k in range(n):
                iid, tid = next_id + k, next_task + k
                created = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
                irow = {**instance, "id": iid, "business_key": f"b-{iid}", "case_no": None,
                        "started_at": created, "updated_at": created}
                trow = {**task, "id": tid, "instance_id": iid,
                        "task_guid": f"{iid:08d}-0000-4000-8000-{tid:012d}",
                        "business_key": f"b-{iid}", "created_at": created,
                        "priority": rng.choice(PRIORITIES), "escalation_group": None}
                if kind == "completed":
                    irow.update(status="completed", ended_at=created + timedelta(hours=2),
                                state="{}")
                    trow.update(state="completed", completed_at=created + timedelta(hours=1),
                                completed_by="agent", assignee="agent",
                                candidate_group="Agent")
                else:
                    group = rng.choices(GROUPS, GROUP_WEIGHTS)[0]
                    roll = rng.random()
                    assignee = ("agent" if roll < 0.002 else
                                f"user{rng.randrange(200)}" if roll < 0.3 else None)
                    due = rng.random()
                    trow.update(state="claimed" if assignee else "open",
                                candidate_group=group, assignee=assignee,
                                due_at=(None if due < 0.4 else
                                        now - timedelta(hours=rng.randrange(1, 500))
                                        if due < 0.55 else
                                        now + timedelta(minutes=rng.randrange(1, 60 * 24 * 14))))
                irows.append(irow)
                trows.append(trow)
            with fd.engine.begin() as conn:
                conn.execute(insert(instances), irows)
                conn.execute(insert(tasks), trows)
            next_id += n
            next_task += n
            done += n


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_views(app, tokens: dict[str, str], repeat: int) -> dict[str, tuple[float, float, Any]]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    results = {}
    for name, (user, path) in VIEWS.items():
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        calls = [(name, path)]
        first = client.get(path + ("&" if "?" in path else "?") + "per_page=50", headers=headers)
        if first.status_code != 200:
            raise SystemExit(f"{name}: {first.status_code} {first.get_data(as_text=True)}")
        body = first.get_json()
        if name in SECOND_PAGES and body.get("next_cursor"):
            calls.append((name + " (cursor p2)", path + ("&" if "?" in path else "?")
                          + "cursor=" + body["next_cursor"]))
        for label, url in calls:
            url = url + ("&" if "?" in url else "?") + "per_page=50"
            for _ in range(3):  # warm
                client.get(url, headers=headers)
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
            page = response.get_json()
            shown = f"{page['total']}{'+' if page.get('total_capped') else ''}"
            results[label] = (statistics.median(times), percentile(times, 0.95), shown)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="open tasks, comma-separated (ascending)")
    parser.add_argument("--finished", type=int, default=0,
                        help="completed instances to add first (e.g. 1000000)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (its schema is dropped!)")
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    from store import statistics as planner
    url = fresh_database(args.postgres)
    app, fd, tokens = prepare(url)
    rng = random.Random(17)
    print(f"database: {fd.engine.dialect.name}  finished instances: {args.finished}")
    finished = args.finished
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        seed(fd, size, finished, rng)
        finished = 0
        planner.refresh(fd.engine, analyze=True)
        seeded = time.perf_counter() - started
        print(f"\n== {size:,} open tasks (seeded in {seeded:.1f} s)")
        print(f"{'view':34} {'p50 ms':>8} {'p95 ms':>8}  total")
        for label, (p50, p95, total) in time_views(app, tokens, args.repeat).items():
            flag = "" if p95 <= 20 else "  > 20 ms"
            print(f"{label:34} {p50:8.2f} {p95:8.2f}  {total}{flag}")
    fd.dispose()


if __name__ == "__main__":
    main()
