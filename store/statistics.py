"""The query planner's statistics, kept current so it picks the lists' indexes.

SQLite has none until ``ANALYZE`` runs, and without them it may walk every unassigned task
to find one group's (issue 17); ``PRAGMA optimize`` then refreshes them cheaply, only for the
tables whose size changed much since. PostgreSQL's autovacuum analyses by itself; a bulk load
(the benchmark's seeding) calls ``refresh(..., analyze=True)`` not to wait for it.

Run after ``flowdesk db upgrade`` (``host.migrate``) and from the housekeeping
(``services.housekeeping``).
"""
from __future__ import annotations

from sqlalchemy import Engine, text

SAMPLE_ROWS = 1000  # SQLite's ANALYZE reads about this many rows of each index


def _has_task_statistics(conn) -> bool:  # type: ignore[no-untyped-def]
    """Whether SQLite has statistics on the tasks' indexes (an ANALYZE of an empty table
    leaves none: the first housekeeping after tasks exist gathers them)."""
    if not conn.execute(text("SELECT count(*) FROM sqlite_master "
                             "WHERE name = 'sqlite_stat1'")).scalar_one():
        return False
    return bool(conn.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'human_tasks' "
                                  "AND idx IS NOT NULL")).scalar_one())


def refresh(engine: Engine, *, analyze: bool = False) -> str:
    """Bring the planner's statistics up to date; what was run (for the log and the tests).

    SQLite: ``ANALYZE`` when there are no statistics yet (or ``analyze``), then ``PRAGMA
    optimize``. PostgreSQL: ``VACUUM ANALYZE`` only when asked."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            # a sample of each index is enough for the planner, and keeps this short
            conn.exec_driver_sql(f"PRAGMA analysis_limit = {SAMPLE_ROWS}")
            done = "optimize"
            if analyze or not _has_task_statistics(conn):
                conn.exec_driver_sql("ANALYZE")
                done = "analyze+optimize"
            conn.exec_driver_sql("PRAGMA optimize")
        return done
    if analyze:  # VACUUM too: after a bulk load only it marks the pages all-visible, so
        # counts and pages are read from the indexes alone (index-only scans) instead of
        # visiting every matching row (autovacuum does the same after enough inserts)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return "vacuum+analyze"
    return "autovacuum"
