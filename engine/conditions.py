"""Conditional events read the instance's variables and are looked at again when they change.

SpiffWorkflow 3.2 evaluates a conditional event on the waiting task's own data: its branch's
copy from the moment the token arrived. It looks at a waiting event again only when another
task of the same workflow completes. So a condition on a change made elsewhere (another
branch, a subprocess, an admin's update) never came true.

Flowdesk's rule: a condition reads the instance's variables (``variables.live_data`` over the
instance and its subprocesses, the newest change winning; an arriving branch's data is the
newest), and after every step (a task completed, a message or signal, timers, a retry, a
variables update) the runtime looks at every waiting conditional event again until none
fires. A catch event that fires carries those variables on. An event subprocess with a
conditional start starts when its condition becomes true (it was false, or not yet looked
at); it may start again once the condition has been false in between.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks
from .variables import live_data

SEEN = "flowdesk_conditions"  # root task internal data: each conditional start's last value


def has_conditions(process_specs: Iterable[Any]) -> bool:
    """Whether any task of these process specs waits on a condition (else the runtime skips
    looking at conditions after each step)."""
    return any(isinstance(getattr(task_spec, "event_definition", None),
                          ConditionalEventDefinition)
               for spec in process_specs for task_spec in spec.task_specs.values())


def variables_seen_by(task: Any) -> dict:
    """The instance's variables as a conditional event of ``task`` sees them: a task that is
    already waiting counts with its data as it was when it began to wait; one arriving now
    has the newest data of all, except a start event, whose data is its process's from
    before (the live branches' win over it)."""
    top = task.workflow.top_workflow
    if task.state == TaskState.WAITING:
        return copy.deepcopy(live_data(all_tasks(top)) or task.data)
    seen = live_data(t for t in all_tasks(top) if t is not task) or {}
    if isinstance(task.task_spec, StartEvent):
        return copy.deepcopy({**task.data, **seen})
    return copy.deepcopy({**seen, **task.data})


def has_fired(definition: ConditionalEventDefinition, task: Any) -> bool:
    """Evaluate the condition against ``variables_seen_by(task)``; a task that fires goes on
    with those variables (replaces ``ConditionalEventDefinition.has_fired``)."""
    seen = variables_seen_by(task)
    own, task.data = task.data, seen  # the script engine reads the task's data
    try:
        fired = bool(task.workflow.script_engine.evaluate(
            task, definition.expression, external_context=task.workflow.data_objects))
    finally:
        task.data = own
    if fired:
        task.data = seen
    task._set_internal_data(has_fired=fired)
    return fired


def recheck(wf: Any) -> bool:
    """Look at every waiting conditional event again, and start the event subprocesses whose
    conditional start became true; returns whether anything fired."""
    fired = False
    for task in list(wf.event_manager.tasks.values()):
        if (task.state == TaskState.WAITING
                and isinstance(task.task_spec.event_definition, ConditionalEventDefinition)):
            task.task_spec._update(task)
            fired = fired or task.state != TaskState.WAITING
    running = [] if wf.is_completed() else [wf]
    for workflow in running + wf.get_active_subprocesses():
        fired = _start_event_subprocesses(wf, workflow) or fired
    return fired


def _evaluate(workflow: Any, start: Any, expression: str) -> bool:
    """A conditional start's condition on the instance's variables (and the data objects of
    its process); a failure names the start event."""
    top = workflow.top_workflow
    variables = copy.deepcopy(live_data(all_tasks(top)) or {})
    try:
        return bool(top.script_engine.environment.evaluate(expression, variables,
                                                           workflow.data_objects))
    except Exception as exc:  # noqa: BLE001 - any failure is the model's, shown as an incident
        raise WorkflowException(f"Error evaluating expression '{expression}': {exc}",
                                task_spec=start) from None


def _start_event_subprocesses(top: Any, workflow: Any) -> bool:
    """Start the conditional-start event subprocesses of one (sub)process whose condition
    went from false (or not yet looked at) to true."""
    started = False
    root = workflow.task_tree
    for name in workflow.spec.start.trigger_specs:
        for start in top.subprocess_specs[name].bpmn_start_events:
            definition = start.event_definition
            if not isinstance(definition, ConditionalEventDefinition):
                continue
            seen = root.internal_data.setdefault(SEEN, {})
            now = _evaluate(workflow, start, definition.expression)
            if now and not seen.get(name):
                workflow.spec.start.trigger_wf(root, name)
                started = True
            seen[name] = now
    return started
