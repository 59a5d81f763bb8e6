"""Which audited actions are worth telling someone about, and as which event kind.

Subscriptions name event kinds (``KINDS``); the audit trail names actions. An action listed
here gets ``notify='pending'`` in the INSERT that audits it (``services.audit``), so the
notification is as durable as the change itself and costs no statement of its own.
"""
from __future__ import annotations

KINDS = ("assigned_to_me", "group_queue", "sla_warning", "sla_breach", "escalation",
         "incident", "mentioned")
# Sent at once even in a subscription's quiet hours, and marked urgent in its message.
URGENT_KINDS = frozenset({"sla_breach"})
CHANNELS = ("email", "webhook", "in_app")

# action -> the event kinds it may raise (the fan-out picks per recipient)
ACTIONS: dict[str, tuple[str, ...]] = {
    "task.opened": ("group_queue", "assigned_to_me"),  # routed to a lane, or straight to someone
    "task.assigned": ("assigned_to_me",),
    "task.delegated": ("assigned_to_me",),  # services.task_delegation: to the delegate
    "task.resolved": ("assigned_to_me",),  # back to the owner
    "task.escalated": ("escalation",),
    "sla.warning": ("sla_warning",),
    "sla.breach": ("sla_breach",),
    "sla.escalation": ("escalation",),
    "instance.incident": ("incident",),
    "case.commented": ("mentioned",),  # services.case_comments: the users it @mentions
}


def is_notifiable(action: str) -> bool:
    return action in ACTIONS
