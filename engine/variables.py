"""An instance's variables over SpiffWorkflow's task data.

Spiff keeps data per task: each branch of the flow carries its own copy, a waiting task
re-reads its parent's copy whenever Spiff looks at it again, and a join takes the branch that
arrives last. Flowdesk shows one set of variables per instance (every live branch merged, the
latest change winning), lets an admin change them, and evaluates conditional events against
them; this module is where those three agree on what the variables are.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def live_data(tasks: Iterable[Any]) -> dict | None:
    """Every live task's data merged, the most recently changed last (a join still waiting
    for its other branch contributes the data of the branch that reached it: its parent's);
    None if no task is live. Skipped: Spiff's internal tasks, the single items of a
    multi-instance task and event subprocesses (their own data is a copy made when they
    started; their tasks, in their own workflow, carry what they do). Not copied."""
    live = sorted((t for t in tasks
                   if t.state & LIVE and t.task_spec.bpmn_id is not None
                   and not {"key_or_index", "item"} & set(t.internal_data)
                   and not is_event_subprocess(t)),
                  key=lambda t: t.last_state_change)
    if not live:
        return None
    merged: dict = {}
    for task in live:
        merged.update(task.data or (task.parent.data if task.parent else {}))
    return merged


def is_event_subprocess(task: Any) -> bool:
    """An event subprocess's task: a subprocess hanging from its workflow's own start task
    (an embedded subprocess in the flow follows a start event)."""
    return task.parent is not None and task.parent is task.workflow.task_tree \
        and isinstance(task.task_spec, SubWorkflowTask)


def assign_variables(wf: Any, variables: dict[str, Any]) -> None:
    """Give every live task of the instance (and of its subprocesses) these values. A waiting
    task (a catch event, a join) takes its data from its parent whenever Spiff looks at it
    again, so the parent gets them too: that is where a waiting branch's data lives."""
    for task in all_tasks(wf):
        if not task.state & LIVE:
            continue
        task.data.update(copy.deepcopy(variables))
        if task.state == TaskState.WAITING and task.parent is not None:
            task.parent.data.update(copy.deepcopy(variables))
