"""Modify where one running instance stands: cancel an active element, start before or after
an element (Camunda's process instance modification), on a SpiffWorkflow 3.2 workflow.

SpiffWorkflow has no modification API. This module uses its task tree directly, and only where
the result stays a tree Spiff can run on: the top-level process (not inside a subprocess, call
activity or event subprocess), no multi-instance or loop element, and no gateway that joins
several flows (it counts its incoming tokens in the tree). A new token is a new task of the
target's spec, added under the parent of the token it replaces (or the last completed task),
carrying the replaced token's data; the host's step then syncs task rows, timers and
subscriptions as after any other engine call. Everything is checked before anything changes,
so a refusal leaves the workflow untouched (``ModificationRefused``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (LoopTask, MultiInstanceTask)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .element_names import element_name
from .errors import EngineError

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
OPERATIONS = ("cancel", "start_before", "start_after")
JOINS = ("ParallelGateway", "InclusiveGateway")


@dataclass
class ModificationRefused(EngineError):
    """The operation cannot be done safely; ``code`` names why (services.error_texts
    ``modify.<code>``), ``element`` which element."""

    code: str = ""
    element: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.element}"


@dataclass(frozen=True)
class Element:
    """An element of the process, as the modification dialog lists it."""

    id: str
    name: str
    kind: str


def _kind(spec: Any) -> str:
    return type(spec).__name__


def _element(spec: Any) -> Element:
    return Element(spec.bpmn_id, element_name(spec) or spec.bpmn_id, _kind(spec))


def _is_user_visible(spec: Any) -> bool:
    return bool(getattr(spec, "bpmn_id", None)) and not isinstance(spec, BoundaryEventSplit)


def active_elements(wf: BpmnWorkflow) -> list[Element]:
    """The elements where the instance's tokens stand (top-level process), each once."""
    seen: dict[str, Element] = {}
    for task in wf.tasks.values():  # the top-level process's own tasks
        spec = task.task_spec
        if task.state & ACTIVE and _is_user_visible(spec) and spec.bpmn_id not in seen:
            seen[spec.bpmn_id] = _element(spec)
    return list(seen.values())


def target_elements(wf: BpmnWorkflow) -> list[Element]:
    """The elements a token may be started before or after: every flow element of the
    top-level process that passes ``_check_target``, in model order."""
    found = []
    for spec in wf.spec.task_specs.values():
        if not _is_user_visible(spec) or not spec.bpmn_name and _kind(spec) in (
                "StartEvent", "EndEvent", "ExclusiveGateway"):
            continue
        try:
            _check_target(spec)
        except ModificationRefused:
            continue
        found.append(_element(spec))
    return found


def _spec_of(wf: BpmnWorkflow, subprocess_specs: dict, element: str) -> Any:
    for spec in wf.spec.task_specs.values():
        if getattr(spec, "bpmn_id", None) == element and _is_user_visible(spec):
            return spec
    for sub in subprocess_specs.values():
        if any(getattr(s, "bpmn_id", None) == element for s in sub.task_specs.values()):
            raise ModificationRefused(code="other_scope", element=element)
    raise ModificationRefused(code="unknown_element", element=element)


def _check_target(spec: Any) -> None:
    if isinstance(spec, (MultiInstanceTask, LoopTask)):
        raise ModificationRefused(code="multi_instance", element=spec.bpmn_id)
    if _kind(spec) in JOINS and len(spec.inputs) > 1:
        raise ModificationRefused(code="join", element=spec.bpmn_id)
    if _kind(spec) in ("SubWorkflowTask", "CallActivity", "TransactionSubprocess",
                       "EventSubprocess", "StartEvent", "BoundaryEvent"):
        raise ModificationRefused(code="not_startable", element=spec.bpmn_id)


