"""Flowdesk's shipped customer-service rules, plugged in through ``services.hooks``.

* ``customer_tiers``: tier priority and the dedicated agent (a task rule);
* ``start_data``: the customer selections of the monthly callback and customer-care rounds and
  the open tasks of a shift handover (start-data providers);
* ``handover``: moving the leaving shift's open tasks to the next shift (a host operation);
* ``review_register``: the 中差评 register of the negative-review process (a case register).
"""
from __future__ import annotations

from services.hooks import Hooks
from services.rules import customer_tiers, handover, review_register, start_data


def register(hooks: Hooks) -> None:
    hooks.add_task_rule(customer_tiers.shape_task)
    for name, provider in start_data.PROVIDERS.items():
        hooks.add_provider(name, provider)
    for name, operation in handover.OPERATIONS.items():
        hooks.add_operation(name, operation)
    hooks.add_register(review_register.REGISTER)


def default_hooks() -> Hooks:
    """A registry with Flowdesk's shipped customer-service rules."""
    hooks = Hooks()
    register(hooks)
    return hooks
