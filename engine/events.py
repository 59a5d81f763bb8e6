"""Messages and signals between an instance and the outside world.

SpiffWorkflow catches an event only inside one workflow tree. Flowdesk connects instances through
its database instead, and this module is the engine's half of that:

* ``subscriptions``: what an instance waits for right now (an intermediate catch, a boundary
  event, a receive task, an event-based gateway's branch, an event subprocess's start), each
  with its **correlation**: the values of the message's correlation properties (BPMN's
  ``correlationProperty`` with a ``correlationPropertyRetrievalExpression`` for that message),
  each retrieval expression evaluated against the waiting task's data. The host stores them in
  an indexed table, so finding the instance a message is for is one lookup.
* ``thrown``: what an instance threw that must leave it: a message nobody in the instance
  caught, and every signal (a signal is a broadcast: other instances hear it too).
* ``start_events``: a definition's message and signal start events, by name.

A message's correlation on the sender's side is the same properties evaluated against the
message's payload (what SpiffWorkflow computes when it throws).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import \
    MessageEventDefinition as _BaseMessage
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import \
    SignalEventDefinition as _BaseSignal
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

MESSAGE, SIGNAL = "message", "signal"


def kind_of(definition: Any) -> str | None:
    if isinstance(definition, _BaseMessage):
        return MESSAGE
    if isinstance(definition, _BaseSignal):
        return SIGNAL
    return None


def correlation_hash(correlation: dict[str, Any]) -> str:
    """The indexed form of a correlation: the same for the same values, whatever their order
    or type (``123`` and ``"123"`` correlate: an order number typed into a form is text)."""
    canonical = json.dumps({str(k): str(v) for k, v in correlation.items()}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Subscription:
    """One thing a running instance waits for."""

    kind: str  # message | signal
    name: str
    bpmn_id: str
    correlation: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.name, self.bpmn_id, correlation_hash(self.correlation))


@dataclass(frozen=True)
class Thrown:
    """An event an instance threw for the others: the host delivers it after its commit."""

    kind: str
    name: str
    payload: Any
    correlation: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StartEvent:
    """A message or signal start event of a process: an instance starts when it arrives."""

    kind: str
    name: str
    bpmn_id: str


def _definitions(definition: Any) -> list[Any]:
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def _correlation(workflow: BpmnWorkflow, definition: Any, data: dict) -> dict[str, str]:
    """The catching side: each correlation property's retrieval expression over the task's
    data. A property the data cannot answer is left out (the instance is then reached by its
    id or business key only)."""
    values = {}
    for prop in getattr(definition, "correlation_properties", None) or []:
        try:
            value = workflow.script_engine.environment.evaluate(prop.retrieval_expression, data)
        except Exception:  # noqa: BLE001 - a missing variable is not an error while waiting
            continue
        if value is not None:
            values[prop.name] = str(value)
    return values


def subscriptions(wf: BpmnWorkflow) -> list[Subscription]:
    """Every message and signal the instance can catch now."""
    found: dict[tuple, Subscription] = {}
    for task in list(wf.event_manager.tasks.values()):
        if task.state != TaskState.WAITING:
            continue
        for definition in _definitions(task.task_spec.event_definition):
            kind = kind_of(definition)
            if kind is not None:
                sub = Subscription(kind, definition.name, task.task_spec.bpmn_id,
                                   _correlation(task.workflow, definition, task.data))
                found.setdefault(sub.key, sub)
    if not wf.is_completed():  # the event subprocesses' starts, of every running (sub)process
        for workflow in [wf, *wf.get_active_subprocesses()]:
            data = workflow.last_task.data if workflow.last_task is not None else {}
            for name in workflow.spec.start.trigger_specs:
                for start in wf.subprocess_specs[name].bpmn_start_events:
                    for definition in _definitions(start.event_definition):
                        kind = kind_of(definition)
                        if kind is not None:
                            sub = Subscription(kind, definition.name, start.bpmn_id,
                                               _correlation(wf, definition, data))
                            found.setdefault(sub.key, sub)
    return list(found.values())


def thrown(wf: BpmnWorkflow) -> list[Thrown]:
    """Take the events the last step threw for other instances (SpiffWorkflow keeps them)."""
    events = []
    for event in wf.get_events():
        kind = kind_of(event.event_definition)
        if kind is None:
            continue
        correlation = {name: str(value) for values in (event.correlations or {}).values()
                       for name, value in values.items() if value is not None}
        events.append(Thrown(kind, event.event_definition.name, event.payload, correlation))
    return events


def start_events(spec: Any) -> list[StartEvent]:
    """A process's message and signal start events (top level: not event subprocesses)."""
    found = []
    for start in getattr(spec, "bpmn_start_events", None) or []:
        for definition in _definitions(start.event_definition):
            kind = kind_of(definition)
            if kind is not None:
                found.append(StartEvent(kind, definition.name, start.bpmn_id))
    return found


def catches_events(spec: Any, subprocess_specs: dict) -> bool:
    """Whether instances of this process can ever wait for a message or signal (else the host
    skips subscription upkeep for them)."""
    for process in [spec, *subprocess_specs.values()]:
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, CatchingEvent) and any(
                    kind_of(d) for d in _definitions(task_spec.event_definition)):
                return True
    return False
