"""User status profiles: the legal order of a case's user status, per case type (SAP style).

A process bundle may ship ``user_status.json``::

    {"type_variable": "notification_type",      # which variable holds the case type
     "initial": {"Z1": "TZJL", "Z2": "TZJL"},   # the status a case of each type starts in
     "aliases": {"KCWB": "KCJS"},               # other spellings users send
     "transitions": {"Z1": {"TZJL": ["KCJS"], "KCJS": ["ZGPZ", "BPZ", "WCYS"], ...},
                     "Z2": {"TZJL": ["HFYY"], "HFYY": ["DDKH"], "DDKH": ["THCS"]}}}

A form that sets ``user_status`` is checked against it when the task is completed: a status
that does not follow from the current one for the case's type is refused (the API answers 409),
an alias is stored under its canonical name, and every change is appended to
``user_status_history``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import EngineError, Problem
from .problem_texts import problem

FILE = "user_status.json"


class IllegalStatus(EngineError):
    """A user status change that the profile does not allow from the current status."""


@dataclass(frozen=True)
class StatusProfile:
    type_variable: str
    initial: dict[str, str]
    transitions: dict[str, dict[str, list[str]]]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical(self, status: str) -> str:
        return self.aliases.get(status, status)

    def check(self, case_type: object, current: object, wanted: str) -> str:
        """The canonical status to store, or IllegalStatus saying what is allowed instead."""
        status = self.canonical(wanted)
        flows = self.transitions.get(str(case_type))
        if flows is None:
            raise IllegalStatus(f"'{case_type}' is not a case type with a user status profile "
                                f"({', '.join(sorted(self.transitions))}).")
        now = current if current is not None else self.initial.get(str(case_type))
        if status == now:
            return status
        allowed = flows.get(str(now), [])
        if status not in allowed:
            nexts = ", ".join(allowed) or "none (it is final)"
            raise IllegalStatus(f"A {case_type} case cannot go from user status {now} to "
                                f"{status}; next allowed: {nexts}.")
        return status


def parse_profile(name: str, data: bytes) -> tuple[StatusProfile | None, list[Problem]]:
    """Read and check a bundle's ``user_status.json``; every problem is reported."""
    def bad(key: str, **params: str) -> tuple[None, list[Problem]]:
        return None, [problem(f"invalid_user_status.{key}", None, name, **params)]
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return bad("json", detail=str(exc))
    if not isinstance(raw, dict) or not isinstance(raw.get("type_variable"), str):
        return bad("shape")
    initial, transitions = raw.get("initial"), raw.get("transitions")
    aliases = raw.get("aliases", {})
    if not isinstance(transitions, dict) or not all(
            isinstance(flows, dict) and all(isinstance(v, list) for v in flows.values())
            for flows in transitions.values()):
        return bad("transitions")
    if not isinstance(initial, dict) or set(initial) != set(transitions):
        return bad("initial")
    if not isinstance(aliases, dict):
        return bad("aliases")
    problems = []
    for case_type, flows in transitions.items():
        known = set(flows) | {s for nexts in flows.values() for s in nexts}
        if initial[case_type] not in known:
            problems.append(problem("invalid_user_status.unmentioned", None, name,
                                    type=case_type, status=initial[case_type]))
    if problems:
        return None, problems
    return StatusProfile(raw["type_variable"], dict(initial), {
        t: {s: list(n) for s, n in flows.items()} for t, flows in transitions.items()},
        dict(aliases)), []
