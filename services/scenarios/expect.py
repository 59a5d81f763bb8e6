"""Checking a scenario's ``expect`` against where the run stands; each difference is a
``Mismatch`` (what, expected, got) the report prints as a diff.

Variables match as a subset (the case has many more); tasks, SLA clocks and the path match
exactly on the fields the scenario names; times are compared as instants and shown in the
scenario's time zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from services.scenarios.session import ScenarioState

KEYS = ("status", "tasks", "variables", "path", "sla", "end", "incident", "external_tasks",
        "now")
# A task's fields as the scenario names them -> the column.
TASK_FIELDS = {"element": "bpmn_id", "name": "name", "group": "candidate_group",
               "assignee": "assignee", "due": "due_at", "sla": "sla_state",
               "priority": "priority", "escalation_group": "escalation_group"}
SLA_FIELDS = {"element": "element", "policy": "policy", "state": "sla_state", "due": "due_at",
              "status": "status", "kind": "kind", "level": "escalation_level"}


MISSING = "(missing)"


@dataclass(frozen=True)
class Mismatch:
    what: str
    expected: Any
    got: Any
    where: str = ""  # the element at fault, when it can be told (services.scenarios.hints)


def compare(expected: dict[str, Any], state: ScenarioState, zone: ZoneInfo) -> list[Mismatch]:
    unknown = sorted(set(expected) - set(KEYS))
    out = [Mismatch(f"expect.{k}", "one of " + ", ".join(KEYS), "unknown key") for k in unknown]
    if "status" in expected and expected["status"] != state.status:
        out.append(Mismatch("status", expected["status"], state.status))
    if "now" in expected and not _same_time(expected["now"], state.now, zone):
        out.append(Mismatch("now", expected["now"], _show(state.now, zone)))
    if "variables" in expected:
        out += _subset("variables", expected["variables"] or {}, state.variables)
    if "path" in expected and list(expected["path"] or []) != state.path:
        out.append(Mismatch("path", list(expected["path"] or []), state.path))
    if "end" in expected:
        want = expected["end"]
        want = [] if want is None else [want] if isinstance(want, str) else list(want)
        if want != state.ends:
            out.append(Mismatch("end events reached", want, state.ends))
    if "tasks" in expected:
        out += _rows("open tasks", expected["tasks"] or [], state.tasks, TASK_FIELDS, zone)
    if "sla" in expected:
        out += _rows("SLA clocks", expected["sla"] or [], state.sla, SLA_FIELDS, zone)
    if "external_tasks" in expected:
        want = sorted(expected["external_tasks"] or [])
        got = sorted(t["bpmn_id"] for t in state.external_tasks)
        if want != got:
            out.append(Mismatch("open external tasks", want, got))
    if "incident" in expected:
        out += _incident(expected["incident"], state.incidents)
    return out


def _subset(where: str, want: Any, got: Any) -> list[Mismatch]:
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for key, value in want.items():
            if key not in got:
                out.append(Mismatch(f"{where}.{key}", value, MISSING))
            else:
                out += _subset(f"{where}.{key}", value, got[key])
        return out
    return [] if _equal(want, got) else [Mismatch(where, want, got)]


def _equal(want: Any, got: Any) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)) \
            and not isinstance(want, bool) and not isinstance(got, bool):
        return float(want) == float(got)
    return bool(want == got)


def _rows(what: str, want: list[dict], got: list[dict], fields: dict[str, str],
          zone: ZoneInfo) -> list[Mismatch]:
    """Every expected row matches one row (on the fields it names), and no row is left over."""
    left = list(got)
    missing = []
    for row in want:
        match = next((g for g in left if _row_matches(row, g, fields, zone)), None)
        if match is None:
            missing.append(row)
        else:
            left.remove(match)
    if not missing and not left:
        return []
    names = sorted({k for row in want for k in row if k in fields}) or ["element"]
    return [Mismatch(what, want, [_project(g, names, fields, zone) for g in got])]


def _row_matches(want: dict, got: dict, fields: dict[str, str], zone: ZoneInfo) -> bool:
    for key, value in want.items():
        column = fields.get(key)
        if column is None:
            return False
        actual = got.get(column)
        if isinstance(actual, datetime) or key == "due":
            if not _same_time(value, actual, zone):
                return False
        elif not _equal(value, actual):
            return False
    return True


def _project(row: dict, names: list[str], fields: dict[str, str], zone: ZoneInfo) -> dict:
    return {n: _show(row.get(fields[n]), zone) for n in names if n in fields}


def _same_time(want: Any, got: Any, zone: ZoneInfo) -> bool:
    if want is None or got is None:
        return want is None and got is None
    moment = want if isinstance(want, datetime) else datetime.fromisoformat(str(want))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return bool(moment == got)


def _show(value: Any, zone: ZoneInfo) -> Any:
    return value.astimezone(zone).isoformat() if isinstance(value, datetime) else value


def _incident(want: Any, got: list[dict]) -> list[Mismatch]:
    shown = [{"element": i["bpmn_id"], "message": i["message"]} for i in got]
    if not want:
        return [Mismatch("incidents", "none", shown)] if got else []
    want = want if isinstance(want, dict) else {"element": want}
    for incident in got:
        if want.get("element") not in (None, incident["bpmn_id"]):
            continue
        if str(want.get("message") or "") in incident["message"]:
            return []
    return [Mismatch("incident", want, shown or "none")]
