"""Walking a workflow's whole task tree: the top workflow and every subprocess it runs."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


def workflows(wf: BpmnWorkflow) -> list[Any]:
    """The workflow and its subprocess workflows (call activities, subprocesses)."""
    return [wf, *wf.subprocesses.values()]


def all_tasks(wf: BpmnWorkflow) -> Iterator[Any]:
    """Every task of the workflow and of its subprocesses."""
    for workflow in workflows(wf):
        yield from workflow.tasks.values()
