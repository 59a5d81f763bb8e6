"""BPMN timers as the host sees them: what is armed and when, and the few edits Spiff allows.

SpiffWorkflow keeps a waiting timer's due time in the task's internal data (``event_value``:
an ISO string, or ``{cycles, next, duration}`` for a cycle) and only fires it when the host calls
``refresh_timers`` at the right moment. Everything that reads or edits that undocumented state
lives here, so the rest of Flowdesk deals in plain ``ArmedTimer`` values.

Timer start events are scheduled by Flowdesk, not by Spiff (which would wait inside one
instance and, for a cycle, run the whole path repeatedly in it): ``start_schedule`` describes
the schedule and ``next_start`` gives its next occurrence; each occurrence starts a fresh instance.

Missed periods of a cycle (the host was down, or the timer was woken late) are coalesced:
``coalesce_missed_cycles`` moves the cycle to its latest due occurrence before firing, so a
cycle fires once on wake-up, not once per missed period, and the missed periods count as elapsed.
"""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                               DurationTimerEventDefinition,
                                                               TimeDateEventDefinition,
                                                               TimerEventDefinition)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks

KINDS = {TimeDateEventDefinition: "date", DurationTimerEventDefinition: "duration",
         CycleTimerEventDefinition: "cycle"}


@dataclass(frozen=True)
class ArmedTimer:
    """A timer task waiting in an instance, with its next due instant (UTC)."""

    guid: str
    bpmn_id: str
    name: str
    kind: str  # date | duration | cycle
    due: datetime
    start_event: bool = False


