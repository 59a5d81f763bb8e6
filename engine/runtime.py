"""Run process instances: start, complete a user task, cancel — each returning what changed
(``engine.step_result``).

The host owns storage and locking; this module owns SpiffWorkflow. Every call runs the engine to
its next wait and reports the open user tasks, the instance status and, if a script or the model
failed, one incident, so the host never has to look inside Spiff.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from . import (conditions, event_subprocesses, events, host_actions, migration, modification,
               spiff_patches)
from .clock import Clock, SystemClock
from .errors import ErrorNotCaught, EventNotCaught, TaskNotFound, TaskNotReady, TaskTreeTooDeep
from .external_tasks import catching_boundary, is_open_external
from .forms import validate_form
from .parsing import ParsedDefinition
from .scripting import make_script_engine
from .serialization import StateSerializer
from .step_budget import EngineBudgetExceeded, StepBudget, StepLimits
from .step_result import (Incident, StepResult, budget_incident, incident_of, read_result,
                          variables_of)
from .task_tree import all_tasks
from .timers import coalesce_missed_cycles, fire_start_timers_now, hold_start_timers
from .variables import assign_variables

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
SETTLE_ROUNDS = 50  # engine runs per call while settling moves the instance (a bound, not a goal)


class Runtime:
    """Drives SpiffWorkflow with Flowdesk's sandbox, clock and guards."""

    def __init__(self, clock: Clock | None = None, cpu_seconds: float = 1.0,
                 max_depth: int = 900, timezone: str = "Asia/Shanghai",
                 limits: StepLimits | None = None) -> None:
        """``limits``: each call's engine budget; the host gives it a monotonic clock (the
        default reads this thread's CPU time, which a loaded machine does not stretch)."""
        self.clock = clock or SystemClock()
        self.limits = limits or StepLimits(timer=time.thread_time)
        self.script_engine = make_script_engine(cpu_seconds=cpu_seconds, clock=self.clock,
                                                timezone=timezone)
        self.serializer = StateSerializer()
        self.max_depth = max_depth

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, definition: ParsedDefinition, variables: dict[str, Any] | None = None,
              start_event: str | None = None,
              event: tuple[str, str, Any] | None = None) -> tuple[BpmnWorkflow, StepResult]:
        """A new instance run to its first wait; ``start_event``: the timer start whose
        schedule came due (the first one if not given); ``event``: the (kind, name, payload)
        of the message or signal that starts it at its message or signal start event."""
        wf = BpmnWorkflow(definition.spec, definition.subprocess_specs,
                          script_engine=self.script_engine)
        first = wf.get_next_task(state=TaskState.READY)
        if first is not None and variables:
            first.data.update(copy.deepcopy(variables))
        hold_start_timers(wf)
        result = self._advance(wf, definition, action=None)
        if event is not None and result.incident is None:
            return wf, self.send_event(definition, wf, *event)
        if result.incident is None and fire_start_timers_now(wf, self.clock.now(), start_event):
            # Flowdesk schedules timer starts itself: an instance exists because it is time.
            result = self._advance(wf, definition, action=None, refresh=True)
        return wf, result

    def complete_task(self, definition: ParsedDefinition, wf: BpmnWorkflow, task_guid: str,
                      data: dict[str, Any]) -> StepResult:
        """Validate the form, run the task (G4: only if READY), then run to the next wait."""
        task = self._find(wf, task_guid)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_guid} is {TaskState.get_name(task.state)}, not READY")
        info = definition.user_tasks.get(task.task_spec.bpmn_id)
        validate_form(info.form_schema if info else {"type": "object"}, data)
        data = self._user_status(definition, task, data)
        task.data.update(copy.deepcopy(data))
        return self._advance(wf, definition, action=task.run)

    def _user_status(self, definition: ParsedDefinition, task: Any, data: dict) -> dict:
        """A form that moves the case's user status must follow the process's status profile
        (raises IllegalStatus); the change is stored canonically and appended to the history."""
        profile = definition.status_profile
        if profile is None or "user_status" not in data:
            return data
        current = task.data.get("user_status")
        case_type = task.data.get(profile.type_variable)
        if current is None or case_type is None:  # the type is fixed once a status is set
            case_type = data.get(profile.type_variable, case_type)
        status = profile.check(case_type, current, str(data["user_status"]))
        history = list(task.data.get("user_status_history") or [])
        if status != current:
            history.append({"status": status, "at": self.clock.now().isoformat(),
                            "task": task.task_spec.bpmn_id})
        return {**data, "user_status": status, "user_status_history": history}

    def fire_due_timers(self, definition: ParsedDefinition, wf: BpmnWorkflow) -> StepResult:
        """Fire timers that are due by the injected clock, then run to the next wait.

        An overdue cycle fires once for all its missed periods (see ``engine.timers``)."""
        coalesce_missed_cycles(wf, self.clock.now())
        return self._advance(wf, definition, action=None, refresh=True)

    def send_event(self, definition: ParsedDefinition, wf: BpmnWorkflow, kind: str, name: str,
                   payload: dict[str, Any] | None = None) -> StepResult:
        """Deliver a BPMN message or signal from outside (an SLA escalation, a customer reply,
        another instance's throw). The payload's variables land in the catching task's data.

        The host has already decided by correlation that the message is for this instance, so
        it carries the instance's own correlations (SpiffWorkflow would otherwise refuse a
        message whose keys differ from those it recorded). Spiff matches event definitions by
        exact class (G5), so the spiff classes are used."""
        from SpiffWorkflow.bpmn.util.event import BpmnEvent
        from SpiffWorkflow.exceptions import WorkflowException
        from SpiffWorkflow.spiff.specs.event_definitions import (MessageEventDefinition,
                                                                 SignalEventDefinition)
        event_class = MessageEventDefinition if kind == "message" else SignalEventDefinition
        token = spiff_patches.use_clock(self.clock)
        try:
            wf.send_event(BpmnEvent(event_class(name), copy.deepcopy(payload or {}),
                                    correlations=_known_correlations(wf)))
        except WorkflowException:
            raise EventNotCaught(f"the instance is not waiting for the {kind} '{name}'") from None
        finally:
            spiff_patches.reset_clock(token)
        return self._advance(wf, definition, action=None)

    def retry(self, definition: ParsedDefinition, wf: BpmnWorkflow,
              variables: dict[str, Any] | None = None,
              external: tuple[str, ...] = ()) -> StepResult:
        """Put failed tasks back to READY (G14: Spiff has no public retry), optionally with
        corrected data, and run again. ``external``: the external tasks whose worker gave up
        (they stay with their workers; the corrected data goes to them too).

        A user or manual task in error was completed and its post-script failed: the person's
        work is done, so its post-script runs again with the corrections and the process goes
        on, rather than the form reopening (its row is already completed)."""
        completed_by_people = []
        for task in wf.get_tasks(state=TaskState.ERROR):
            if variables:
                task.data.update(copy.deepcopy(variables))
            task._set_state(TaskState.READY)
            if task.task_spec.manual:
                completed_by_people.append(task)
        for guid in external if variables else ():
            task = self._find(wf, guid)
            if is_open_external(task):
                task.data.update(copy.deepcopy(variables))

        def finish_their_tasks() -> None:
            for task in completed_by_people:
                task.run()
        return self._advance(wf, definition, action=finish_their_tasks)

    # -- external tasks --------------------------------------------------------------------
    def complete_external(self, definition: ParsedDefinition, wf: BpmnWorkflow,
                          task_guid: str, variables: dict[str, Any]) -> StepResult:
        """A worker finished an external task: its variables go to the process, which runs
        to its next wait."""
        task = self._external(wf, task_guid)
        task.data.update(copy.deepcopy(variables))
        return self._advance(wf, definition, action=task.complete)

    def throw_external_error(self, definition: ParsedDefinition, wf: BpmnWorkflow,
                             task_guid: str, code: str, message: str = "",
                             variables: dict[str, Any] | None = None) -> StepResult:
        """A worker reports a business error: the error boundary event that catches ``code``
        (see ``external_tasks.catching_boundary``) fires with the variables, interrupting the
        task. Raises ErrorNotCaught, changing nothing, if no boundary catches it."""
        task = self._external(wf, task_guid)
        boundary = catching_boundary(task, code)
        if boundary is None:
            label = task.task_spec.bpmn_name or task.task_spec.bpmn_id
            raise ErrorNotCaught(f"No error boundary event on '{label}' (or around it) "
                                 f"catches the error code '{code}'.")
        names = definition.error_variables.get(boundary.task_spec.bpmn_id, ("", ""))

        def fire() -> None:
            spec = boundary.task_spec
            spec.catch(boundary, BpmnEvent(spec.event_definition,
                                           payload={"code": code, "message": message}))
            spec._update(boundary)
            boundary.data.update(copy.deepcopy(variables or {}))
            boundary.data.update({name: value for name, value in zip(names, (code, message))
                                  if name})
        return self._advance(wf, definition, action=fire)

    def _external(self, wf: BpmnWorkflow, task_guid: str) -> Any:
        task = self._find(wf, task_guid)
        if not is_open_external(task):
            raise TaskNotReady(f"task {task_guid} is not an external task waiting for a "
                               f"worker (it is {TaskState.get_name(task.state)})")
        return task

    def update_variables(self, definition: ParsedDefinition, wf: BpmnWorkflow,
                         variables: dict[str, Any]) -> StepResult:
        """Give the instance's live branches these values (an admin's correction), then run:
        conditional events see the change."""
        assign_variables(wf, variables)
        return self._advance(wf, definition, action=None)

    def modify(self, definition: ParsedDefinition, wf: BpmnWorkflow, operations: list[dict],
               variables: dict[str, Any] | None = None) -> StepResult:
        """An admin's modification (``engine.modification``: cancel an active element, start
        before or after one), then run to the next wait. Refused before any change."""
        modification.modify(wf, definition.subprocess_specs, operations, variables)
        return self._advance(wf, definition, action=None)

    def migrate(self, source: ParsedDefinition, target: ParsedDefinition, wf: BpmnWorkflow,
                mapping: dict[str, str | None],
                variables: dict[str, Any] | None = None) -> StepResult:
        """Move the instance to another version of its process under ``mapping``
        (``engine.migration``; raises MigrationRefused, changing nothing), give it
        ``variables``, and run it to its next wait on the new model. The move itself runs on
        the injected clock too: SpiffWorkflow re-arms the waiting timers while it resets them,
        and they must be due from the migration's time, not the machine's."""
        token = spiff_patches.use_clock(self.clock)
        try:
            migration.migrate(wf, source, target, mapping)
        finally:
            spiff_patches.reset_clock(token)
        if variables:
            assign_variables(wf, variables)
        return self._advance(wf, target, action=None)

    def cancel(self, wf: BpmnWorkflow) -> StepResult:
        wf.cancel()
        return StepResult(status="cancelled", variables=variables_of(wf))

    def inspect(self, definition: ParsedDefinition, wf: BpmnWorkflow) -> StepResult:
        """The current picture of an instance without moving it."""
        return read_result(wf, definition, None)

    # -- persistence -----------------------------------------------------------------------
    def dumps(self, wf: BpmnWorkflow) -> str:
        return self.serializer.dumps(wf)

    def loads(self, definition: ParsedDefinition, state: str) -> BpmnWorkflow:
        wf = self.serializer.loads(state, definition.spec, definition.subprocess_specs)
        # Sub-workflows (subprocesses, call activities) read the top workflow's engine.
        wf.script_engine = self.script_engine
        return wf

    # -- internals -------------------------------------------------------------------------
    @staticmethod
    def _find(wf: BpmnWorkflow, task_guid: str) -> Any:
        try:
            task = wf.get_task_from_id(UUID(str(task_guid)))
        except (ValueError, TaskNotFoundException, KeyError):
            task = None
        if task is None:
            raise TaskNotFound(f"no task {task_guid} in this instance")
        return task

    def _advance(self, wf: BpmnWorkflow, definition: ParsedDefinition,
                 action: Callable[[], object] | None, refresh: bool = False) -> StepResult:
        token = spiff_patches.use_clock(self.clock)
        requests = host_actions.collect()
        incident = None
        try:
            if refresh:
                wf.refresh_timers()
            if action is not None:
                action()
            self._run_to_wait(wf, definition, self.limits.start())
            self._guard_depth(wf)
        except TaskTreeTooDeep as exc:
            incident = Incident(kind="loop_limit", message=str(exc))
        except EngineBudgetExceeded as exc:
            incident = budget_incident(exc)
        except SpiffWorkflowException as exc:
            incident = incident_of(exc)
        except Exception as exc:  # noqa: BLE001 - Spiff leaks raw errors (G6); never a 500
            incident = Incident(kind="engine_error", message=f"{type(exc).__name__}: {exc}")
        finally:
            spiff_patches.reset_clock(token)
            actions = host_actions.drain(requests)
        result = read_result(wf, definition, incident)
        result.host_actions = [] if incident else actions
        result.thrown = events.thrown(wf)  # thrown before any failure: the state keeps them
        return result

    def _run_to_wait(self, wf: BpmnWorkflow, definition: ParsedDefinition,
                     budget: StepBudget) -> None:
        """Run the engine until the instance waits, then settle what SpiffWorkflow leaves to
        the host (see ``_settle``), and run again while that moved anything.

        Not wf.do_engine_steps(): its trailing refresh_timers() makes an overdue timer READY
        without running it, and the instance would sit with nothing to wake it. Timers move
        only in fire_due_timers (refresh=True), after missed cycles are coalesced, so a late
        cycle fires once. ``budget`` sees every task before it runs and stops the run (the
        task stays READY) once it is spent."""
        for _ in range(SETTLE_ROUNDS):
            while wf._do_engine_steps(will_complete_task=budget.before_task):
                budget.check_time()
            if not self._settle(wf, definition):
                return

    def _settle(self, wf: BpmnWorkflow, definition: ParsedDefinition) -> bool:
        """Interrupting event subprocesses cancel the rest; waiting conditional events are
        looked at again (``engine.conditions``); event subprocesses whose (sub)process has
        nothing else to do are withdrawn. Whether anything moved."""
        moved = self._interrupt(wf, definition)
        if definition.has_conditions:
            moved = conditions.recheck(wf) or moved
        return event_subprocesses.end_idle(wf, definition.armed_event_subprocesses) or moved

    @staticmethod
    def _interrupt(wf: BpmnWorkflow, definition: ParsedDefinition) -> bool:
        """An interrupting event subprocess whose start event has fired cancels everything
        else its (sub)process was doing: the main flow and any other event subprocess.
        SpiffWorkflow runs it beside them; BPMN says the others stop. Done once per event
        subprocess."""
        if not definition.interrupting:
            return False
        fired = [task for task in all_tasks(wf)
                 if task.task_spec.bpmn_id in definition.interrupting
                 and not task.internal_data.get("interrupted")
                 and event_subprocesses.has_fired(wf, task)]
        for task in fired:
            task.internal_data["interrupted"] = True
            for sibling in list(task.parent.children):  # the (sub)process's start task's
                if sibling is not task:
                    sibling.cancel()
        return bool(fired)

    def _guard_depth(self, wf: BpmnWorkflow) -> None:
        """G2: past Spiff's iterator depth, READY tasks vanish and the instance looks complete."""
        for task in all_tasks(wf):
            if task.state & LIVE and task.depth > self.max_depth:
                label = task.task_spec.bpmn_name or task.task_spec.name
                raise TaskTreeTooDeep(
                    f"The process looped too often: task '{label}' is {task.depth} steps "
                    f"deep (limit {self.max_depth}). Bound the loop, or start a new instance "
                    "or a call activity per cycle.")



def _known_correlations(wf: BpmnWorkflow) -> dict:
    """The correlations recorded by the (sub)workflows that wait for an event."""
    merged: dict = {}
    for task in wf.event_manager.tasks.values():
        for key, values in task.workflow.correlations.items():
            merged.setdefault(key, values)
    return merged