def _tokens(wf: BpmnWorkflow, subprocess_specs: dict, element: str) -> list[Any]:
    """The active tasks of ``element`` that can be cancelled: the task itself (a subprocess or
    call activity with everything inside it), or the boundary split that holds it with its
    boundary events (they go together)."""
    found = [t for t in wf.tasks.values()
             if t.state & ACTIVE and t.task_spec.bpmn_id == element]
    if not found:
        inside = [t for t in _all_active(wf) if t.task_spec.bpmn_id == element]
        if inside:
            raise ModificationRefused(code="other_scope", element=element)
        _spec_of(wf, subprocess_specs, element)  # unknown element, or one of another scope
        raise ModificationRefused(code="not_active", element=element)
    tokens = []
    for task in found:
        if isinstance(task.task_spec, (MultiInstanceTask, LoopTask)) or _in_multi(task):
            raise ModificationRefused(code="multi_instance", element=element)
        if _kind(task.task_spec) == "EventSubprocess":
            raise ModificationRefused(code="other_scope", element=element)
        # A subprocess or call activity is cancelled whole, as an interrupting boundary event
        # does it: SpiffWorkflow cancels its subworkflow, with the tasks and timers inside.
        holder = task.parent if isinstance(task.parent.task_spec, BoundaryEventSplit) else task
        tokens.append(holder)
    return tokens


def _in_multi(task: Any) -> bool:
    parent = task.parent
    return parent is not None and isinstance(parent.task_spec, (MultiInstanceTask, LoopTask))


def _all_active(wf: BpmnWorkflow) -> list[Any]:
    out = []
    for sub in wf.subprocesses.values():
        out += [t for t in sub.tasks.values() if t.state & ACTIVE]
    return out


def _start_spec(spec: Any) -> Any:
    """What to instantiate for a token before ``spec``: its boundary split if it has boundary
    events (the split opens the task and arms them), else the spec itself."""
    for candidate in spec.inputs:
        if isinstance(candidate, BoundaryEventSplit):
            return candidate
    return spec


def _after_spec(spec: Any) -> Any:
    """Starting after an element is starting before its one outgoing target."""
    outputs = [s for s in spec.outputs if not _kind(s).startswith("BoundaryEvent")]
    if len(outputs) == 1 and _kind(outputs[0]) == "BoundaryEventJoin":
        outputs = outputs[0].outputs
    if len(outputs) != 1:
        raise ModificationRefused(code="several_outgoing", element=spec.bpmn_id)
    return outputs[0]


def validate_operations(operations: list[dict]) -> list[tuple[str, str]]:
    """[(operation, element)] from the API's list; each entry names exactly one operation."""
    plan = []
    for entry in operations:
        named = [(op, entry[op]) for op in OPERATIONS if entry.get(op)]
        if len(named) != 1 or not isinstance(named[0][1], str):
            raise ModificationRefused(code="bad_operation", element=str(entry))
        plan.append(named[0])
    if not plan:
        raise ModificationRefused(code="no_operation", element="")
    return plan


def modify(wf: BpmnWorkflow, subprocess_specs: dict, operations: list[dict],
           variables: dict | None) -> None:
    """Apply the operations in order (cancels first, as Camunda does), then set the
    variables on every new token. Raises ModificationRefused before changing anything."""
    plan = validate_operations(operations)
    cancels = [element for op, element in plan if op == "cancel"]
    starts = []
    to_cancel: list[Any] = []
    for element in cancels:
        to_cancel += _tokens(wf, subprocess_specs, element)
    for op, element in plan:
        if op == "cancel":
            continue
        spec = _spec_of(wf, subprocess_specs, element)
        target = spec if op == "start_before" else _after_spec(spec)
        _check_target(target)
        starts.append(_start_spec(target))
    anchor = to_cancel[0] if to_cancel else _last_completed(wf)
    parent = anchor.parent if to_cancel else anchor
    data = copy.deepcopy(anchor.data)
    data.update(copy.deepcopy(variables or {}))
    for token in to_cancel:
        token.cancel()
    for spec in starts:
        task = parent._add_child(spec, TaskState.FUTURE)
        spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)  # its children
        spec._update(task)  # READY, or WAITING for a catch event (inherits the parent's data)
        task.data = copy.deepcopy(data)
    if variables and not starts:
        for task in (t for t in wf.tasks.values() if t.state & ACTIVE):
            task.data.update(copy.deepcopy(variables))


def _last_completed(wf: BpmnWorkflow) -> Any:
    """Where a token without a cancelled one to replace is added: the last task that ran."""
    done = [t for t in wf.tasks.values() if t.state == TaskState.COMPLETED]
    return max(done, key=lambda t: t.last_state_change) if done else wf.task_tree
