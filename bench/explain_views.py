"""The PostgreSQL plans of the benchmark's views (EXPLAIN ANALYZE of what each call runs).

Run after ``bench/bench_scale.py --postgres URL`` on the same database: each view of
``bench_scale.VIEWS`` is called once through the Flask test client with PostgreSQL's
``auto_explain`` sending every plan (with actual times and rows) back as a notice; the plans
of the statements that read tasks or instances are printed, with a line saying whether any
of them scans a whole table (``Seq Scan``) instead of walking an index.

    .venv/bin/python bench/explain_views.py postgresql+psycopg://… [--view "agent overdue"]
        [--summary]

``--summary`` prints one line a view instead: the statements' execution time and the buffers
they touched (pages read from the cache or the disk), a figure a busy host does not move, to
compare two schemas or two sets of statistics.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_scale import VIEWS  # noqa: E402

READS = ("human_tasks", "process_instances", "incidents")
EXPLAIN_SETTINGS = ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                    "SET auto_explain.log_analyze = on", "SET auto_explain.log_buffers = on",
                    "SET auto_explain.log_level = notice", "SET client_min_messages = notice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="the PostgreSQL database bench_scale.py seeded")
    parser.add_argument("--view", action="append", help="only these views (by name)")
    parser.add_argument("--summary", action="store_true",
                        help="one line a view: execution time and buffers touched")
    args = parser.parse_args()
    from api.app import create_app
    from services.identity import create_token

    app = create_app({"database_url": args.url, "testing": True})
    fd = app.extensions["flowdesk"]
    tokens = {name: create_token(fd, name) for name in ("admin", "agent")}
    notices: list[str] = []

    def explaining(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.add_notice_handler(lambda diag: notices.append(diag.message_primary))
        with dbapi_connection.cursor() as cursor:
            for setting in EXPLAIN_SETTINGS:
                cursor.execute(setting)
        dbapi_connection.commit()

    fd.engine.dispose()
    event.listen(fd.engine, "connect", explaining)
    client = app.test_client()
    for name, (user, path) in VIEWS.items():
        if args.view and name not in args.view:
            continue
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        client.get(path, headers=headers)  # warm: the credential and statement caches
        notices.clear()
        answer = client.get(path, headers=headers)
        plans = [n for n in notices if any(table in n for table in READS)]
        scans = [line.strip() for plan in plans for line in plan.splitlines()
                 if "Seq Scan" in line and any(table in line for table in READS)]
        if args.summary:
            print(f"{name:34} {summary(plans)}{'  SEQ SCAN' if scans else ''}", flush=True)
            continue
        print(f"\n=== {name}: {path} ({answer.status_code}); "
              f"{'SEQ SCAN: ' + '; '.join(scans) if scans else 'indexes only'}")
        for plan in plans:
            print(plan)
    fd.dispose()


def summary(plans: list[str]) -> str:
    """The plans' execution time and buffers (each plan's top node counts its children's)."""
    millis = sum(float(m) for plan in plans for m in re.findall(r"duration: ([\d.]+) ms", plan))
    touched = 0
    for plan in plans:
        top = re.search(r"Buffers: shared((?: \w+=\d+)+)", plan)
        touched += sum(int(n) for n in re.findall(r"=(\d+)", top.group(1))) if top else 0
    return f"{millis:8.2f} ms {touched:8d} buffers"


if __name__ == "__main__":
    main()
