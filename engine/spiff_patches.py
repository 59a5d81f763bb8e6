"""The few places where SpiffWorkflow 3.2.0 must be corrected or given our clock.

Applied once, on import of ``engine.runtime``. Each patch names the gotcha it fixes
(see the project's SpiffWorkflow notes): keeping them here makes them easy to drop on upgrade.
"""
from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import SpiffWorkflow
import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module
from SpiffWorkflow.bpmn.parser import event_parsers as _parsers
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent, EventManager
from SpiffWorkflow.spiff.specs import event_definitions as _spiff_events
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from . import conditions
from .clock import Clock, SystemClock
from .task_tree import all_tasks
from .variables import live_data

SPIFF_VERSION: str = getattr(SpiffWorkflow, "__version__", "3.2.0")

_current_clock: ContextVar[Clock] = ContextVar("flowdesk_clock", default=SystemClock())


def _inherit_data_isolated(self: Task) -> None:
    """G1: 3.2.0 shallow-copies parent data, so nested dicts are shared with completed tasks."""
    self.data = DeepMerge.merge(self.data, copy.deepcopy(self.parent.data))


class _ClockedDatetime(_dt.datetime):
    """Spiff's timer module reads ``datetime.now``; this makes it read the injected clock."""

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
        now = _current_clock.get().now()
        return now.astimezone(tz) if tz is not None else now.replace(tzinfo=None)


def use_clock(clock: Clock) -> object:
    """Make Spiff's timers see ``clock`` in this context; returns a token for ``reset_clock``."""
    return _current_clock.set(clock)


def reset_clock(token: object) -> None:
    _current_clock.reset(token)  # type: ignore[arg-type]


def _wire_event_subprocess(start: BpmnStartTask, spec: Any) -> None:
    """The event subprocess knows its process's start as its input and the end as its output
    (the same for every instance), but the start does not list it among its outputs, so only
    an instance that catches its event starts it."""
    if start not in spec.inputs:
        spec.inputs = [*spec.inputs, start]
    if start._wf_spec.end not in spec.outputs:
        spec.connect(start._wf_spec.end)


def _trigger_event_subprocess(self: BpmnStartTask, my_task: Task, spec_name: str) -> object:
    """Start an event subprocess in this instance only. 3.2.0 connects the process's start to
    the event subprocess for good when one instance triggers it: the spec is shared, so every
    later instance started it at once and never completed. And it gave the event subprocess
    no successor: when it ended, nothing told its (sub)process's end, so an embedded
    subprocess whose main flow an interrupting event subprocess had cancelled never ended.
    And it started from its process's data as it was when the process began: here it starts
    from the instance's variables as they are now."""
    spec = self._wf_spec.task_specs.get(spec_name)
    _wire_event_subprocess(self, spec)
    top = my_task.workflow.top_workflow
    now = copy.deepcopy(live_data(all_tasks(top)) or {})
    child = my_task._add_child(spec, TaskState.FUTURE)
    child.triggered = True
    child.task_spec._update(child)
    spec._predict(child, mask=TaskState.DEFINITE_MASK | TaskState.PREDICTED_MASK)
    sub = top.subprocesses.get(child.id)
    if sub is not None:  # its start event re-reads this when it catches its event
        sub.task_tree.data.update(copy.deepcopy(now))
    return child.id


def _start_event_subprocesses(workflow: Any, event: BpmnEvent) -> list[Task]:
    """Start the event subprocesses of ``workflow`` (the top workflow or a subprocess) whose
    start event catches ``event``, unless one is already waiting for it; returns the start
    event tasks that catch it."""
    top = workflow.top_workflow
    catching = []
    for name in workflow.spec.start.trigger_specs:
        sp_spec = top.subprocess_specs[name]
        for start in sp_spec.bpmn_start_events:
            if start.event_definition != event.event_definition:
                continue
            waiting = [t for t in top.event_manager.tasks.values()
                       if t.task_spec is start and t.workflow.parent_workflow is workflow]
            if not waiting:
                child_id = workflow.spec.start.trigger_wf(workflow.task_tree, name)
                waiting = top.subprocesses[child_id].get_tasks(spec_name=start.name,
                                                               state=TaskState.WAITING)
            for task in waiting:
                task.workflow.correlations.update(event.correlations)
            catching += [t for t in waiting if start.catches(t, event)]
    return catching


def _catch(self: EventManager, event: BpmnEvent, internal: bool = True) -> int:
    """SpiffWorkflow 3.2 starts only the top process's event subprocesses: one inside an
    embedded subprocess never started. An error or escalation (thrown at a workflow) now goes
    up from where it was thrown, workflow by workflow, to the first waiting catch event or
    event subprocess of that level that catches it; a message or signal starts the event
    subprocesses that catch it in every running (sub)process."""
    if event.target is not None:
        tasks: list[Task] = []
        target = event.target
        while target is not None and not tasks:
            tasks = [t for t in self.tasks.values() if t.workflow == target
                     and t.task_spec.event_definition.catches(t, event)]
            tasks = tasks or _start_event_subprocesses(target, event)
            target = target.parent_workflow
        if not tasks and internal:
            self.workflow.bpmn_events.append(event)
    else:
        for workflow in [self.workflow, *self.workflow.get_active_subprocesses()]:
            _start_event_subprocesses(workflow, event)
        tasks = [t for t in self.tasks.values() if t.task_spec.catches(t, event)]
        if internal and (not tasks or isinstance(event.event_definition,
                                                 SignalEventDefinition)):
            self.workflow.bpmn_events.append(event)
    for task in tasks:
        task.task_spec.catch(task, event)
        task.task_spec._update(task)
    return len(tasks)


