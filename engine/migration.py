"""Move a running workflow to another version of its process (issue 17), on SpiffWorkflow's
``bpmn.util.diff`` with an explicit, editable element mapping.

SpiffWorkflow aligns two specs by element id and, failing that, by the shape of the flow around
an element (``SpecDiff``); Flowdesk proposes that alignment as the mapping, lets an admin edit it
(source id -> target id, or None for "no target") and then applies exactly that mapping:
every task of a mapped element gets the target's spec (a rename keeps the task and its guid, so
its task row, assignee and SLA clocks stay), and ``migrate_workflow`` resets what was waiting
(READY/WAITING) so it is predicted again on the new model: waiting timers are armed again from
the moment of the migration. Engine-internal specs (``Start``, ``End``, ``<process>.EndJoin``
and ``<element>.<Suffix>`` helpers) follow their element.

A task that is still live in an element without a target cannot be moved safely: ``plan_for``
reports it, and ``migrate`` refuses the instance (``MigrationRefused``), changing nothing.
Pure: no database, no Flask.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .element_names import element_name
from .parsing import ParsedDefinition
from .task_tree import all_tasks

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
Mapping = dict[str, str | None]


class MigrationRefused(Exception):
    """The instance cannot move with this mapping; ``problems`` say why (codes and elements)."""

    def __init__(self, problems: list[dict]) -> None:
        super().__init__("; ".join(f"{p['code']}: {p.get('element')}" for p in problems))
        self.problems = problems


@dataclass
class Element:
    """One BPMN element of a version, as the mapping editor lists it."""
    id: str
    name: str
    kind: str
    events: tuple[str, ...] = ()  # its own timer/event definition and boundary events


@dataclass
class SpecComparison:
    """What the engine proposes for a source/target pair: the mapping, and the differences an
    admin must look at before running it."""
    source: list[Element]
    target: list[Element]
    mapping: Mapping
    event_changes: list[dict] = field(default_factory=list)


def elements(definition: ParsedDefinition) -> list[Element]:
    """The BPMN elements of a version's top process (engine-internal specs left out)."""
    found = []
    for spec in definition.spec.task_specs.values():
        if spec.bpmn_id is None or spec.bpmn_id != spec.name:
            continue
        found.append(Element(spec.bpmn_id, element_name(spec) or "", type(spec).__name__,
                             _events_of(definition, spec)))
    return sorted(found, key=lambda e: e.id)


def _events_of(definition: ParsedDefinition, spec: Any) -> tuple[str, ...]:
    """A description of the events on an element: its own event definition (a timer, a
    message…) and those of the boundary events attached to it, so versions can be compared."""
    described = []
    event = getattr(spec, "event_definition", None)
    if event is not None:
        described.append(_describe_event(event))
    split = f"{spec.name}.BoundaryEventSplit"
    for other in definition.spec.task_specs.values():
        boundary_event = getattr(other, "event_definition", None)
        if boundary_event is not None and any(i.name == split for i in other.inputs):
            described.append(f"boundary {other.bpmn_id}: {_describe_event(boundary_event)}")
    return tuple(sorted(described))


def _describe_event(event: Any) -> str:
    """Kind, name and expression of an event definition; a multiple one (an event-based
    gateway holds the timers and messages of the catch events after it, which are left with
    none of their own) lists each of its definitions, so a changed timer there shows."""
    expression = getattr(event, "expression", None)
    name = getattr(event, "name", None)
    parts = [type(event).__name__.replace("EventDefinition", "")]
    if name:
        parts.append(str(name))
    if expression:
        parts.append(str(expression))
    inner = getattr(event, "event_definitions", None)
    if inner:
        parts.append("[" + "; ".join(sorted(_describe_event(e) for e in inner)) + "]")
    return " ".join(parts)


def compare(registry: Any, source: ParsedDefinition, target: ParsedDefinition,
            edits: Mapping | None = None) -> SpecComparison:
    """SpiffWorkflow's alignment as the proposed mapping, with the admin's ``edits`` on top
    (an edit naming an element the target lacks is kept: ``problems`` reports it)."""
    diff = SpecDiff(registry, source.spec, target.spec)
    proposed: Mapping = {}
    for spec, aligned in diff.alignment.items():
        if spec.bpmn_id is not None and spec.bpmn_id == spec.name:
            proposed[spec.bpmn_id] = aligned.bpmn_id if aligned is not None else None
    source_elements, target_elements = elements(source), elements(target)
    for element in source_elements:
        proposed.setdefault(element.id, element.id if element.id in target.spec.task_specs
                            else None)
    for source_id, target_id in (edits or {}).items():
        if source_id in proposed:
            proposed[source_id] = target_id or None
    events_of = {e.id: e.events for e in target_elements}
    changes = [{"element": e.id, "target": proposed[e.id], "before": list(e.events),
                "after": list(events_of.get(proposed[e.id], ()))}
               for e in source_elements
               if proposed.get(e.id) and e.events != events_of.get(proposed[e.id], ())]
    return SpecComparison(source_elements, target_elements, dict(sorted(proposed.items())),
                          changes)


