"""SLA clocks as pure decisions: policies and armed clocks are data, time is passed in.

The API stores policies and clock states as JSON and schedules whatever ``next_event`` says;
everything that decides *when* something is due lives here, so it is testable without a
database, a scheduler or the wall clock. Business time comes from any ``Calendar``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import EllipsisType
from typing import Any, NamedTuple, Protocol

from .errors import EngineError
from .sla_policy import (ACTIONS, CLOCKS, TARGETS, ZERO, EscalationLevel, SlaPolicy,
                         SlaPolicyInvalid, SlaWarning, format_duration, parse_duration)

__all__ = ["ACTIONS", "CLOCKS", "TARGETS", "Calendar", "ClockEvent", "ClockState",
           "EscalationLevel", "SlaPolicy", "SlaPolicyInvalid", "SlaWarning", "WallClock",
           "ClockView", "change_duration", "due_at", "elapsed", "evaluate", "format_duration",
           "hold", "keep_calendar", "mark_fired", "pause_reasons",
           "next_event", "parse_duration", "pause", "rebase", "resume", "sla_status",
           "start_clock", "stop"]


class Calendar(Protocol):
    """What SLA math needs from a business calendar (engine.calendars satisfies it structurally).

    ``add`` and ``next_open`` raise an ``EngineError`` when no such instant lies within the
    calendar's horizon (it never opens again, or the duration outlasts years of open time).
    """

    def add(self, start: datetime, duration: timedelta) -> datetime: ...
    def between(self, a: datetime, b: datetime) -> timedelta: ...
    def next_open(self, t: datetime) -> datetime: ...
    def is_open(self, t: datetime) -> bool: ...


class WallClock:
    """Plain elapsed time, always open: the calendar of policies that name none."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def between(self, a: datetime, b: datetime) -> timedelta:
        return max(b - a, ZERO)

    def next_open(self, t: datetime) -> datetime:
        return t

    def is_open(self, t: datetime) -> bool:
        return True


# --- Clock state and operations ------------------------------------------------------------------

