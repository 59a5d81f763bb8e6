"""Long lists stay fast (issue 17): keyset cursors cover every row exactly once under each
sort, totals stop at their cap, and the inbox's busiest views read an index (SQLite's EXPLAIN
QUERY PLAN, PostgreSQL's EXPLAIN) once a few thousand open tasks are there and the planner's
statistics are gathered."""
from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bench.bench_scale import seed
from services import task_list
from services.definitions import deploy_path
from services.errors import Invalid
from services.instance_reads import list_instances
from services.instances import start_instance
from services.principal import Principal, system
from store import statistics
from store.tables import HumanTask

THREE_STEPS = Path(__file__).resolve().parents[1] / "resources" / "three_steps"
ADMIN = system("admin", "admin")
AGENT = Principal(id=0, username="agent", roles=frozenset({"staff"}),
                  groups=frozenset({"Agent"}))
SORTS = ("-priority,created_at", "created_at", "due_at", "-due_at,name", "name,-id")


@pytest.fixture
def seeded(fd):  # type: ignore[no-untyped-def]
    """One real instance, copied to ``open_tasks`` open tasks (a third sharing one creation
    time: ties the id must break), and the planner's statistics gathered."""
    deploy_path(fd, THREE_STEPS, "test")
    start_instance(fd, ADMIN, "three_steps", business_key="template")

    def make(open_tasks: int, finished: int = 0) -> int:
        seed(fd, open_tasks, finished, random.Random(17))
        tasks = HumanTask.__table__
        with fd.engine.begin() as conn:
            first = conn.execute(select(func.min(tasks.c.created_at))).scalar_one()
            conn.execute(update(tasks).where(tasks.c.id % 3 == 0).values(created_at=first))
        statistics.refresh(fd.engine, analyze=True)
        return open_tasks
    return make