def problems(comparison: SpecComparison, active: dict[str, int] | None = None) -> list[dict]:
    """What stands in the way: mapping entries to elements the target lacks, source elements
    without a target (a warning while no live token is there), live tokens in them (per element,
    with how many instances), and timers or boundary events that differ."""
    targets = {e.id for e in comparison.target}
    found: list[dict] = []
    for source_id, target_id in comparison.mapping.items():
        if target_id is not None and target_id not in targets:
            found.append({"code": "unknown_target", "element": source_id, "target": target_id,
                          "severity": "error"})
        elif target_id is None:
            count = (active or {}).get(source_id, 0)
            found.append({"code": "active_unmapped" if count else "unmapped",
                          "element": source_id, "instances": count,
                          "severity": "error" if count else "warning"})
    for change in comparison.event_changes:
        found.append({"code": "events_changed", "element": change["element"],
                      "target": change["target"], "before": change["before"],
                      "after": change["after"], "severity": "warning"})
    return found


def active_elements(wf: BpmnWorkflow) -> list[str]:
    """The element ids where the instance has a live token (its whole tree)."""
    return sorted({task.task_spec.bpmn_id for task in all_tasks(wf)
                   if task.state & LIVE and task.task_spec.bpmn_id is not None})


def active_elements_saved(definition: ParsedDefinition, state: str,
                          version: str) -> list[str] | None:
    """``active_elements`` read from a saved state's JSON without rebuilding the workflow: a
    plan over thousands of instances reads each one's live tokens in a fraction of the time.
    None when the state is not one this reading knows (another serializer ``version``, a spec
    it cannot name): the caller then loads the workflow."""
    try:
        saved = json.loads(state) if isinstance(state, str) else state
        if saved.get("serializer_version") != version:
            return None
        found = _live_ids(saved["tasks"], definition.spec.task_specs)
        for sub in saved.get("subprocesses", {}).values():
            found |= _live_ids(sub["tasks"], definition.subprocess_specs[sub["spec"]].task_specs)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return sorted(found)


def _live_ids(tasks: dict, specs: dict) -> set[str]:
    """The element ids of the live tasks among serialized ``tasks`` (KeyError: unknown spec)."""
    found = set()
    for task in tasks.values():
        if task["state"] & LIVE:
            bpmn_id = specs[task["task_spec"]].bpmn_id
            if bpmn_id is not None:
                found.add(bpmn_id)
    return found


def _target_spec(spec: Any, mapping: Mapping, target: ParsedDefinition) -> Any | None:
    """The target's spec for a source spec under the mapping: an element by the mapping, an
    engine helper (``Start``, ``End``, ``<id>.Suffix``) by name, after its element."""
    specs = target.spec.task_specs
    if spec.bpmn_id is not None and spec.bpmn_id == spec.name:
        mapped = mapping.get(spec.bpmn_id)
        return specs.get(mapped) if mapped else None
    if spec.name in specs:
        return specs[spec.name]
    head, dot, tail = spec.name.partition(".")
    if dot and mapping.get(head):
        return specs.get(f"{mapping[head]}.{tail}")
    return None


def migrate(wf: BpmnWorkflow, source: ParsedDefinition, target: ParsedDefinition,
            mapping: Mapping) -> list[str]:
    """Move ``wf`` to ``target`` under ``mapping``; returns the ids of the live elements it
    moved. Raises MigrationRefused (the workflow untouched) for a live token in an element
    without a target, or a live subprocess (call activities and embedded subprocesses keep
    their own specs; moving them is not supported yet)."""
    live = [t for t in wf.get_tasks(state=LIVE, skip_subprocesses=True)]
    refused = [{"code": "active_unmapped", "element": t.task_spec.bpmn_id or t.task_spec.name}
               for t in live if _target_spec(t.task_spec, mapping, target) is None]
    if any(sp.get_tasks(state=LIVE) for sp in wf.subprocesses.values()):
        refused.append({"code": "subprocess_active", "element": None})
    if refused:
        raise MigrationRefused(refused)
    diff = WorkflowDiff.__new__(WorkflowDiff)
    diff.removed, diff.changed, diff.alignment = [], [], {}
    for task in wf.get_tasks(skip_subprocesses=True):
        aligned = _target_spec(task.task_spec, mapping, target)
        if aligned is None:
            # A finished task of an element the target lacks is history only; it must still
            # name a spec of the new model to be stored, so it takes the neutral start spec
            # and keeps the element it was in its internal data.
            task.internal_data["migrated_from"] = task.task_spec.name
            aligned = target.spec.start
        diff.alignment[task] = aligned
    moved = sorted({t.task_spec.bpmn_id for t in live if t.task_spec.bpmn_id})
    migrate_workflow(diff, wf, target.spec)
    wf.subprocess_specs = target.subprocess_specs
    return moved
