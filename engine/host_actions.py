"""Service tasks as requests to the host: the engine stays pure, the host acts on its records.

A BPMN service task (``spiffworkflow:serviceTaskOperator``) names one of ``OPERATIONS``. When it
runs, the request is recorded (not performed) and reported in the step's result; the host
carries it out in the same transaction that saves the step, so either both happen or neither.
An unknown operation or a missing parameter fails the task like a failing script (an incident).

``http`` is the exception: a call over the network must never run inside an engine step or a
database transaction, so it is not a host action. It is an external task of the topic
``flowdesk.http`` (``engine.external_tasks.EXTERNAL_OPERATORS``) that Flowdesk's connector
worker performs outside any transaction (``services.connectors.runner``).
"""
from __future__ import annotations

import json
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from . import http_call

OPERATIONS: dict[str, dict[str, bool]] = {  # name -> {parameter: required}
    # hand the open tasks of a leaving shift to the next one (shift-handover)
    "handover_tasks": {"from_group": True, "to_group": True, "keep_waiting": False},
    # call an HTTP API (services.connectors.http), outside the engine step: never a host action
    "http": http_call.PARAMETERS,
}
# Operators performed by a worker outside the engine step, never by ``request``.
NOT_HOST_ACTIONS = frozenset({"http"})


@dataclass
class HostAction:
    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    bpmn_id: str | None = None


_pending: ContextVar[list[HostAction] | None] = ContextVar("flowdesk_host_actions",
                                                           default=None)


def collect() -> Token:
    """Start collecting the requests of one engine step."""
    return _pending.set([])


def drain(token: Token) -> list[HostAction]:
    found = _pending.get() or []
    _pending.reset(token)
    return found


def check(operation: str, params: dict[str, Any]) -> str | None:
    """Why a request cannot be made, or None."""
    wanted = OPERATIONS.get(operation)
    if wanted is None:
        return (f"unknown service operation '{operation}'; Flowdesk provides "
                f"{', '.join(sorted(OPERATIONS))}")
    missing = [p for p, required in wanted.items() if required and params.get(p) in (None, "")]
    unknown = [p for p in params if p not in wanted]
    if missing or unknown:
        return (f"service operation '{operation}' needs {', '.join(wanted)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else ""))
    return None


def check_model(operation: str, expressions: dict[str, str]) -> list[str]:
    """Why a deployment must refuse a service task naming ``operation`` with these parameter
    expressions (not yet evaluated): the parameters, and what their literal values show."""
    problem = check(operation, {name: expression or None
                                for name, expression in expressions.items()})
    problems = [problem] if problem else []
    if operation == "http":
        problems += http_call.lint_expressions(expressions)
    return problems


def request(operation: str, params: dict[str, Any], bpmn_id: str | None = None) -> str:
    """Record a request (called from the script engine); returns the task's JSON result."""
    if operation in NOT_HOST_ACTIONS:
        raise ValueError(f"the service operation '{operation}' is not run inside an engine "
                         "step")
    problem = check(operation, params)
    if problem is not None:
        raise ValueError(problem)
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("service tasks run only inside an engine step")
    pending.append(HostAction(operation, dict(params), bpmn_id))
    return json.dumps({"requested": operation})