def _walk(fd, user: Principal, per_page: int, **filters) -> list[int]:  # type: ignore[no-untyped-def]
    """Every page by cursor, ids in order."""
    ids, cursor = [], None
    while True:
        page = task_list.list_tasks(fd, user, per_page=per_page, cursor=cursor, **filters)
        ids += [row["id"] for row in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            return ids


@pytest.mark.parametrize("sort", SORTS)
def test_cursor_pages_cover_every_row_exactly_once_in_order(fd, seeded, sort: str) -> None:  # type: ignore[no-untyped-def]
    seeded(300)
    walked = _walk(fd, ADMIN, 37, sort=sort)
    whole = task_list.list_tasks(fd, ADMIN, per_page=400, sort=sort)
    assert len(walked) == len(set(walked)) == whole.total == 300
    assert walked == [row["id"] for row in whole.rows]  # the same order as one long page
    by_number = [row["id"] for n in range(1, 10)
                 for row in task_list.list_tasks(fd, ADMIN, per_page=37, page=n,
                                                 sort=sort).rows]
    assert walked == by_number


def test_cursor_pages_of_a_filtered_view_and_of_the_instances(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    seeded(300)
    queue = _walk(fd, AGENT, 2, unassigned=True)
    every = task_list.list_tasks(fd, AGENT, unassigned=True, per_page=200)
    assert queue == [row["id"] for row in every.rows] and len(queue) == every.total > 2
    ids, cursor = [], None
    while True:
        page = list_instances(fd, ADMIN, per_page=40, cursor=cursor)
        ids += [row["id"] for row in page.rows]
        if (cursor := page.next_cursor) is None:
            break
    assert ids == sorted(set(ids), reverse=True) and len(ids) == page.total == 300


def test_totals_are_exact_up_to_the_cap_then_capped(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    seeded(300)
    exact = task_list.list_tasks(fd, ADMIN, per_page=10, total_cap=300)
    assert (exact.total, exact.total_capped) == (300, False)
    capped = task_list.list_tasks(fd, ADMIN, per_page=10, total_cap=299)
    assert (capped.total, capped.total_capped, len(capped.rows)) == (299, True, 10)
    past_the_end = task_list.list_tasks(fd, ADMIN, per_page=10, page=40, total_cap=100)
    assert (past_the_end.rows, past_the_end.total, past_the_end.total_capped) == ([], 100, True)
    instances = list_instances(fd, ADMIN, per_page=5, total_cap=50)
    assert (instances.total, instances.total_capped, len(instances.rows)) == (50, True, 5)


def test_a_cursor_from_another_sort_or_forged_is_refused(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    seeded(20)
    cursor = task_list.list_tasks(fd, ADMIN, per_page=5).next_cursor
    for bad, sort in ((cursor, "name"), ("not-a-cursor", "-priority,created_at"),
                      (cursor[:-3], "-priority,created_at")):
        with pytest.raises(Invalid) as refused:
            task_list.list_tasks(fd, ADMIN, cursor=bad, sort=sort)
        assert refused.value.code == "page.cursor"


def _plan(fd, filters: tuple[str, ...], slots: int, params: dict,  # type: ignore[no-untyped-def]
          sort: str = "-priority,created_at") -> str:
    statement = task_list._list_statement(filters, sort, slots).statement
    return _explain(fd, statement, {"offset": 0, "limit": 51, "window": 51, **params})


def _explain(fd, statement, params: dict,  # type: ignore[no-untyped-def]
             settings: tuple | list = ()) -> str:
    explain = ("EXPLAIN QUERY PLAN " if fd.engine.dialect.name == "sqlite" else "EXPLAIN ")
    compiled = statement.compile(dialect=fd.engine.dialect)
    values = {**compiled.params, **params}
    with fd.engine.connect() as conn:
        for setting in settings:
            conn.exec_driver_sql(setting)
        rows = conn.exec_driver_sql(explain + compiled.string,
                                    tuple(values[n] for n in compiled.positiontup)
                                    if compiled.positiontup else values).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_group_queue_and_mine_read_their_index(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    seeded(3000)
    staff = {"me": "agent", "group_0": "Agent", "group_1": None}
    mine = _plan(fd, ("assignee", "active"), 2, {**staff, "assignee": "agent"})
    queue = _plan(fd, ("candidate_group", "unassigned", "active"), 0,
                  {"candidate_group": "Complaints"})
    own_queue = _plan(fd, ("unassigned", "active"), 2, staff)
    delegated = _plan(fd, ("delegated_by", "active"), 0, {"owner": "agent"})
    assert "ix_tasks_open_assignee" in mine, mine
    assert "ix_tasks_open_delegated" in delegated, delegated  # pending delegations only
    for plan in (mine, queue, own_queue):  # an index of open tasks
        assert "ix_tasks_open_" in plan, plan
    if fd.engine.dialect.name == "sqlite":  # PostgreSQL may rightly walk the order index, or
        assert "ix_tasks_open_group" in queue, queue  # sort a handful of matches
        assert "TEMP B-TREE FOR ORDER BY" not in queue, queue
        for plan in (mine, own_queue):  # staff: only the union of the branches' pages is sorted
            assert plan.count("TEMP B-TREE FOR ORDER BY") <= 2, plan
        assert "SCAN human_tasks\n" not in mine + queue + own_queue + "\n"


def test_staff_views_and_due_views_walk_an_index_per_branch(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    """Mine-or-my-groups is a union of branches, each reading its own index of open tasks in
    the page's order; the due views sorted by due time read the due index (no task without a
    due time is left, so no NULLS LAST to sort by)."""
    seeded(3000)
    now = task_list.list_tasks(fd, ADMIN, per_page=1)  # statistics are there; any call
    assert now.total == 3000
    staff = {"me": "agent", "group_0": "Agent", "group_1": None}
    moment = {"now": fd.now()}
    everything = _plan(fd, ("active",), 2, staff)
    overdue = _plan(fd, ("active", "overdue"), 2, {**staff, **moment}, sort="due_at")
    admin_overdue = _plan(fd, ("active", "overdue"), 0, moment, sort="due_at")
    for plan in (everything, overdue, admin_overdue):
        assert "ix_tasks_open_" in plan, plan
    if fd.engine.dialect.name == "sqlite":
        for plan in (everything, overdue):  # each branch its index, a group's in its order
            assert "SCAN human_tasks\n" not in plan + "\n", plan
            lines = plan.split("\n")  # (my own tasks and escalations are few: sorted)
            assert not [n for n, line in enumerate(lines) if "ix_tasks_open_group" in line
                        and "TEMP B-TREE" in lines[n + 1]], plan
        assert "ix_tasks_open_group_order" in everything, everything
        assert "ix_tasks_open_group_due" in overdue, overdue
        assert "ix_tasks_open_due" in admin_overdue, admin_overdue
        assert "TEMP B-TREE FOR ORDER BY" not in admin_overdue, admin_overdue


def test_staff_pages_by_cursor_match_one_long_page_under_each_sort(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    seeded(300)
    two_groups = Principal(id=0, username="agent", roles=frozenset({"staff"}),
                           groups=frozenset({"Agent", "Finance", "Logistics"}))
    for sort, filters in (("-priority,created_at", {}), ("due_at", {"overdue": True}),
                          ("-due_at,name", {}), ("created_at", {"unassigned": True})):
        walked = _walk(fd, two_groups, 3, sort=sort, **filters)
        whole = task_list.list_tasks(fd, two_groups, per_page=200, sort=sort, **filters)
        assert walked == [row["id"] for row in whole.rows], sort
        assert len(walked) == whole.total > 3, sort
        assert {row["candidate_group"] for row in whole.rows} <= {"Agent", "Finance", "Logistics"}
        second = task_list.list_tasks(fd, two_groups, per_page=3, page=2, sort=sort, **filters)
        assert [row["id"] for row in second.rows] == walked[3:6], sort


def test_view_counts_are_the_lists_totals_capped_and_read_along_indexes(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    """The inbox's per-view counts: each what the view's list counts, capped like its total,
    all in one statement that walks indexes of open tasks (no scan of every task)."""
    seeded(3000)
    views = {"mine": {"assignee": "me"}, "unassigned": {"unassigned": True},
             "overdue": {"overdue": True}, "due_today": {"due_today": True},
             "delegated": {"delegated_by": "me"}}
    for user in (ADMIN, AGENT):
        counted = task_list.view_counts(fd, user)
        totals = {view: task_list.list_tasks(fd, user, per_page=1, **filters).total
                  for view, filters in views.items()}
        assert counted.counts == totals and counted.capped == [], user.username
        assert 0 < totals["unassigned"] and 0 < totals["overdue"], totals
    admin = task_list.view_counts(fd, ADMIN)
    small = task_list.view_counts(fd, ADMIN, total_cap=admin.counts["overdue"])
    assert small.counts == {v: min(n, admin.counts["overdue"]) for v, n in admin.counts.items()}
    assert small.capped == [v for v in task_list.VIEW_ORDER
                            if admin.counts[v] > admin.counts["overdue"]] == ["unassigned"]
    mine = task_list.view_counts(fd, AGENT, process_key="three_steps")
    assert mine.counts == task_list.view_counts(fd, AGENT).counts
    assert task_list.view_counts(fd, AGENT, process_key="other").counts == dict.fromkeys(
        task_list.VIEW_ORDER, 0)
    if fd.engine.dialect.name != "sqlite":  # PostgreSQL may rightly scan 3,000 rows
        return
    moment = {"assignee": "agent", "owner": "agent", "now": fd.now(), "due_from": fd.now(),
              "due_until": fd.now(), "count_limit": 10_001}
    staff = {"me": "agent", "group_0": "Agent", "group_1": None}
    for slots, params in ((0, moment), (2, {**moment, **staff})):
        plan = _explain(fd, task_list._view_counts_statement(False, slots), params)
        assert "SCAN human_tasks\n" not in plan + "\n", plan
        reads = [line for line in plan.split("\n") if "human_tasks" in line]
        assert reads and all("ix_tasks_open_" in line for line in reads), plan


def _plan_of(fd, user: Principal, sort: str, walk: bool = False,  # type: ignore[no-untyped-def]
             **filters) -> str:
    """The plan of ``list_tasks``'s statement for ``user`` (its page and its total);
    ``walk``: PostgreSQL may not sort (it walks an index in the page's order)."""
    params: dict = {"offset": 0, "limit": 51, "window": 51, "now": fd.now(),
                    "due_from": fd.now(), "due_until": fd.now() + timedelta(days=1)}
    slots = 0 if user is ADMIN else task_list._staff_params(user, params)
    names = tuple(filters) + ("active",)
    statement = task_list._list_statement(names, sort, slots).statement
    return _explain(fd, statement, params, ["SET LOCAL enable_sort = off"] if walk else [])


def test_due_views_read_their_matches_whatever_finished_tasks_do_to_the_statistics(
        fd, seeded) -> None:  # type: ignore[no-untyped-def]
    """Finished tasks skew the planner's statistics (here, as in the benchmark's million, every
    one is the agent's and has no due time: "mine" looks huge, "overdue" tiny). The due views
    must not then filter every overdue task for mine, nor sort every overdue task for a page
    by priority: the index in priority order checks the due time itself, and mine has its
    own index in due order (migration 0029)."""
    seeded(2000, finished=20_000)
    for sort in ("due_at", "-priority,created_at"):
        for filters in ({"overdue": True}, {"due_from": True, "due_until": True}):
            staff = _plan_of(fd, AGENT, sort, **filters)
            # every branch reads an index that starts with its own column
            assert "ix_tasks_open_due " not in staff + " ", (sort, filters, staff)
            assert "SCAN human_tasks\n" not in staff + "\n", staff
    # the admin's overdue page by priority: walking the order index tests each entry's due
    # time in the index (PostgreSQL picks the walk once it expects more matches than a page,
    # as at 100,000 open tasks; with a handful it sorts them, so the walk is asked for here)
    if fd.engine.dialect.name == "sqlite":
        plan = _plan_of(fd, ADMIN, "-priority,created_at", overdue=True)
        assert "USING INDEX ix_tasks_open_order" in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        return
    plan = _plan_of(fd, ADMIN, "-priority,created_at", overdue=True, walk=True)
    walk = plan[plan.index("ix_tasks_open_order"):]
    assert walk.split("\n")[1].strip().startswith("Index Cond: (due_at <"), plan


def test_one_instances_tasks_are_read_by_its_index_for_staff_too(fd, seeded) -> None:  # type: ignore[no-untyped-def]
    """One instance's tasks (a case page's list, bench_workers' every step) are read by the
    instance's index, for staff as one OR over what they see: not each branch's index of open
    tasks walked to test every row's instance. And staff still get only what they see."""
    seeded(3000)
    tasks = HumanTask.__table__
    with fd.engine.connect() as conn:
        mine = conn.execute(select(tasks.c.id, tasks.c.instance_id).where(
            tasks.c.candidate_group == "Agent", tasks.c.state == "open")).first()
        hidden = conn.execute(select(tasks.c.instance_id).where(
            tasks.c.candidate_group == "Finance", tasks.c.assignee.is_distinct_from("agent"),
            tasks.c.escalation_group.is_(None))).scalar()
    staff = {"me": "agent", "group_0": "Agent", "group_1": None}
    plan = _plan(fd, ("instance_id", "active"), 2, {**staff, "instance_id": mine.instance_id})
    assert "ix_human_tasks_instance_id" in plan and "ix_tasks_open_" not in plan, plan
    page = task_list.list_tasks(fd, AGENT, instance_id=mine.instance_id)
    assert ([row["id"] for row in page.rows], page.total) == ([mine.id], 1)
    page = task_list.list_tasks(fd, AGENT, instance_id=hidden)
    assert (page.rows, page.total) == ([], 0)
    assert task_list.list_tasks(fd, ADMIN, instance_id=hidden).total == 1
