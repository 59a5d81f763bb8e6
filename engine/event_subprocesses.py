"""Event subprocesses where SpiffWorkflow 3.2 and BPMN part ways, settled after each step.

SpiffWorkflow creates a timer-started event subprocess with the instance, waiting on its
timer beside the main flow, and its process's end waits for it: an instance whose work was
done sat 'waiting' until the timer fired and then ran the event subprocess after the fact.
BPMN: an event subprocess lives only while its (sub)process does, so when nothing else is
left, the ones whose start has not fired are withdrawn and the (sub)process ends.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskIterator, TaskState

from .task_tree import workflows

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def armed_at_start(process_specs: Iterable[Any]) -> frozenset[str]:
    """Ids of the event subprocesses SpiffWorkflow starts with their process (timer starts):
    the subprocesses among the outputs of a process's own start task (an embedded subprocess
    in the flow follows a start event instead)."""
    return frozenset(output.bpmn_id for spec in process_specs for output in spec.start.outputs
                     if isinstance(output, SubWorkflowTask))


def has_fired(wf: BpmnWorkflow, task: Any) -> bool:
    """Whether an event subprocess's start event has caught its event (a timer-started one is
    created waiting; a message- or signal-started one when it fires)."""
    sub = wf.subprocesses.get(task.id)
    return sub is not None and any(
        t.state == TaskState.COMPLETED and t.task_spec.bpmn_id is not None
        for t in sub.tasks.values())


def end_idle(wf: BpmnWorkflow, armed: frozenset[str]) -> bool:
    """Withdraw the event subprocesses that only wait for their start in every (sub)process
    that has nothing else left to do, and let its end go on; returns whether any was."""
    if not armed:
        return False
    ended = False
    for workflow in workflows(wf):
        idle = [t for t in workflow.task_tree.children if t.task_spec.bpmn_id in armed
                and t.state & LIVE and _only_waiting(wf, t)]
        end = workflow.spec.end
        if not idle or _busy(workflow, idle, end.name):
            continue
        for task in idle:
            task.cancel()
        for join in workflow.get_tasks(state=TaskState.WAITING, spec_name=end.name):
            end._update(join)
        ended = True
    return ended


def _only_waiting(wf: BpmnWorkflow, task: Any) -> bool:
    """Whether an event subprocess only waits for its start (its timer has not fired, or a
    cycle waits for its next period with nothing of the last one left to do)."""
    sub = wf.subprocesses.get(task.id)
    return sub is None or all(
        t.state == TaskState.WAITING and isinstance(t.task_spec, StartEvent)
        for t in sub.tasks.values() if t.state & LIVE and t.task_spec.bpmn_id is not None)


def _busy(workflow: Any, idle: list[Any], end_name: str) -> bool:
    """Whether anything but the idle event subprocesses (and the end waiting for them) is
    still to be done in this (sub)process."""
    for task in TaskIterator(workflow.task_tree, state=TaskState.NOT_FINISHED_MASK,
                             end_at_spec=end_name):
        if task.task_spec.name == end_name or task.task_spec.bpmn_id is None:
            continue
        if not any(task is t or task.is_descendant_of(t) for t in idle):
            return True
    return False
