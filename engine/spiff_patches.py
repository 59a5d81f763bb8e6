"""The few places where SpiffWorkflow 3.2.0 must be corrected or given our clock.

Applied once, on import of ``engine.runtime``. Each patch names the gotcha it fixes
(see the project's SpiffWorkflow notes): keeping them here makes them easy to drop on upgrade.
"""
from __future__ import annotations

import copy
import datetime as _dt
from contextvars import ContextVar

import SpiffWorkflow
import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module
from SpiffWorkflow.bpmn.parser import event_parsers as _parsers
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.util.event import EventManager
from SpiffWorkflow.spiff.specs import event_definitions as _spiff_events
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from .clock import Clock, SystemClock

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


def _trigger_event_subprocess(self: BpmnStartTask, my_task: Task, spec_name: str) -> object:
    """Start an event subprocess in this instance only. 3.2.0 connects the process's start to
    the event subprocess for good when one instance triggers it: the spec is shared, so every
    later instance started it at once and never completed. Here the event subprocess knows
    the start as its input and the end as its output (the same for every instance), but the
    start does not list it among its outputs, so no other instance starts it."""
    spec = self._wf_spec.task_specs.get(spec_name)
    if self not in spec.inputs:
        spec.inputs = [*spec.inputs, self]
    if self._wf_spec.end not in spec.outputs:
        spec.connect(self._wf_spec.end)
    child = my_task._add_child(spec, TaskState.FUTURE)
    child.triggered = True
    child.task_spec._update(child)
    return child.id


_catch = EventManager.catch


def _catch_and_broadcast(self: EventManager, event: object, internal: bool = True) -> int:
    """A signal is a broadcast: thrown inside an instance it also leaves it for the others
    (3.2.0 lets it out only when nothing inside caught it). One from outside stays here."""
    caught = _catch(self, event, internal)
    if (internal and caught and event.target is None  # type: ignore[attr-defined]
            and isinstance(event.event_definition, SignalEventDefinition)):  # type: ignore[attr-defined]
        self.workflow.bpmn_events.append(event)
    return caught


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
    EventManager.catch = _catch_and_broadcast  # type: ignore[method-assign]
    _spiff_events.MessageEventDefinition.update_task_data = _payload_into_data  # type: ignore[method-assign]
    _spiff_events.SpiffItemAwareEventDefinition.update_task_data = _payload_into_data  # type: ignore[method-assign]
    MessageEventDefinition.calculate_correlations = _tolerant_correlations  # type: ignore[method-assign]


apply()
