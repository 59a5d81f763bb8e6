"""External tasks: service tasks whose work is done outside Flowdesk by workers that poll.

A service task becomes an external task when it names a *topic*. Today the topic comes from
Camunda Modeler's attributes (``camunda:type="external" camunda:topic="…"``), so models drawn
there run unchanged; a Flowdesk operator listed in ``EXTERNAL_OPERATORS`` (the built-in HTTP
connector, later) turns a ``spiffworkflow:serviceTaskOperator`` into one too, its parameters
becoming the task's input. Either way ``external_source`` maps the BPMN element to one
``ExternalSource`` (topic, input expressions, priority), and the parser builds one task spec,
``ExternalServiceTask``, from it.

When the engine reaches such a task it evaluates the input expressions, keeps the values on the
task and leaves it STARTED: nothing in the engine completes it. The host reports it to workers
and later completes it with the worker's variables, or throws a BPMN error from it
(``Runtime.complete_external`` / ``Runtime.throw_external_error``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as BpmnServiceTask
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask
from SpiffWorkflow.util.task import TaskState

from .task_tree import all_tasks

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN, "spiff": SPIFF, "camunda": CAMUNDA}

# Flowdesk operators whose work a worker does: operator id -> the topic its tasks get. The
# operator's parameters (Python expressions) become the external task's input. Topics starting
# with ``flowdesk.`` are Flowdesk's own: its connector worker fetches them, nobody else.
INTERNAL_TOPIC_PREFIX = "flowdesk."
HTTP_TOPIC = "flowdesk.http"
EXTERNAL_OPERATORS: dict[str, str] = {"http": HTTP_TOPIC}

INPUT_KEY = "external_input"  # the evaluated input, kept in the task's internal data

_VARIABLE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


class NotExternal(ValueError):
    """Camunda attributes on a service task that Flowdesk cannot run; the message says why."""


@dataclass(frozen=True)
class ExternalSource:
    """What makes a service task external: its topic, its input (name -> expression, evaluated
    when the task starts) and its priority (higher is fetched first)."""

    topic: str
    input: dict[str, str] = field(default_factory=dict)
    priority: int = 0


def external_source(node: etree._Element) -> ExternalSource | None:
    """The external-task source of a ``bpmn:serviceTask`` element, or None if it is a plain
    request to the host. Raises NotExternal for Camunda attributes Flowdesk cannot run."""
    operator = node.find("bpmn:extensionElements/spiff:serviceTaskOperator", NS)
    if operator is not None and operator.get("id") in EXTERNAL_OPERATORS:
        params = {p.get("id", ""): p.get("value", "") for p in
                  operator.iterfind("spiff:parameters/spiff:parameter", NS)}
        return ExternalSource(EXTERNAL_OPERATORS[operator.get("id", "")], params)
    return _camunda_source(node)


def _camunda_source(node: etree._Element) -> ExternalSource | None:
    kind = node.get(f"{{{CAMUNDA}}}type")
    java = [a for a in ("class", "expression", "delegateExpression")
            if node.get(f"{{{CAMUNDA}}}{a}")]
    if kind is None and not java and node.find("bpmn:extensionElements/camunda:connector",
                                               NS) is None:
        return None
    if kind != "external":
        what = f"camunda:type=\"{kind}\"" if kind else (
            f"camunda:{java[0]}" if java else "a camunda:connector")
        raise NotExternal(f"{what} names an implementation Flowdesk cannot run; Camunda "
                          "service tasks run here as external tasks only "
                          "(camunda:type=\"external\" camunda:topic=\"…\")")
    topic = (node.get(f"{{{CAMUNDA}}}topic") or "").strip()
    if not topic:
        raise NotExternal("an external task needs a topic (camunda:topic) for workers to "
                          "fetch it by")
    if node.find("bpmn:extensionElements/camunda:inputOutput/camunda:outputParameter",
                 NS) is not None:
        raise NotExternal("output mappings (camunda:outputParameter) are not supported: the "
                          "variables a worker completes the task with go to the process")
    if topic.startswith(INTERNAL_TOPIC_PREFIX):
        raise NotExternal(f"the topic '{topic}' is Flowdesk's own (topics starting with "
                          f"'{INTERNAL_TOPIC_PREFIX}' are fetched by Flowdesk's connector "
                          "worker only); choose another")
    return ExternalSource(topic, _camunda_inputs(node), _camunda_priority(node))


def _camunda_inputs(node: etree._Element) -> dict[str, str]:
    """``camunda:inputParameter``s as input expressions: a constant text, or ``${variable}``."""
    found = {}
    for param in node.iterfind("bpmn:extensionElements/camunda:inputOutput/"
                               "camunda:inputParameter", NS):
        name = param.get("name", "")
        text = (param.text or "").strip()
        if len(param) or "{" in text and not _VARIABLE.match(text):
            raise NotExternal(f"the input parameter '{name}' must be a constant text or "
                              "${variable}; Flowdesk does not evaluate JUEL, scripts, lists "
                              "or maps here")
        match = _VARIABLE.match(text)
        found[name] = match.group(1) if match else repr(text) if text else "None"
    return found


def _camunda_priority(node: etree._Element) -> int:
    raw = (node.get(f"{{{CAMUNDA}}}taskPriority") or "0").strip()
    try:
        return int(raw)
    except ValueError:
        raise NotExternal(f"camunda:taskPriority must be a whole number, not '{raw}'") from None


class ExternalServiceTask(BpmnServiceTask, SpiffBpmnTask):
    """A service task a worker does: when it runs it evaluates its input and stays STARTED."""

    def __init__(self, wf_spec: Any, bpmn_id: str, topic: str,
                 input_expressions: dict[str, str] | None = None, priority: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic
        self.input_expressions = dict(input_expressions or {})
        self.priority = priority

    def _execute(self, task: Any) -> None:
        engine = task.workflow.script_engine
        task.internal_data[INPUT_KEY] = {
            name: engine.evaluate(task, expression)
            for name, expression in self.input_expressions.items()}
        return None  # STARTED: the worker's answer completes it


class ExternalTaskParser(ServiceTaskParser):
    """Service tasks with a topic become ExternalServiceTask; the rest stay Spiff's own."""

    def create_task(self) -> Any:
        source = external_source(self.node)
        if source is None:
            return super().create_task()
        extensions = self.parse_extensions()
        return ExternalServiceTask(self.spec, self.bpmn_id, topic=source.topic,
                                   input_expressions=source.input, priority=source.priority,
                                   prescript=extensions.get("preScript"),
                                   postscript=extensions.get("postScript"),
                                   **self.bpmn_attributes)


