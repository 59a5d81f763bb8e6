"""What one engine call reports to the host: the open user tasks, the status, the variables,
what waits (timers, subscriptions, external tasks), what it asks or throws, and one incident if
something failed, read from the workflow once the run has stopped (``read_result``)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import events
from .events import Subscription, Thrown
from .external_tasks import OpenExternalTask, open_external_tasks
from .host_actions import HostAction
from .parsing import ParsedDefinition
from .step_budget import EngineBudgetExceeded
from .timers import ArmedTimer, armed_timers
from .variables import live_data


@dataclass
class OpenTask:
    """A user or manual task waiting for a person."""

    guid: str
    bpmn_id: str
    name: str
    lane: str | None
    candidate_groups: list[str]
    assignee: str | None
    documentation: str
    form_schema: dict
    data: dict


@dataclass
class Incident:
    """Why an instance stopped: the task, a message for an admin, and the script line if any."""

    kind: str
    message: str
    bpmn_id: str | None = None
    task_guid: str | None = None
    task_name: str | None = None
    line: int | None = None
    error_line: str | None = None


@dataclass
class StepResult:
    status: str
    open_tasks: list[OpenTask] = field(default_factory=list)
    incident: Incident | None = None
    variables: dict = field(default_factory=dict)
    waiting_timers: list[ArmedTimer] = field(default_factory=list)
    host_actions: list[HostAction] = field(default_factory=list)  # service task requests
    subscriptions: list[Subscription] = field(default_factory=list)  # messages/signals awaited
    thrown: list[Thrown] = field(default_factory=list)  # messages/signals for other instances
    external_tasks: list[OpenExternalTask] = field(default_factory=list)  # for workers


def _from_data(data: dict, name: str | None) -> str | None:
    """``assigneeVariable``: the task goes to the user named in that process variable (e.g. the
    substitute a supervisor named); empty or missing leaves it to the lane."""
    value = data.get(name) if name else None
    return value.strip() or None if isinstance(value, str) else None


def _groups_from_data(data: dict, name: str | None) -> list[str]:
    """``candidateGroupsVariable``: the groups named in that variable (a name or a list), for
    routing decided at run time (e.g. by a DMN); empty leaves the task to its lane."""
    value = data.get(name) if name else None
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def incident_of(exc: SpiffWorkflowException) -> Incident:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    line = getattr(exc, "line_number", None)
    return Incident(kind="script_error" if line is not None else "engine_error",
                    message=str(exc).rstrip(". "), bpmn_id=getattr(spec, "bpmn_id", None),
                    task_guid=str(task.id) if task is not None else None,
                    task_name=getattr(spec, "bpmn_name", None) or getattr(spec, "name", None),
                    line=line or None, error_line=getattr(exc, "error_line", None) or None)

def budget_incident(exc: EngineBudgetExceeded) -> Incident:
    """Where the engine stopped: the task that would have run next."""
    spec = getattr(exc.task, "task_spec", None)
    return Incident(kind=exc.kind, message=str(exc), bpmn_id=getattr(spec, "bpmn_id", None),
                    task_guid=str(exc.task.id) if exc.task is not None else None,
                    task_name=getattr(spec, "bpmn_name", None) or getattr(spec, "name", None))


def read_result(wf: BpmnWorkflow, definition: ParsedDefinition,
                incident: Incident | None) -> StepResult:
    """What the instance shows after a run: status, open user tasks, variables, armed timers,
    subscriptions and external tasks; with an incident, no open user tasks."""
    errored = wf.get_tasks(state=TaskState.ERROR)
    if incident is None and errored:
        spec = errored[0].task_spec
        incident = Incident(kind="engine_error", message="a task is in error",
                            bpmn_id=spec.bpmn_id, task_guid=str(errored[0].id))
    open_tasks = [] if incident else _open_tasks(wf, definition)
    if incident is not None:
        status = "error"
    elif wf.is_completed():
        status = "completed"
    else:
        status = "running" if open_tasks else "waiting"
    # External tasks are reported even with an incident: they stay with their workers.
    return StepResult(status=status, open_tasks=open_tasks, incident=incident,
                      variables=variables_of(wf), waiting_timers=armed_timers(wf),
                      subscriptions=events.subscriptions(wf)
                      if definition.catches_events and status != "completed" else [],
                      external_tasks=open_external_tasks(wf))

def _open_tasks(wf: BpmnWorkflow, definition: ParsedDefinition) -> list[OpenTask]:
    tasks = []
    for task in wf.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        info = definition.user_tasks.get(spec.bpmn_id)
        props = info.properties if info else {}
        tasks.append(OpenTask(
            guid=str(task.id), bpmn_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
            lane=spec.lane, candidate_groups=_groups_from_data(
                task.data, props.get("candidateGroupsVariable"))
            or (info.candidate_groups if info else []),
            assignee=props.get("assignee") or _from_data(task.data,
                                                         props.get("assigneeVariable")),
            documentation=info.documentation if info else "",
            form_schema=info.form_schema if info else {"type": "object"},
            data=copy.deepcopy(task.data)))
    return tasks

def variables_of(wf: BpmnWorkflow) -> dict:
    """The instance's data as one dict (``live_data`` of the top workflow's
    tasks); once nothing is live, the last task's data and the workflow's."""
    merged = live_data(wf.tasks.values())
    if merged is not None:
        return copy.deepcopy(merged)
    last = wf.last_task.data if wf.last_task is not None else {}
    return copy.deepcopy({**last, **wf.data})
