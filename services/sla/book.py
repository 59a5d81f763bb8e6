"""Parsed SLA policies and business calendars, cached per application.

Asked on every new task, so policies are cached briefly per process (``POLICY_TTL_SECONDS``:
how soon other nodes see an admin's change; this node forgets at once), parsed policies by
row id and version, and calendars by name and version (a calendar row is read each time, its
parse only when its version changed).
"""
from __future__ import annotations

import json
import time

from sqlalchemy import bindparam, select

from engine import sla
from engine.calendars import BusinessCalendar
from store.tables import BusinessCalendarRow, SlaPolicyRow
from store.uow import UnitOfWork

policies = SlaPolicyRow.__table__
calendars = BusinessCalendarRow.__table__

POLICIES_OF = select(policies.c.id, policies.c.version, policies.c.config).where(
    policies.c.process_key == bindparam("process_key"), policies.c.enabled.is_(True))
POLICY = select(policies.c.version, policies.c.config).where(
    policies.c.id == bindparam("policy_id"))
CALENDAR = select(calendars.c.version, calendars.c.config).where(
    calendars.c.name == bindparam("name"))
POLICY_TTL_SECONDS = 2.0
KEPT_CACHE_SIZE = 64  # distinct kept calendars parsed (few: one per change for new clocks)


class SlaBook:
    """The policies and calendars of one database, parsed once per version."""

    def __init__(self) -> None:
        self._policies: dict[tuple[int, int], sla.SlaPolicy] = {}
        self._calendars: dict[str, tuple[int, BusinessCalendar]] = {}
        self._by_process: dict[str, tuple[float, list[tuple[int, sla.SlaPolicy]]]] = {}
        self._kept: dict[str, BusinessCalendar] = {}  # kept hours, by their JSON

    def forget_policies(self) -> None:
        """This node changed a policy: re-read them on next use (other nodes within the TTL)."""
        self._by_process.clear()

    def _parsed(self, policy_id: int, version: int, config: dict) -> sla.SlaPolicy:
        key = (policy_id, version)
        found = self._policies.get(key)
        if found is None:
            found = self._policies[key] = sla.SlaPolicy.from_dict(config)
        return found

    def policies_for(self, uow: UnitOfWork, process_key: str) -> list[tuple[int, sla.SlaPolicy]]:
        """Enabled policies of a process (id, policy)."""
        cached = self._by_process.get(process_key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found = [(row.id, self._parsed(row.id, row.version, row.config))
                 for row in uow.execute(POLICIES_OF, {"process_key": process_key})]
        self._by_process[process_key] = (time.monotonic() + POLICY_TTL_SECONDS, found)
        return found

    def policy_by_id(self, uow: UnitOfWork, policy_id: int) -> sla.SlaPolicy:
        row = uow.execute(POLICY, {"policy_id": policy_id}).one()
        return self._parsed(policy_id, row.version, row.config)

    def calendar_named(self, uow: UnitOfWork, name: str | None) -> sla.Calendar:
        """The named business calendar; no name means wall-clock time. A name that is not (or
        no longer) defined also counts wall-clock time, rather than stopping the clock."""
        if name is None:
            return sla.WallClock()
        row = uow.execute(CALENDAR, {"name": name}).first()
        if row is None:
            return sla.WallClock()
        cached = self._calendars.get(name)
        if cached is None or cached[0] != row.version:
            cached = self._calendars[name] = (row.version, BusinessCalendar.from_dict(row.config))
        return cached[1]

    def kept(self, state: sla.ClockState) -> sla.Calendar | None:
        """The hours a clock keeps after its calendar changed for new clocks only, if it does."""
        if state.kept_calendar is None:
            return None
        key = json.dumps(state.kept_calendar, sort_keys=True)
        found = self._kept.get(key)
        if found is None:
            if len(self._kept) >= KEPT_CACHE_SIZE:
                self._kept.clear()
            found = self._kept[key] = BusinessCalendar.from_dict(state.kept_calendar)
        return found

    def calendar_of(self, uow: UnitOfWork, state: sla.ClockState) -> sla.Calendar:
        """The calendar a clock counts in: the hours it kept, else its calendar's current ones."""
        return self.kept(state) or self.calendar_named(uow, state.calendar)
