"""Case numbers (``services.customers.take_case_no``): on PostgreSQL taken in a transaction of
their own, so concurrent starts do not queue on the counter row; on SQLite part of the start."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from services.customers import take_case_no

NOW = datetime(2026, 1, 5, 4, tzinfo=timezone.utc)  # 12:00 in Shanghai


def test_a_start_does_not_hold_the_counter_for_the_others_on_postgresql(  # type: ignore[no-untyped-def]
        fd, database_url) -> None:
    taken: list[str] = []
    with fd.uow() as start:  # a start still running: its transaction is open
        taken.append(take_case_no(fd, start, "TS", NOW))
        if database_url.startswith("sqlite"):
            return  # one writer: the other start could not begin before this one ends
        other_done = threading.Event()

        def other_start() -> None:
            with fd.uow() as uow:
                taken.append(take_case_no(fd, uow, "TS", NOW))
            other_done.set()

        worker = threading.Thread(target=other_start, daemon=True)
        worker.start()
        # Before the first start commits; the bound is only there so a regression fails
        # instead of hanging (the other start would wait for this transaction's row lock).
        assert other_done.wait(timeout=30), "the second start waited for the first"
    assert taken == ["TS202601050001", "TS202601050002"]


def test_a_failed_start_gives_its_number_back_on_sqlite_only(fd, database_url) -> None:  # type: ignore[no-untyped-def]
    try:
        with fd.uow() as start:
            take_case_no(fd, start, "CP", NOW)
            raise RuntimeError("the start fails")
    except RuntimeError:
        pass
    with fd.uow() as start:
        again = take_case_no(fd, start, "CP", NOW)
    # SQLite: the number was part of the failed start; PostgreSQL: used, like a sequence
    expected = "CP202601050001" if database_url.startswith("sqlite") else "CP202601050002"
    assert again == expected