def _spec_timer(task_spec: Any) -> TimerEventDefinition | None:
    """The timer of a task spec; an event-based gateway holds its branches' timer itself (its
    task keeps the due time), so the timer of a gateway's timer branch is found on the gateway."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        timers = [d for d in definition.event_definitions
                  if isinstance(d, TimerEventDefinition)]
        return timers[0] if timers else None
    return definition if isinstance(definition, TimerEventDefinition) else None


def _timer_definition(task: Any) -> TimerEventDefinition | None:
    return _spec_timer(task.task_spec)


def specs_have_timers(spec: Any, subprocess_specs: dict) -> bool:
    """Whether any task of a process (or its subprocesses) can wait on a timer: without one,
    its instances never arm a timer, so the host has no timer rows to keep in step."""
    return any(_spec_timer(task_spec) is not None
               for process in [spec, *subprocess_specs.values()]
               for task_spec in process.task_specs.values())


def _parse_instant(value: str) -> datetime:
    return TimerEventDefinition.get_datetime(value)


def armed_timers(wf: BpmnWorkflow) -> list[ArmedTimer]:
    """Every waiting timer with a known due time, in due order."""
    found = []
    for task in all_tasks(wf):
        definition = _timer_definition(task)
        if definition is None or task.state != TaskState.WAITING:
            continue
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            if value.get("cycles") == 0:
                continue
            due = datetime.fromisoformat(value["next"])
        elif isinstance(value, str):
            due = _parse_instant(value)
        else:
            continue
        spec = task.task_spec
        found.append(ArmedTimer(
            guid=str(task.id), bpmn_id=spec.bpmn_id, name=spec.bpmn_name or definition.name
            or spec.bpmn_id, kind=KINDS.get(type(definition), "date"),
            due=due.astimezone(timezone.utc),
            start_event=type(spec).__name__ == "StartEvent"))
    return sorted(found, key=lambda t: t.due)


def coalesce_missed_cycles(wf: BpmnWorkflow, now: datetime) -> int:
    """Move overdue cycles to their latest due occurrence; returns how many periods were skipped."""
    skipped = 0
    for task in all_tasks(wf):
        value = task.internal_data.get("event_value")
        if task.state != TaskState.WAITING or not isinstance(value, dict):
            continue
        period = timedelta(seconds=value["duration"])
        due = datetime.fromisoformat(value["next"])
        if period <= timedelta(0) or due + period > now:
            continue
        missed = int((now - due) / period)
        if value["cycles"] > 0:
            missed = min(missed, value["cycles"] - 1)
        value["next"] = (due + missed * period).isoformat()
        if value["cycles"] > 0:
            value["cycles"] -= missed
        skipped += missed
    return skipped


def reschedule(wf: BpmnWorkflow, task_guid: str, due: datetime) -> None:
    """Give one waiting timer a new due time (an admin's change; Spiff caches the first one)."""
    for task in all_tasks(wf):
        if str(task.id) == task_guid and _timer_definition(task) is not None:
            if task.state != TaskState.WAITING:
                break
            value = task.internal_data.get("event_value")
            if isinstance(value, dict):
                value["next"] = due.astimezone(timezone.utc).isoformat()
            else:
                task.internal_data["event_value"] = due.astimezone(timezone.utc).isoformat()
            return
    raise KeyError(f"no waiting timer {task_guid} in this instance")


FAR_FUTURE = "9999-01-01T00:00:00+00:00"


def hold_start_timers(wf: BpmnWorkflow) -> int:
    """Keep Spiff from firing timer start events by itself (a cycle anchored in the past would
    fire once per missed period as soon as the instance exists): their due time is set far
    ahead until ``fire_start_timers_now`` picks the one whose time Flowdesk decided has come."""
    held = 0
    for task in wf.tasks.values():
        definition = _timer_definition(task)
        if definition is not None and type(task.task_spec).__name__ == "StartEvent":
            task.internal_data["event_value"] = (
                {"cycles": 1, "next": FAR_FUTURE, "duration": 0}
                if isinstance(definition, CycleTimerEventDefinition) else FAR_FUTURE)
            held += 1
    return held


def fire_start_timers_now(wf: BpmnWorkflow, now: datetime, only: str | None = None) -> bool:
    """Make a waiting timer start event fire once, now: Flowdesk already decided it is time.

    ``only``: the start event whose schedule came due; a process with several timer starts
    (the 17:30 and the 22:30 handover) runs just that one, and the others are cancelled.
    Without it (a start through the API) the first timer start in the model fires."""
    fired = False
    just_before = (now - timedelta(microseconds=1)).astimezone(timezone.utc)
    starts = [t for t in wf.tasks.values() if _timer_definition(t) is not None
              and t.state == TaskState.WAITING and type(t.task_spec).__name__ == "StartEvent"]
    chosen = only or (sorted(t.task_spec.bpmn_id for t in starts) or [None])[0]
    for task in starts:
        definition = _timer_definition(task)
        if task.task_spec.bpmn_id != chosen:
            task.cancel()
            continue
        if isinstance(definition, CycleTimerEventDefinition):
            value = task.internal_data.get("event_value") or {}
            task.internal_data["event_value"] = {
                "cycles": 1, "next": just_before.isoformat(),
                "duration": value.get("duration", 0)}
        else:
            task.internal_data["event_value"] = just_before.isoformat()
        fired = True
    return fired


# -- scheduled starts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class StartSchedule:
    """When a timer start event wants new instances, from its (evaluated) ISO 8601 value."""

    bpmn_id: str
    kind: str  # date | duration | cycle
    value: str

    def next_start(self, anchor: datetime, after: datetime) -> datetime | None:
        """The first occurrence strictly after ``after``; ``anchor`` is when it was deployed.

        Missed occurrences are skipped, so a schedule fires once after downtime, not in a burst.
        """
        if self.kind == "date":
            at = _parse_instant(self.value)
            return at if at > after else None
        if self.kind == "duration":
            at = anchor + _duration_from(self.value, anchor)
            return at if at > after else None
        monthly = _monthly(self.value, anchor)
        if monthly is not None:
            return _next_monthly(*monthly, after)
        cycles, first, period = _cycle(self.value, anchor)
        if period <= timedelta(0):
            return None
        index = 0 if after < first else int((after - first) / period) + 1
        at = first + index * period
        while at <= after:  # float rounding at period boundaries
            index += 1
            at = first + index * period
        if cycles >= 0 and index >= cycles:
            return None
        return at


_MONTHS = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?")


def _monthly(value: str, anchor: datetime) -> tuple[int, datetime, int] | None:
    """``R/…/P1M``, ``R/P3M``, ``R/…/P1Y``: calendar months, not Spiff's fixed days, so a
    monthly round stays on the same day and time (the 31st becomes the last day of a short
    month). Returns (cycles, first occurrence, months per period), or None for other periods."""
    parts = value.upper().replace("--", "/").strip("R").split("/")
    if len(parts) not in (2, 3):
        return None
    match = _MONTHS.fullmatch(parts[-1])
    if match is None or not any(match.groups()):
        return None
    months = int(match.group(1) or 0) * 12 + int(match.group(2) or 0)
    cycles = int(parts[0]) if parts[0] else -1
    first = _parse_instant(parts[1]) if len(parts) == 3 else _add_months(anchor, months)
    return cycles, first, months


def _add_months(t: datetime, months: int) -> datetime:
    years, month0 = divmod(t.month - 1 + months, 12)
    year, month = t.year + years, month0 + 1
    return t.replace(year=year, month=month, day=min(t.day, monthrange(year, month)[1]))


def _next_monthly(cycles: int, first: datetime, months: int, after: datetime) -> datetime | None:
    index, at = 0, first
    while at <= after:
        index += 1
        at = _add_months(first, index * months)
    return None if cycles >= 0 and index >= cycles else at


def _duration_from(value: str, start: datetime) -> timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(value)
    return TimerEventDefinition.get_timedelta_from_start(parsed, start)


def _cycle(value: str, anchor: datetime) -> tuple[int, datetime, timedelta]:
    """Spiff's R<n>/start/period reading, but relative to ``anchor`` instead of the wall clock."""
    parts = value.upper().replace("--", "/").strip("R").split("/")
    cycles = int(parts[0]) if parts[0] else -1
    if len(parts) == 2:
        period = _duration_from(parts[1], anchor)
        return cycles, anchor + period, period
    if parts[1].startswith("P"):  # R/period/end
        end = _parse_instant(parts[2])
        parsed = TimerEventDefinition.parse_iso_duration(parts[1])
        period = TimerEventDefinition.get_timedelta_from_end(parsed, end)
        return cycles, end - period, period
    first = _parse_instant(parts[1])
    return cycles, first, _duration_from(parts[2], first)


def start_schedules(spec: Any) -> list[StartSchedule]:
    """The timer start events of a process spec, with their expressions evaluated (no data)."""
    from .scripting import SandboxEnvironment  # local: keeps import order simple
    schedules = []
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if type(task_spec).__name__ != "StartEvent" or not isinstance(definition,
                                                                       TimerEventDefinition):
            continue
        value = SandboxEnvironment().evaluate(definition.expression, {})
        if isinstance(value, datetime):
            value = value.astimezone(timezone.utc).isoformat()
        schedules.append(StartSchedule(task_spec.bpmn_id, KINDS.get(type(definition), "date"),
                                       str(value)))
    return schedules
