"""Where the rules of particular processes plug into the generic path: one registry.

The engine step knows nothing of customer tiers, care rounds or shift handovers. What a
deployment's processes need beyond BPMN registers here, and the generic code asks the registry:

* **task rules** see every new human-task row before it is written, with the task's data, and
  may raise its priority or give it an assignee (a VIP customer's tasks, a dedicated agent);
* **start-data providers** fill an instance's start variables from Flowdesk's records, by the
  name a model gives in its ``startDataProvider`` property (scripts see no database);
* **host operations** carry out a service task's request (``engine.host_actions``) inside the
  step's transaction.

Flowdesk's own customer-service rules are in ``services.rules`` and registered by default
(``rules.default_hooks``); an installation can build its own ``Hooks`` and hand it to
``Flowdesk``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.host_actions import HostAction
from services import audit
from services.errors import Invalid
from store.uow import UnitOfWork

TaskRule = Callable[[dict, dict], None]  # (new task row, task data): adjust the row in place
Provider = Callable[[UnitOfWork, datetime, str], dict]  # (uow, now, time zone) -> variables
HostOperation = Callable[[UnitOfWork, Any, dict, datetime], dict]  # -> outcome, audited


class Hooks:
    """The registered rules; the generic path calls ``shape_task``, ``start_data`` and
    ``perform``."""

    def __init__(self) -> None:
        self.task_rules: list[TaskRule] = []
        self.providers: dict[str, Provider] = {}
        self.operations: dict[str, HostOperation] = {}

    # -- registering ------------------------------------------------------------------------

    def add_task_rule(self, rule: TaskRule) -> None:
        self.task_rules.append(rule)

    def add_provider(self, name: str, provider: Provider) -> None:
        self.providers[name] = provider

    def add_operation(self, name: str, operation: HostOperation) -> None:
        self.operations[name] = operation

    # -- used by the generic path -----------------------------------------------------------

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
