"""Re-timing armed clocks after a policy or calendar change, planned apart from written.

``plan`` computes, for every live clock a change touches, its state and evaluation before
and after: it reads but never writes. ``apply`` writes a plan (``clocks.store``, then each
touched task shows its most urgent clock). The admin's what-if (``services.sla.what_if``)
summarises the very same plan without applying it, so a preview cannot drift from what a
save does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import sla
from services.sla.book import SlaBook
from services.sla.clocks import clocks, store, sync_task
from store.uow import UnitOfWork

Change = Callable[[Any, sla.ClockState], sla.ClockState]


@dataclass(frozen=True)
class Retimed:
    """One live clock a change alters: its row, and its view at ``now`` before and after."""

    row: Any
    state: sla.ClockState
    policy: sla.SlaPolicy
    calendar: sla.Calendar
    before: sla.ClockView
    after: sla.ClockView


@dataclass(frozen=True)
class Overrides:
    """What the change will have written by the time the clocks are stored: a policy (by
    id) and a calendar (by name) that the database does not hold yet during a preview."""

    policy: tuple[int, sla.SlaPolicy] | None = None
    calendar: tuple[str, sla.Calendar] | None = None


def plan(conn: UnitOfWork, book: SlaBook, now: datetime, change: Change,
         overrides: Overrides = Overrides()) -> list[Retimed]:
    """Every live clock that ``change(row, state) -> state`` alters, before and after."""
    def policy_of(row: Any) -> sla.SlaPolicy:
        if overrides.policy and overrides.policy[0] == row["policy_id"]:
            return overrides.policy[1]
        return book.policy_by_id(conn, row["policy_id"])

    def calendar_of(state: sla.ClockState) -> sla.Calendar:
        kept = book.kept(state)
        if kept is not None:
            return kept
        if overrides.calendar and overrides.calendar[0] == state.calendar:
            return overrides.calendar[1]
        return book.calendar_named(conn, state.calendar)

    out = []
    for row in conn.execute(select(clocks).where(clocks.c.status != "stopped")).mappings().all():
        state = sla.ClockState.from_dict(row["clock"])
        new = change(row, state)
        if new == state:
            continue
        old_view = sla.evaluate(state, book.policy_by_id(conn, row["policy_id"]),
                                book.calendar_of(conn, state), now)
        policy, calendar = policy_of(row), calendar_of(new)
        out.append(Retimed(row, new, policy, calendar, old_view,
                           sla.evaluate(new, policy, calendar, now)))
    return out


def apply(conn: UnitOfWork, now: datetime, planned: list[Retimed]) -> int:
    """Store every planned clock and refresh its task; returns how many clocks changed."""
    touched = set()
    for item in planned:
        store(conn, item.row, item.state, item.policy, item.calendar, now)
        if item.row["task_id"] is not None:
            touched.add(item.row["task_id"])
    for task_id in touched:
        sync_task(conn, task_id)
    return len(planned)


def policy_change(conn: UnitOfWork, book: SlaBook, policy_id: int, policy: sla.SlaPolicy,
                  now: datetime) -> Change:
    """The new duration and calendar of a policy, for the clocks armed under it (elapsed
    business time is kept, moved into the new calendar's terms)."""
    def change(row: Any, state: sla.ClockState) -> sla.ClockState:
        if row["policy_id"] != policy_id:
            return state
        new = state
        if state.calendar != policy.calendar:
            new = sla.rebase(new, now, book.calendar_of(conn, state),
                             book.calendar_named(conn, policy.calendar),
                             calendar_name=policy.calendar)
        if state.duration != policy.duration:
            new = sla.change_duration(new, policy.duration)
        return new
    return change


def calendar_change(book: SlaBook, name: str, old: sla.Calendar, new: sla.Calendar,
                    now: datetime) -> Change:
    """New hours of a calendar, for the clocks counting in it (time used so far in the hours
    each counted it in: the old ones, or those it kept from an earlier change)."""
    return lambda row, state: (sla.rebase(state, now, book.kept(state) or old, new)
                               if state.calendar == name else state)


def calendar_kept(name: str, old_config: dict) -> Change:
    """New hours of a calendar for new clocks only: the running clocks counting in it keep the
    old hours, and so their due times, until their next pause or resume."""
    return lambda row, state: (sla.keep_calendar(state, old_config)
                               if state.calendar == name else state)
