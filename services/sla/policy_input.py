"""An SLA policy as admins send and read it: durations as people say them, whole or partial.

Durations may be typed as people say them (``4 小时``, ``2 个工作日``, ``4 hours``) or in ISO
8601; they are stored in ISO 8601 (``engine.durations``), a working day being the policy
calendar's. A replacement (PUT) must carry every field, so that leaving out ``warning`` or
``escalations`` cannot silently delete them; a PATCH merges top-level fields into the stored
policy (``warning`` and ``escalations`` are replaced as a whole).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine import durations, sla
from services.errors import Invalid, coded_field

FIELDS = ("process_key", "target", "target_ref", "clock", "duration", "calendar", "warning",
          "warn_in_business_hours", "escalations", "pause_when", "enabled")


def missing(config: dict) -> list[dict]:
    """The fields a replacement left out, as problem-details errors."""
    return [coded_field(f, "field.put_missing", field=f) for f in FIELDS if f not in config]


def merged(stored: dict, changes: dict) -> dict:
    """A PATCH: the stored policy with the given top-level fields replaced."""
    return {**stored, **changes}


def with_iso_durations(config: dict, workday: timedelta | None) -> tuple[dict, list[dict]]:
    """The policy with every typed duration in ISO 8601, and a problem for each unreadable one
    (the engine then reports the rest of the policy)."""
    out, errors = dict(config), []

    def iso(field: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return sla.format_duration(typed_duration(value, workday, field, "json"))
        except Invalid as exc:
            errors.extend(exc.errors)
            return value

    if "duration" in out:
        out["duration"] = iso("duration", out["duration"])
    warning = out.get("warning")
    if isinstance(warning, dict) and "before" in warning:
        out["warning"] = {**warning, "before": iso("warning.before", warning["before"])}
    levels = out.get("escalations")
    if isinstance(levels, list):
        out["escalations"] = [
            {**lv, "after": iso(f"escalations[{i}].after", lv["after"])}
            if isinstance(lv, dict) and "after" in lv else lv for i, lv in enumerate(levels)]
    return out, errors


LONGEST = timedelta(days=366)  # an SLA of business time longer than a year is a typo


def typed_duration(text: str, workday: timedelta | None, field: str, location: str,
                   longest: timedelta = LONGEST) -> timedelta:
    """A duration as people type it, or ``Invalid`` naming ``field`` in the reader's language:
    unreadable, working days without a calendar, or longer than ``longest`` (business time is
    counted day by day, so a typo like ``P99999D`` would keep the server walking calendars)."""
    try:
        duration = durations.parse(text, workday)
    except durations.DurationInvalid as exc:
        raise Invalid.of("sla.duration_invalid", [coded_field(
            field, f"field.duration_{exc.code}", location, text=str(text))],
            field=field) from None
    if duration > longest:
        raise Invalid.of("sla.duration_invalid", [coded_field(
            field, "field.at_most_days", location, days=longest.days)], field=field)
    return duration


def shown(config: dict, workday: timedelta | None) -> dict:
    """The stored policy's durations as people say them, in Chinese and English."""
    def say(value: Any, lang: str) -> str | None:
        try:
            return durations.describe(value, lang, workday) if isinstance(value, str) else None
        except ValueError:
            return value

    warning = config.get("warning") or {}
    return {lang: {"duration": say(config.get("duration"), lang),
                   "warning_before": say(warning.get("before"), lang),
                   "escalations": [say(lv.get("after"), lang)
                                   for lv in config.get("escalations") or []]}
            for lang in ("zh", "en")}