@dataclass(frozen=True)
class ClockState:
    """One armed clock as the API stores it; ``elapsed`` is business time folded up to ``running_since``."""

    started_at: datetime
    duration: timedelta
    elapsed: timedelta = ZERO
    running_since: datetime | None = None
    paused_since: datetime | None = None
    pause_reason: str | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    status: str = "running"  # running | paused | stopped
    breached_at: datetime | None = None
    warned_at: datetime | None = None
    escalation_level: int = 0
    stopped_at: datetime | None = None
    calendar: str | None = None  # the calendar ``elapsed`` is measured in
    # The hours a running clock keeps counting in after its calendar was changed for new clocks
    # only (``apply_to: new``): it stays on its due times until its next pause, resume or re-time.
    kept_calendar: dict | None = None
    # Reasons that hold a paused clock besides ``pause_reason`` (waiting on the customer while
    # the instance is suspended): it runs again only when the last of them ends.
    also_paused_for: tuple[str, ...] = ()
    # Stopped because its task or case was withdrawn (an interrupting event, a cancel): neither
    # met nor, unless it was late already, breached.
    cancelled: bool = False

    def to_dict(self) -> dict:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()
        out: dict[str, Any] = {k: iso(getattr(self, k)) for k in _TIMES}
        out.update(duration=format_duration(self.duration), elapsed=format_duration(self.elapsed),
                   pause_reason=self.pause_reason, status=self.status, calendar=self.calendar,
                   escalation_level=self.escalation_level, pauses=[[iso(a), iso(b)] for a, b in self.pauses])
        if self.kept_calendar is not None:
            out["kept_calendar"] = self.kept_calendar
        if self.also_paused_for:
            out["also_paused_for"] = list(self.also_paused_for)
        if self.cancelled:
            out["cancelled"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ClockState:
        def dt(s: str | None) -> datetime | None:
            return None if s is None else datetime.fromisoformat(s)
        times = {k: dt(data.get(k)) for k in _TIMES}
        return cls(**times, duration=parse_duration(data["duration"]), elapsed=parse_duration(data["elapsed"]),
                   pause_reason=data.get("pause_reason"), status=data["status"], calendar=data.get("calendar"),
                   escalation_level=int(data.get("escalation_level", 0)),
                   kept_calendar=data.get("kept_calendar"),
                   also_paused_for=tuple(data.get("also_paused_for", ())),
                   cancelled=bool(data.get("cancelled", False)),
                   pauses=tuple((dt(a), dt(b)) for a, b in data.get("pauses", [])))  # type: ignore[misc]


_TIMES = ("started_at", "running_since", "paused_since", "breached_at", "warned_at", "stopped_at")


class ClockEvent(NamedTuple):
    """What to schedule next: kind is warning | breach | escalation (level 1..n); a past ``at`` means now."""

    kind: str
    at: datetime
    level: int = 0


def start_clock(policy: SlaPolicy, started_at: datetime, calendar: Calendar) -> ClockState:
    """Arm a clock at its trigger; business time only accrues while the calendar is open."""
    if started_at.tzinfo is None:
        raise ValueError("SLA times must be timezone-aware")
    return ClockState(started_at=started_at, duration=policy.duration, running_since=started_at,
                      calendar=policy.calendar)


def elapsed(state: ClockState, now: datetime, calendar: Calendar) -> timedelta:
    """Business time consumed so far, pauses excluded."""
    since = state.running_since
    if state.status != "running" or since is None or now <= since:
        return state.elapsed
    return state.elapsed + calendar.between(since, now)


def _at_elapsed(state: ClockState, calendar: Calendar, target: timedelta) -> datetime | None:
    """When a running clock reaches ``target`` business time; ``running_since`` if already past;
    None when paused, stopped, or when its calendar has no open time left to reach it."""
    if state.status != "running" or state.running_since is None:
        return None
    rest = target - state.elapsed
    if rest <= ZERO:
        return state.running_since
    try:
        return calendar.add(state.running_since, rest)
    except EngineError:  # the calendar has no open time left for it: the target is never reached
        return None


def _next_open(calendar: Calendar, at: datetime) -> datetime:
    """The calendar's next opening from ``at``; ``at`` itself if it never opens again (the
    breach, later still, is then never reached either, so this cannot come due early)."""
    try:
        return calendar.next_open(at)
    except EngineError:
        return at


def due_at(state: ClockState, calendar: Calendar) -> datetime | None:
    """The breach instant of a running clock (None while paused or stopped); reaching it is a breach."""
    return _at_elapsed(state, calendar, state.duration)


def pause(state: ClockState, now: datetime, calendar: Calendar, reason: str) -> ClockState:
    """Fold business time into ``elapsed`` and open a pause interval; no-op unless running."""
    if state.status != "running":
        return state
    return replace(state, elapsed=elapsed(state, now, calendar), running_since=None, paused_since=now,
                   pause_reason=reason, status="paused", pauses=state.pauses + ((now, None),),
                   kept_calendar=None)


def _close_pause(state: ClockState, now: datetime) -> tuple[tuple[datetime, datetime | None], ...]:
    if state.status != "paused" or not state.pauses:
        return state.pauses
    return state.pauses[:-1] + ((state.pauses[-1][0], now),)


def resume(state: ClockState, now: datetime, calendar: Calendar) -> ClockState:
    """Run again from ``now``; the due time moves by exactly the business time spent paused."""
    if state.status != "paused":
        return state
    return replace(state, running_since=now, paused_since=None, pause_reason=None, status="running",
                   pauses=_close_pause(state, now), kept_calendar=None, also_paused_for=())


def pause_reasons(state: ClockState) -> tuple[str, ...]:
    """Every reason holding a paused clock (none for a running or stopped one)."""
    if state.status != "paused" or state.pause_reason is None:
        return ()
    return (state.pause_reason, *state.also_paused_for)


def hold(state: ClockState, now: datetime, calendar: Calendar,
         reasons: tuple[str, ...]) -> ClockState:
    """Paused while any of ``reasons`` holds, running when none does: independent reasons
    (waiting on the customer, a suspended instance) end one by one without ending the others."""
    reasons = tuple(dict.fromkeys(reasons))
    if state.status == "stopped" or reasons == pause_reasons(state):
        return state
    if not reasons:
        return resume(state, now, calendar)
    if state.status == "running":
        state = pause(state, now, calendar, reasons[0])
    return replace(state, pause_reason=reasons[0], also_paused_for=reasons[1:])


def stop(state: ClockState, now: datetime, calendar: Calendar,
         cancelled: bool = False) -> ClockState:
    """Freeze the clock (claimed / completed / ended); a late stop records ``breached_at`` for reports.

    That is the due time, or the pause start for a clock paused after its deadline (the exact
    instant was folded away); ``sla_status`` is then "breached", otherwise "met", or
    "cancelled" when ``cancelled`` (the work was withdrawn, not done).
    """
    if state.status == "stopped":
        return state
    spent = elapsed(state, now, calendar)
    breached_at = state.breached_at
    if breached_at is None and spent >= state.duration:
        breached_at = due_at(state, calendar) if state.status == "running" else state.paused_since
    return replace(state, elapsed=spent, running_since=None, paused_since=None, pause_reason=None,
                   also_paused_for=(), status="stopped", stopped_at=now, breached_at=breached_at,
                   pauses=_close_pause(state, now), cancelled=cancelled)


def change_duration(state: ClockState, new_duration: timedelta) -> ClockState:
    """Apply an admin's new duration to an armed clock; elapsed time is kept, so it may now be overdue."""
    if new_duration <= ZERO:
        raise ValueError("an SLA duration must be longer than zero")
    return replace(state, duration=new_duration)


def rebase(state: ClockState, now: datetime, old_calendar: Calendar, new_calendar: Calendar,
           calendar_name: str | None | EllipsisType = ...) -> ClockState:
    """Switch calendars mid-flight: time up to ``now`` counts in the old one, the rest in the new one.

    ``new_calendar`` is not consulted here: after the fold every later computation is given it.
    ``calendar_name`` (default ``...``: unchanged) records the new calendar's name in the state.
    ``old_calendar`` is the one the clock counts in (its kept hours, if any, which it leaves).
    """
    if state.status == "stopped":
        return state
    if state.status == "running" and state.running_since is not None:
        state = replace(state, elapsed=elapsed(state, now, old_calendar),
                        running_since=max(now, state.running_since), kept_calendar=None)
    return state if calendar_name is ... else replace(state, calendar=calendar_name)


def keep_calendar(state: ClockState, config: dict) -> ClockState:
    """Its calendar changes for new clocks only: a running clock keeps counting in the hours
    ``config`` describes (and so keeps its due times) until its next pause or resume; one that
    keeps older hours already, or is not running, is left as it is."""
    if state.status != "running" or state.kept_calendar is not None:
        return state
    return replace(state, kept_calendar=config)


def _warning_at(state: ClockState, policy: SlaPolicy, calendar: Calendar) -> datetime | None:
    w = policy.warning
    if w is None:
        return None
    target = state.duration * w.percent / 100 if w.percent is not None else state.duration - (w.before or ZERO)
    return _at_elapsed(state, calendar, target)


def sla_status(state: ClockState, policy: SlaPolicy, now: datetime, calendar: Calendar) -> str:
    """ok | at_risk | paused | breached while armed; met | breached | cancelled once stopped.
    Breached is sticky: a clock late before its work was withdrawn stays breached."""
    if state.status == "stopped":
        return "breached" if state.breached_at else "cancelled" if state.cancelled else "met"
    if state.breached_at or elapsed(state, now, calendar) >= state.duration:
        return "breached"
    if state.status == "paused":
        return "paused"
    warn = _warning_at(state, policy, calendar)
    return "at_risk" if state.warned_at or (warn is not None and now >= warn) else "ok"


def next_event(state: ClockState, policy: SlaPolicy, calendar: Calendar) -> ClockEvent | None:
    """The one thing to schedule for this clock: warning, then breach, then escalation levels in order."""
    return _next_event(state, policy, calendar, due_at(state, calendar))


def _next_event(state: ClockState, policy: SlaPolicy, calendar: Calendar,
                due: datetime | None) -> ClockEvent | None:
    if due is None:
        return None
    if policy.warning and state.warned_at is None and state.breached_at is None:
        at = _warning_at(state, policy, calendar)
        if at is not None and at < due:
            return ClockEvent("warning", _next_open(calendar, at) if policy.warn_in_business_hours
                              else at)
    if state.breached_at is None:
        return ClockEvent("breach", due)
    n = state.escalation_level
    if n >= len(policy.escalations):
        return None
    at = _at_elapsed(state, calendar, state.duration + policy.escalations[n].after)
    return None if at is None else ClockEvent("escalation", at, n + 1)


class ClockView(NamedTuple):
    """What the host stores of a clock at one instant, from one evaluation."""

    status: str  # running | paused | stopped
    sla_state: str  # ok | at_risk | paused | breached | met
    due_at: datetime | None  # the breach instant while running
    next_event: ClockEvent | None  # what to schedule; None unless running and something is left


def evaluate(state: ClockState, policy: SlaPolicy, calendar: Calendar,
             now: datetime) -> ClockView:
    """Everything about a clock the host writes, computed once: its SLA state at ``now``, its
    due time and the next event to schedule (only a running clock has one)."""
    due = due_at(state, calendar)
    event = _next_event(state, policy, calendar, due) if state.status == "running" else None
    return ClockView(state.status, sla_status(state, policy, now, calendar), due, event)


def mark_fired(state: ClockState, event: ClockEvent, now: datetime) -> ClockState:
    """Record a delivered event; idempotent, so an at-least-once scheduler may repeat it.

    ``warned_at`` is when the warning went out (``now``); ``breached_at`` is when the deadline passed
    (``event.at``), which a late scheduler may notice after the fact.
    """
    if event.kind == "warning":
        return replace(state, warned_at=state.warned_at or now)
    if event.kind == "breach":
        return replace(state, breached_at=state.breached_at or event.at)
    if event.kind == "escalation":
        return replace(state, escalation_level=max(state.escalation_level, event.level))
    raise ValueError(f"unknown SLA event kind {event.kind!r}")