class ExternalServiceTaskConverter(SpiffBpmnTaskConverter):
    """Serializer support, for anyone serializing specs (Flowdesk stores state only)."""

    def to_dict(self, spec: ExternalServiceTask) -> dict:
        dct = super().to_dict(spec)
        dct.update(topic=spec.topic, input_expressions=spec.input_expressions,
                   priority=spec.priority)
        return dct


@dataclass
class OpenExternalTask:
    """An external task waiting for a worker."""

    guid: str
    bpmn_id: str
    name: str
    topic: str
    input: dict = field(default_factory=dict)
    priority: int = 0


def is_open_external(task: Any) -> bool:
    return isinstance(task.task_spec, ExternalServiceTask) and task.state == TaskState.STARTED


def open_external_tasks(wf: Any) -> list[OpenExternalTask]:
    """The instance's external tasks that wait for a worker, oldest first."""
    found = sorted((t for t in all_tasks(wf) if is_open_external(t)),
                   key=lambda t: t.last_state_change)
    return [OpenExternalTask(guid=str(t.id), bpmn_id=t.task_spec.bpmn_id,
                             name=t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                             topic=t.task_spec.topic, input=dict(t.internal_data.get(INPUT_KEY)
                                                                 or {}),
                             priority=t.task_spec.priority) for t in found]


def specs_have_external_tasks(spec: Any, subprocess_specs: dict) -> bool:
    return any(isinstance(ts, ExternalServiceTask)
               for process in (spec, *subprocess_specs.values())
               for ts in process.task_specs.values())


def catching_boundary(task: Any, code: str) -> Any | None:
    """The waiting error boundary event that catches ``code`` thrown from ``task``: one on the
    task whose error code matches, else a catch-all one there; if the task has none, the same
    on the subprocess or call activity around it, and so on outwards (BPMN's propagation)."""
    scope = task
    while scope is not None:
        waiting = [b for b in _error_boundaries(scope)
                   if b.task_spec.event_definition.code in (code, None)]
        waiting.sort(key=lambda b: b.task_spec.event_definition.code is None)
        if waiting:
            return waiting[0]
        parent_id = scope.workflow.parent_task_id
        scope = (scope.workflow.top_workflow.get_task_from_id(parent_id)
                 if parent_id is not None else None)
    return None


def _error_boundaries(task: Any) -> list[Any]:
    """The waiting error boundary events attached to the activity ``task`` belongs to."""
    activity = task
    if task.parent is not None and isinstance(task.parent.task_spec, LoopTask):
        activity = task.parent  # one instance or iteration of a looping activity
    split = activity.parent
    if split is None or not isinstance(split.task_spec, BoundaryEventSplit):
        return []
    return [b for b in split.children if isinstance(b.task_spec, BoundaryEvent)
            and isinstance(b.task_spec.event_definition, ErrorEventDefinition)
            and b.state == TaskState.WAITING]


def error_variables(roots: dict[str, etree._Element]) -> dict[str, tuple[str, str]]:
    """Camunda's ``camunda:errorCodeVariable`` / ``camunda:errorMessageVariable`` of error
    boundary events, by the boundary's id: where a caught error's code and message go."""
    found = {}
    for root in roots.values():
        for event in root.iter(f"{{{BPMN}}}boundaryEvent"):
            definition = event.find("bpmn:errorEventDefinition", NS)
            if definition is None:
                continue
            names = (definition.get(f"{{{CAMUNDA}}}errorCodeVariable") or "",
                     definition.get(f"{{{CAMUNDA}}}errorMessageVariable") or "")
            if any(names):
                found[event.get("id", "")] = names
    return found
