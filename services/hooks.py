"""Where the rules of particular processes plug into the generic path: one registry.

The engine step knows nothing of customer tiers, care rounds or shift handovers. What a
deployment's processes need beyond BPMN registers here, and the generic code asks the registry:

* **task rules** see every new human-task row before it is written, with the task's data, and
  may raise its priority or give it an assignee (a VIP customer's tasks, a dedicated agent);
* **start-data providers** fill an instance's start variables from Flowdesk's records, by the
  name a model gives in its ``startDataProvider`` property (scripts see no database);
* **host operations** carry out a service task's request (``engine.host_actions``) inside the
  step's transaction;
* **case registers** are a process's own list report, one row per case (the 中差评 register):
  the reports read them by kind, and retention keeps the rows of the cases it removes.

Flowdesk's own customer-service rules are in ``services.rules`` and registered by default
(``rules.default_hooks``); an installation can build its own ``Hooks`` and hand it to
``Flowdesk``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.host_actions import HostAction
from services import audit
from services.errors import Invalid
from store.uow import UnitOfWork

TaskRule = Callable[[dict, dict], None]  # (new task row, task data): adjust the row in place
Provider = Callable[[UnitOfWork, datetime, str], dict]  # (uow, now, time zone) -> variables
HostOperation = Callable[[UnitOfWork, Any, dict, datetime], dict]  # -> outcome, audited


@dataclass(frozen=True)
class Register:
    """A process's case register: one row per case of ``process_key`` (its columns and
    variables), listed in ``order``; ``kind`` names it in the reports and their rollups."""

    kind: str
    process_key: str
    row: Callable[[Any], dict]  # an instance (case_no, status, started_at, variables) -> row
    order: Callable[[dict], Any]  # a row's sort key
    when: str = "started_at"  # the row's instant: a report's range and its rollup hour


class Hooks:
    """The registered rules; the generic path calls ``shape_task``, ``start_data`` and
    ``perform``."""

    def __init__(self) -> None:
        self.task_rules: list[TaskRule] = []
        self.providers: dict[str, Provider] = {}
        self.operations: dict[str, HostOperation] = {}
        self.registers: dict[str, Register] = {}

    # -- registering ------------------------------------------------------------------------

    def add_task_rule(self, rule: TaskRule) -> None:
        self.task_rules.append(rule)

    def add_provider(self, name: str, provider: Provider) -> None:
        self.providers[name] = provider

    def add_operation(self, name: str, operation: HostOperation) -> None:
        self.operations[name] = operation

    def add_register(self, register: Register) -> None:
        self.registers[register.kind] = register

    # -- used by the generic path -----------------------------------------------------------

    def register(self, kind: str) -> Register:
        return self.registers[kind]

    def registers_of(self, process_key: str) -> list[Register]:
        return [r for r in self.registers.values() if r.process_key == process_key]

    def shape_task(self, row: dict, data: dict) -> None:
        for rule in self.task_rules:
            rule(row, data)

    def start_data(self, uow: UnitOfWork, name: str, now: datetime, timezone: str) -> dict:
        provider = self.providers.get(name)
        if provider is None:
            raise Invalid.of("instance.start_data", name=name, known=sorted(self.providers))
        return provider(uow, now, timezone)

    def perform(self, uow: UnitOfWork, instance: Any, actions: list[HostAction],
                now: datetime) -> None:
        """Carry out what the step's service tasks asked for, and audit each request."""
        for action in actions:
            outcome = self.operations[action.operation](uow, instance, action.params, now)
            audit.record(uow, now, "engine", f"service.{action.operation}",
                         instance_id=instance["id"],
                         after={"task": action.bpmn_id, "params": action.params, **outcome})