def wire_event_subprocesses(process_specs: Iterable[Any]) -> None:
    """Wire every event subprocess started by a message, signal, error, escalation or
    condition when the spec is parsed, not when an instance first triggers one: a spec
    parsed again (a restart) found a running event subprocess with no input ('No input task
    connected') when it ended."""
    for spec in process_specs:
        for name in spec.start.trigger_specs:
            _wire_event_subprocess(spec.start, spec.task_specs[name])


def wire_loop_children(process_specs: Iterable[Any]) -> None:
    """Connect each loop and multi-instance task to its child's completion on a freshly parsed
    spec. SpiffWorkflow 3.2.0 connects them only when an instance creates a child, and the
    connection lives on the (shared, never serialized) spec: a spec parsed again (a restart,
    an evicted cache) with an instance already inside the loop never merged the child's
    completion, so the loop waited for ever with nothing open."""
    for spec in process_specs:
        for task_spec in list(spec.task_specs.values()):
            if isinstance(task_spec, LoopTask):
                child = spec.task_specs[task_spec.task_spec]
                if not child.completed_event.is_connected(task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)


_merge_child = MultiInstanceTask.merge_child


def _merge_child_without_item(self: MultiInstanceTask, workflow: Any, child: Task) -> None:
    """A multi-instance task without an output item merges each instance's data back into
    its own, the input item too: the next item of a sequential one then failed ('input item
    already exists'), and a parallel one left the last item among the process's variables
    (where the next multi-instance task using that name failed). The item belongs to its
    instance: it is not merged back."""
    _merge_child(self, workflow, child)
    if self.input_item is not None and (self.data_output is None or self.output_item is None):
        child.parent.data.pop(self.input_item.bpmn_id, None)


def _payload_into_data(self: object, my_task: Task) -> None:
    """A caught message's or signal's variables land in the task's data, as in BPMN engines
    generally; a model that names a variable for it (spiffworkflow:messageVariable) gets it
    there instead. 3.2.0's spiff classes dropped the payload unless a variable was named.
    Errors and escalations keep 3.2.0's rule (their payload only into a named variable)."""
    variable = getattr(self, "message_var", None) or getattr(self, "variable", None)
    payload = my_task.internal_data.pop(self.name, None)  # type: ignore[attr-defined]
    if variable is not None:
        my_task.data[variable] = payload
    elif isinstance(payload, dict) and isinstance(self, (MessageEventDefinition,
                                                         SignalEventDefinition)):
        my_task.set_data(**copy.deepcopy(payload))


_calculate = MessageEventDefinition.calculate_correlations


def _tolerant_correlations(self: MessageEventDefinition, script_engine: object, cp: list,
                           ctx: dict) -> dict:
    """A correlation property the payload cannot answer is left out instead of failing the
    catch: Flowdesk has already matched the message to this instance (by correlation, id or
    business key) before SpiffWorkflow sees it."""
    found: dict = {}
    for prop in cp:
        try:
            for key, values in _calculate(self, script_engine, [prop], ctx).items():
                found.setdefault(key, {}).update(values)
        except Exception:  # noqa: BLE001 - the payload lacks it
            continue
    return found


def _end_event_task(self: _parsers.EndEventParser) -> object:
    """3.2.0's end event parser leaves out signal end events: they deployed and threw
    nothing. BPMN has them (a case closing tells everyone listening)."""
    definition = self.get_event_definition([
        _parsers.MESSAGE_EVENT_XPATH, _parsers.SIGNAL_EVENT_XPATH, _parsers.CANCEL_EVENT_XPATH,
        _parsers.ERROR_EVENT_XPATH, _parsers.ESCALATION_EVENT_XPATH,
        _parsers.TERMINATION_EVENT_XPATH])
    task = self._create_task(definition)
    task.connect(self.spec.end)
    return task


def apply() -> None:
    Task._inherit_data = _inherit_data_isolated  # type: ignore[method-assign]
    _timer_module.datetime = _ClockedDatetime  # type: ignore[attr-defined]
    BpmnStartTask.trigger_wf = _trigger_event_subprocess  # type: ignore[method-assign]
    _parsers.EndEventParser.create_task = _end_event_task  # type: ignore[method-assign]
    EventManager.catch = _catch  # type: ignore[method-assign]
    ConditionalEventDefinition.has_fired = conditions.has_fired  # type: ignore[method-assign]
    MultiInstanceTask.merge_child = _merge_child_without_item  # type: ignore[method-assign]
    _spiff_events.MessageEventDefinition.update_task_data = _payload_into_data  # type: ignore[method-assign]
    _spiff_events.SpiffItemAwareEventDefinition.update_task_data = _payload_into_data  # type: ignore[method-assign]
    MessageEventDefinition.calculate_correlations = _tolerant_correlations  # type: ignore[method-assign]


apply()
