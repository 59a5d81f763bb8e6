"""Benchmark: the inbox views and the admin lists at 1k, 10k and 100k open tasks (issue 17).

Seeds in-process, quickly: a few instances of a three-user-task process are started through
the services (real rows: state, tasks, audit), then their instance and task rows are copied in
bulk INSERTs with new ids, groups, assignees, priorities, creation and due times spread the
way a service desk has them. ``--finished N`` adds N completed instances (with their completed
tasks) first. After each size the planner's statistics are gathered (``store.statistics``),
and every view's first page (and a cursor's second page) is timed through the Flask test
client: p50 and p95 per view.

    .venv/bin/python bench/bench_scale.py [--sizes 1000,10000,100000] [--finished 1000000]
        [--postgres postgresql+psycopg://…] [--sqlite-file PATH] [--repeat 40] [--serve-rss]

``--reuse`` keeps a database an earlier run seeded (PostgreSQL, or ``--sqlite-file``): it is
brought to the newest migration, only the missing tasks and finished instances are added, and
the statistics gathered again, so 1,000,000 finished instances are seeded once and measured many times.

``--serve-rss`` (SQLite): after the last size, ``flowdesk serve`` on the same file answers
every view over HTTP, then the RSS of its process tree (master and worker) is printed
(``bench/serve_memory.py``).

On PostgreSQL the schema of the given database is DROPPED and created again.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import (BigInteger, Integer, String, case, cast, create_engine, func, insert, literal,  # noqa: E402
                        literal_column, select, text)
from sqlalchemy.sql import ClauseElement  # noqa: E402

PROCESS = ROOT / "tests" / "resources" / "three_steps"
GROUPS = ("Agent", "Complaints", "AfterSales", "Finance", "Logistics")
GROUP_WEIGHTS = (1, 60, 25, 10, 4)  # the agent's group holds a small share of the queue
PRIORITIES = (30, 50, 50, 50, 70, 90)
BATCH = 200_000  # rows per INSERT … SELECT

VIEWS = {  # name -> (user, query)
    "agent mine": ("agent", "/api/v1/tasks?assignee=me"),
    "agent group queue": ("agent", "/api/v1/tasks?unassigned=true"),
    "agent overdue": ("agent", "/api/v1/tasks?overdue=true&sort=due_at"),
    "agent due today": ("agent", "/api/v1/tasks?due_today=true&sort=due_at"),
    "agent all mine+groups": ("agent", "/api/v1/tasks"),
    "admin inbox": ("admin", "/api/v1/tasks"),
    "admin queue Complaints": ("admin", "/api/v1/tasks?candidate_group=Complaints&unassigned=true"),
    "admin queue Agent": ("admin", "/api/v1/tasks?candidate_group=Agent&unassigned=true"),
    "admin overdue": ("admin", "/api/v1/tasks?overdue=true&sort=due_at"),
    "admin due today": ("admin", "/api/v1/tasks?due_today=true&sort=due_at"),
    # the due views as the inbox shows them (by due time, above); by priority they sort
    # their matches
    "admin overdue by priority": ("admin", "/api/v1/tasks?overdue=true"),
    "agent overdue by priority": ("agent", "/api/v1/tasks?overdue=true"),
    # the inbox's per-view counts (its switcher; every page load of the inbox)
    "agent view counts": ("agent", "/api/v1/tasks/counts"),
    "admin view counts": ("admin", "/api/v1/tasks/counts"),
    "admin instances": ("admin", "/api/v1/instances"),
    "admin instances running": ("admin", "/api/v1/instances?status=waiting"),
    "admin incidents": ("admin", "/api/v1/admin/incidents"),
}
SECOND_PAGES = ("admin inbox", "admin queue Complaints", "agent group queue",
                "agent all mine+groups", "admin overdue", "admin instances")


def fresh_database(postgres: str | None, sqlite_file: str | None = None,
                   reuse: bool = False) -> str:
    """The benchmark's database URL, emptied unless ``reuse``."""
    if reuse and (postgres or sqlite_file):
        return postgres or f"sqlite:///{Path(sqlite_file).resolve()}"  # type: ignore[arg-type]
    if postgres:
        engine = create_engine(postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return postgres
    if sqlite_file:  # kept for bench/bench_api.py --database
        Path(sqlite_file).unlink(missing_ok=True)
        return f"sqlite:///{Path(sqlite_file).resolve()}"
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
    if _seeded_before(fd):  # --reuse: the process and its template instances are there
        return app, fd, tokens
    deploy_path(fd, PROCESS, "bench")
    starter = system("bench", "admin")
    for i in range(5):
        start_instance(fd, starter, "three_steps", business_key=f"seed-{i}")
    return app, fd, tokens


def _seeded_before(fd) -> bool:  # type: ignore[no-untyped-def]
    """Whether an earlier run seeded this database (``--reuse``)."""
    from store.tables import ProcessInstance
    with fd.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ProcessInstance)).scalar_one() > 0


