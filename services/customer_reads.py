"""Reads of a customer's full record leave a ``customer.read`` entry in the audit trail.

The customer record is personal data the source documents say must not be disclosed; who read
it, when and through what (the customer page, a case's ``customer`` variable) is kept.
"""
from __future__ import annotations

from typing import Any

from services import audit
from services.context import Flowdesk
from services.principal import Principal
from store.uow import UnitOfWork


def record(uow: UnitOfWork, fd: Flowdesk, user: Principal, customer_id: int | None, *,
           via: str, instance_id: int | None = None) -> None:
    audit.record(uow, fd.now(), user.username, "customer.read", instance_id=instance_id,
                 after={"customer_id": customer_id, "via": via})


def record_if_shown(fd: Flowdesk, user: Principal, variables: dict[str, Any] | None,
                    instance_id: int, via: str) -> None:
    """After a read-only read of a case: if its variables carry the customer's record, write
    the audit entry (its own unit of work, committed before the data is answered)."""
    customer = (variables or {}).get("customer")
    if not isinstance(customer, dict):
        return
    with fd.uow() as uow:
        record(uow, fd, user, customer.get("id"), via=via, instance_id=instance_id)
