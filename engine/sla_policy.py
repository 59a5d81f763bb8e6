"""SLA policies as data: their JSON form, validated field by field, and ISO 8601 durations."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .errors import EngineError

ZERO = timedelta(0)
TARGETS = ("task", "lane", "instance")
CLOCKS = ("first_response", "resolution", "instance_resolution")
ACTIONS: dict[str, tuple[str, ...]] = {
    "raise_priority": ("priority",), "add_candidates": ("group",), "reassign": ("user",),
    "notify": ("to", "message"), "message": ("name",), "signal": ("name",)}
_FIELDS = ("name", "process_key", "target", "target_ref", "clock", "duration", "calendar", "warning",
           "warn_in_business_hours", "escalations", "pause_when", "enabled")


@dataclass
class SlaPolicyInvalid(EngineError):
    """A policy was rejected; ``errors`` lists every bad field as {"field", "message"}."""

    errors: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)


# --- ISO-8601 durations -------------------------------------------------------------------------

_NUMBER = r"(\d+(?:[.,]\d+)?)"  # ISO 8601 allows a decimal fraction: PT1.5H, PT0,5S
_ISO = re.compile(rf"P(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?"
                  rf"(?:{_NUMBER}S)?)?")


def parse_duration(text: object) -> timedelta:
    """ISO-8601 duration with W, D, H, M, S, each with a decimal fraction if wanted (``PT1.5H``,
    as BPMN timers read them); years and months are refused because their length varies."""
    example = 'an ISO-8601 duration such as "PT4H", "P1D" or "PT30M"'
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not {example}.")
    s = text.strip().upper()
    if s.startswith("P") and any(c in s.split("T", 1)[0] for c in "YM"):
        raise ValueError(f"{text!r} uses years or months, whose length varies; use weeks (W) or days (D).")
    m = _ISO.fullmatch(s)
    if m is None or s == "P":
        raise ValueError(f"{text!r} is not {example}.")
    w, d, h, mi, sec = (float((g or "0").replace(",", ".")) for g in m.groups())
    try:
        return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=sec)
    except OverflowError:
        raise ValueError(f"{text!r} is longer than any duration.") from None


def format_duration(td: timedelta) -> str:
    """Canonical ISO-8601 form (days, never weeks) so stored JSON round-trips exactly."""
    if td < ZERO:
        raise ValueError("negative durations have no ISO-8601 form")
    h, rest = divmod(td.seconds, 3600)
    m, s = divmod(rest, 60)
    sec = f"{s}.{td.microseconds:06d}".rstrip("0") if td.microseconds else (str(s) if s else "")
    time = (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{sec}S" if sec else "")
    out = (f"{td.days}D" if td.days else "") + (f"T{time}" if time else "")
    return f"P{out}" if out else "PT0S"


# --- Policy -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlaWarning:
    """Warn at ``percent`` of the duration, or ``before`` the due time (exactly one is set)."""

    percent: float | None = None
    before: timedelta | None = None


@dataclass(frozen=True)
class EscalationLevel:
    """Actions applied once the clock is ``after`` past its due time (in the policy's time basis)."""

    after: timedelta
    actions: tuple[dict, ...]


@dataclass(frozen=True)
class SlaPolicy:
    """One SLA rule for a process: which clock, how long, in which calendar, and what happens.

    Build from JSON with ``from_dict``, which validates; direct construction trusts its caller.
    """

    name: str
    process_key: str
    target: str
    target_ref: str | None
    clock: str
    duration: timedelta
    calendar: str | None = None
    warning: SlaWarning | None = None
    warn_in_business_hours: bool = False
    escalations: tuple[EscalationLevel, ...] = ()
    pause_when: tuple[str, ...] = ()
    enabled: bool = True

    @classmethod
    def from_dict(cls, data: Any) -> SlaPolicy:
        """Parse the stored/submitted JSON form, reporting every bad field at once."""
        if not isinstance(data, dict):
            raise SlaPolicyInvalid([{"field": "(policy)", "code": "sla_policy.not_object",
                                     "message": "An SLA policy must be a JSON object."}])
        values, errors = _parse_policy(data)
        if errors:
            raise SlaPolicyInvalid(errors)
        return cls(**values)

    def to_dict(self) -> dict:
        """The JSON form ``from_dict`` accepts, with durations in canonical ISO-8601."""
        w = self.warning
        warning = None if w is None else (
            {"percent": w.percent} if w.percent is not None else {"before": format_duration(w.before or ZERO)})
        return {"name": self.name, "process_key": self.process_key, "target": self.target,
                "target_ref": self.target_ref, "clock": self.clock, "duration": format_duration(self.duration),
                "calendar": self.calendar, "warning": warning, "warn_in_business_hours": self.warn_in_business_hours,
                "escalations": [{"after": format_duration(lv.after), "actions": [dict(a) for a in lv.actions]}
                                for lv in self.escalations],
                "pause_when": list(self.pause_when), "enabled": self.enabled}


def _parse_policy(data: dict) -> tuple[dict[str, Any], list[dict]]:
    """One pass over the JSON: typed values plus, for each bad field, a code (its words in
    ``services.error_texts``, in the reader's language) and an English sentence."""
    errors: list[dict] = []

    def err(f: str, code: str, message: str, **params: Any) -> None:
        errors.append({"field": f, "code": f"sla_policy.{code}", "message": message,
                       **({"params": params} if params else {})})

    def text(f: str, val: object, code: str = "text", what: str = "a non-empty string") -> Any:
        if not isinstance(val, str) or not val.strip():
            err(f, code, f"{f} must be {what}.")
        return val

    def dur(f: str, raw: object, positive: bool = True) -> Any:
        try:
            td = parse_duration(raw)
        except ValueError as e:
            return err(f, "duration", f"{f}: {e}", text=str(raw))
        if positive and td <= ZERO:
            err(f, "positive", f"{f} must be longer than zero.")
        return td

    def flag(f: str, default: bool) -> Any:
        if not isinstance(data.get(f, default), bool):
            err(f, "boolean", f"{f} must be true or false.")
        return data.get(f, default)

    name, process_key = text("name", data.get("name")), text("process_key", data.get("process_key"))
    for key in data:
        if key == "duration_minutes":
            err(key, "duration_minutes",
                'duration_minutes is not supported; give "duration" in ISO-8601, e.g. "PT4H".')
        elif key not in _FIELDS:
            err(key, "unknown_field", f"{key} is not a field of an SLA policy.")
    target, ref, clock = data.get("target"), data.get("target_ref"), data.get("clock")
    if target not in TARGETS:
        err("target", "target", f"target must be one of task, lane or instance, not {target!r}.")
    elif target == "instance" and ref is not None:
        err("target_ref", "target_ref_null",
            "target_ref must be null when the target is the whole instance.")
    elif target != "instance":
        text("target_ref", ref, f"target_{target}",
             f"the {'BPMN task id' if target == 'task' else 'lane name'} to watch")
    if clock not in CLOCKS:
        err("clock", "clock", f"clock must be one of {', '.join(CLOCKS)}, not {clock!r}.",
            allowed=", ".join(CLOCKS))
    elif target in TARGETS and (clock == "instance_resolution") != (target == "instance"):
        err("clock", "instance_clock",
            "An instance target needs the instance_resolution clock, and only it may use that clock.")
    duration = None
    if "duration" not in data:
        err("duration", "duration_required", 'duration is required, as ISO-8601 such as "PT4H".')
    else:
        duration = dur("duration", data["duration"])
    calendar = data.get("calendar")
    if calendar is not None:
        text("calendar", calendar, "calendar", "a calendar name, or null for wall-clock time")
    warning, w = None, data.get("warning")
    if w is not None and (not isinstance(w, dict) or len(w) != 1 or not set(w) <= {"percent", "before"}):
        err("warning", "warning", 'warning must be either {"percent": 80} or {"before": "PT30M"}.')
    elif isinstance(w, dict) and "percent" in w:
        p = w["percent"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 100:
            err("warning.percent", "warning_percent",
                "warning.percent must be a number greater than 0 and less than 100.")
        warning = SlaWarning(percent=p)
    elif isinstance(w, dict):
        warning = SlaWarning(before=dur("warning.before", w["before"]))
        if warning.before and duration and warning.before >= duration:
            err("warning.before", "warning_before",
                "warning.before must be shorter than the duration.")
    if flag("warn_in_business_hours", False) is True and calendar is None:
        err("warn_in_business_hours", "warn_needs_calendar",
            "warn_in_business_hours needs a calendar; wall-clock time is always open.")
    pause_when = data.get("pause_when", [])
    if not isinstance(pause_when, list) or not all(isinstance(s, str) and s.strip() for s in pause_when):
        err("pause_when", "pause_when",
            'pause_when must be a list of state names such as "waiting_customer".')
    levels, previous, raw_levels = [], ZERO, data.get("escalations", [])
    if not isinstance(raw_levels, list):
        err("escalations", "escalations",
            'escalations must be a list of {"after": "PT0S", "actions": [...]}.')
        raw_levels = []
    for i, lvl in enumerate(raw_levels):
        f = f"escalations[{i}]"
        if not isinstance(lvl, dict) or set(lvl) != {"after", "actions"}:
            err(f, "level", f'{f} must be an object with exactly "after" and "actions".')
            continue
        after = dur(f"{f}.after", lvl["after"], positive=False)
        if after is not None and after < previous:
            err(f"{f}.after", "level_after", f"{f}.after must not be shorter than the previous "
                f"level's ({format_duration(previous)}).", previous=format_duration(previous))
        previous = max(previous, after or ZERO)
        actions = lvl["actions"]
        if not isinstance(actions, list) or not actions:
            err(f"{f}.actions", "actions", f"{f}.actions must be a list of at least one action.")
            actions = []
        for j, a in enumerate(actions):
            _check_action(a, f"{f}.actions[{j}]", err)
        levels.append(EscalationLevel(after, tuple(dict(a) for a in actions if isinstance(a, dict))))
    return {"name": name, "process_key": process_key, "target": target, "target_ref": ref, "clock": clock,
            "duration": duration, "calendar": calendar, "warning": warning,
            "warn_in_business_hours": data.get("warn_in_business_hours", False),
            "escalations": tuple(levels), "pause_when": tuple(pause_when) if isinstance(pause_when, list) else (),
            "enabled": flag("enabled", True)}, errors


def _check_action(a: object, f: str, err: Callable[..., None]) -> None:
    """One escalation action: a known type with exactly its own fields."""
    if not isinstance(a, dict) or a.get("type") not in ACTIONS:
        err(f"{f}.type", "action_type", f"{f}.type must be one of {', '.join(ACTIONS)}.",
            allowed=", ".join(ACTIONS))
        return
    need = ACTIONS[a["type"]]
    for k in a:
        if k != "type" and k not in need:
            err(f"{f}.{k}", "action_field", f"{f}.{k} is not a field of a {a['type']} action.",
                type=a["type"])
    for k in need:
        val = a.get(k)
        if k == "priority":
            if isinstance(val, bool) or not isinstance(val, int) or not 0 <= val <= 100:
                err(f"{f}.priority", "priority", f"{f}.priority must be a whole number from 0 to 100.")
        elif k in OPTIONAL and val is None:
            continue
        elif not isinstance(val, str) or not val.strip():
            err(f"{f}.{k}", "text", f"{f}.{k} must be a non-empty string.")


OPTIONAL = {"message"}  # a notify without one gets a standard subject
