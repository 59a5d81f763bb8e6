"""Where an instance stands on its diagram: the BPMN elements it is at, and those it has done.

The inbox draws the process with the current step highlighted; that needs element ids, not
Spiff's task tree, so this module reads the tree and answers in BPMN ids only.
"""
from __future__ import annotations

from collections.abc import Iterable

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks

# A token sits here: a user task waiting for a person, a catching event or a subprocess
# waiting, a task in error (an incident).
AT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def progress(wf: BpmnWorkflow, known: set[str] | None = None) -> tuple[list[str], list[str]]:
    """(active, completed) BPMN ids, each sorted and without duplicates. An element done
    before and active again (a loop) counts as active. ``known``: keep only these ids (the
    elements of the diagram that is shown; a called process's elements are elsewhere)."""
    active: set[str] = set()
    completed: set[str] = set()
    for task in all_tasks(wf):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id or (known is not None and bpmn_id not in known):
            continue
        if task.state & AT:
            active.add(bpmn_id)
        elif task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
    return sorted(active), sorted(completed - active)


def element_ids(specs: Iterable, file_name: str | None) -> set[str]:
    """The BPMN ids of the task specs of the process specs read from ``file_name``."""
    return {ts.bpmn_id for spec in specs if getattr(spec, "file", None) == file_name
            for ts in spec.task_specs.values() if getattr(ts, "bpmn_id", None)}