def _finished_missing(fd, wanted: int) -> int:  # type: ignore[no-untyped-def]
    """How many completed instances to add for ``wanted`` (``--reuse``)."""
    from store.tables import ProcessInstance
    with fd.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(ProcessInstance)
                            .where(ProcessInstance.status == "completed")).scalar_one()
    return max(0, wanted - have)


def _template_ids(fd) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The first real instance and one of its tasks: every seeded row copies them."""
    from store.tables import HumanTask, ProcessInstance
    with fd.engine.connect() as conn:
        instance = conn.execute(select(func.min(ProcessInstance.id))).scalar_one()
        task = conn.execute(select(func.min(HumanTask.id))
                            .where(HumanTask.instance_id == instance)).scalar_one()
    return instance, task


def _numbers(count: int):  # type: ignore[no-untyped-def]
    """0 … count-1 as rows (a recursive CTE: the same SQL on SQLite and PostgreSQL)."""
    seq = select(literal(0).label("n")).cte("seq", recursive=True)
    return seq.union_all(select(seq.c.n + 1).where(seq.c.n < count - 1))


def _roll(n, salt: int, modulo: int):  # type: ignore[no-untyped-def]
    """A well-spread integer in [0, modulo) from the row number: the same rows on every run
    and database, without a random() call per row. (A quadratic hash modulo a prime: rolls
    with different salts are not linear in each other, so groups, assignees and due times
    mix as independent draws would.)"""
    shifted = cast(n + salt, BigInteger)  # PostgreSQL's integer would overflow
    return ((shifted * shifted * literal_column("7919") + n * literal_column("2654435761"))
            % literal_column("1000000007")) % modulo


def _minutes_from(dialect: str, now, minutes):  # type: ignore[no-untyped-def]
    """``now`` plus ``minutes`` (an integer expression; negative: before) as the column's
    stored datetime (SQLite: SQLAlchemy's text form)."""
    if dialect == "sqlite":
        stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        return func.strftime("%Y-%m-%d %H:%M:%S", stamp,
                             cast(minutes, String) + " minutes") + ".000000"
    zero = literal_column("0")
    return literal(now) + func.make_interval(zero, zero, zero, zero, zero,
                                             cast(minutes, Integer))


def _choice(roll, choices: tuple, weights: tuple):  # type: ignore[no-untyped-def]
    """One of ``choices`` by ``roll`` in [0, sum(weights))."""
    whens, bound = [], 0
    for choice, weight in zip(choices[:-1], weights[:-1]):
        bound += weight
        whens.append((roll < bound, choice))
    return case(*whens, else_=choices[-1])


def _value(value, column):  # type: ignore[no-untyped-def]
    """A seeded column's expression: SQL as given, a plain value bound with the column's type."""
    return value if isinstance(value, ClauseElement) else literal(value, column.type)


def seed(fd, open_tasks: int, finished: int, rng: random.Random | None = None) -> None:  # type: ignore[no-untyped-def]
    """Copy the template instance and task in bulk ``INSERT … SELECT``s (no row passes through
    Python): ``finished`` completed instances with a completed task each, then open
    instances until there are ``open_tasks`` open tasks, with groups, assignees, priorities,
    creation and due times spread the way a service desk has them. (``rng`` is not used: the
    spread comes from the row numbers, the same on every run.)"""
    from store.tables import HumanTask, ProcessInstance
    instances, tasks = ProcessInstance.__table__, HumanTask.__table__
    template, template_task = _template_ids(fd)
    dialect, now = fd.engine.dialect.name, fd.now()
    with fd.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(tasks).where(
            tasks.c.state.in_(("open", "claimed")))).scalar_one()
        next_id = conn.execute(select(func.max(instances.c.id))).scalar_one() + 1
        next_task = conn.execute(select(func.max(tasks.c.id))).scalar_one() + 1
    for kind, count in (("completed", finished), ("open", max(0, open_tasks - have))):
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            seq = _numbers(size)
            n = iid = seq.c.n + (next_id + done)  # the instance id: every row's own number
            created = _minutes_from(dialect, now, -_roll(n, 7, 60 * 24 * 60))
            key = literal("b-") + cast(n, String)
            ivalues = {"id": iid, "business_key": key, "case_no": None, "started_at": created,
                       "updated_at": created}
            tvalues = {"id": seq.c.n + (next_task + done), "instance_id": iid,
                       "task_guid": literal("bench-") + cast(n, String), "business_key": key,
                       "created_at": created,
                       "escalation_group": case((_roll(n, 9, 1000) < 3, "Agent"), else_=None),
                       "priority": _choice(_roll(n, 8, 6), PRIORITIES, (1,) * 6)}
            if kind == "completed":
                ivalues.update(status="completed", state="{}",
                               ended_at=_minutes_from(dialect, now,
                                                      120 - _roll(n, 7, 60 * 24 * 60)))
                tvalues.update(state="completed", completed_by="agent", assignee="agent",
                               candidate_group="Agent",
                               completed_at=_minutes_from(dialect, now,
                                                          60 - _roll(n, 7, 60 * 24 * 60)))
            else:
                assigned = _roll(n, 2, 1000)
                assignee = case((assigned < 2, "agent"),
                                (assigned < 300, literal("user") + cast(_roll(n, 3, 200), String)),
                                else_=None)
                due = _roll(n, 4, 100)
                tvalues.update(
                    candidate_group=_choice(_roll(n, 1, 100), GROUPS, GROUP_WEIGHTS),
                    assignee=assignee, state=case((assigned < 300, "claimed"), else_="open"),
                    due_at=case((due < 40, None),
                                (due < 55, _minutes_from(dialect, now,
                                                         -60 * (1 + _roll(n, 5, 500)))),
                                else_=_minutes_from(dialect, now, 1 + _roll(n, 6, 60 * 24 * 14))))
            with fd.engine.begin() as conn:
                for table, values, source in ((instances, ivalues, template),
                                              (tasks, tvalues, template_task)):
                    names = [c.name for c in table.c]
                    columns = [_value(values[c], table.c[c]) if c in values else table.c[c]
                               for c in names]
                    rows = select(*columns).select_from(seq).join(
                        table, table.c.id == source)
                    conn.execute(insert(table).from_select(names, rows))
            done += size
        next_id += count
        next_task += count


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def shown_total(body: dict) -> str:
    """A list's total ("10000+" past the cap), or the view counts ("mine/unassigned/…")."""
    if "items" in body:
        return f"{body['total']}{'+' if body.get('total_capped') else ''}"
    capped = body.get("capped", [])
    return "/".join(f"{body[v]}{'+' if v in capped else ''}"
                    for v in ("mine", "unassigned", "overdue", "due_today"))


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
            results[label] = (statistics.median(times), percentile(times, 0.95),
                              shown_total(response.get_json()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="open tasks, comma-separated (ascending)")
    parser.add_argument("--finished", type=int, default=0,
                        help="completed instances to add first (e.g. 1000000)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (its schema is dropped!)")
    parser.add_argument("--sqlite-file", help="write the SQLite database here (replaced)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database an earlier run seeded; add only what is missing")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--serve-rss", action="store_true",
                        help="SQLite: serve the file after the views, print the tree's RSS")
    args = parser.parse_args()
    from store import statistics as planner
    url = fresh_database(args.postgres, args.sqlite_file, args.reuse)
    app, fd, tokens = prepare(url)
    rng = random.Random(17)
    print(f"database: {fd.engine.dialect.name}  finished instances: {args.finished}")
    finished = _finished_missing(fd, args.finished) if args.reuse else args.finished
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
            print(f"{label:34} {p50:8.2f} {p95:8.2f}  {total}{flag}", flush=True)
    fd.dispose()
    if args.serve_rss and fd.engine.dialect.name == "sqlite":
        from bench.serve_memory import serve_and_measure
        serve_and_measure(url, tokens, [(user, path) for user, path in VIEWS.values()])


if __name__ == "__main__":
    main()
