"""``services.every.AtMostEvery`` with either kind of clock the ticker gives it."""
from datetime import datetime, timedelta, timezone

from services.every import AtMostEvery


def test_due_at_most_once_a_period_on_a_wall_clock() -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    every = AtMostEvery(timedelta(minutes=5))
    assert every.due(start)  # the first call always
    assert not every.due(start + timedelta(minutes=4, seconds=59))
    assert every.due(start + timedelta(minutes=5))
    assert every.last == start + timedelta(minutes=5)
    assert not every.due(start + timedelta(minutes=9))


def test_due_on_monotonic_seconds() -> None:
    every = AtMostEvery(1.0)
    assert [every.due(t) for t in (100.0, 100.4, 100.99, 101.0, 101.5, 102.2)] == [
        True, False, False, True, False, True]
