"""A customer's tier raises their cases' priority; a dedicated agent takes their front line.

Any process whose instance carries a ``customer`` variable (a case started for a customer)
gets this: tasks of 金卡/钻石/VIP customers get at least the tier's priority, and a customer's
dedicated agent, if set, is assigned the tasks of the front-line lane (``Agent``) directly.
"""
from __future__ import annotations

TIER_PRIORITY = {"金卡": 60, "钻石": 80, "VIP": 90}  # the least priority their tasks get
DEDICATED_LANES = ("Agent",)  # where a customer's dedicated agent takes the task directly


def tier_priority(data: dict) -> int:
    customer = data.get("customer")
    return TIER_PRIORITY.get(customer.get("tier"), 0) if isinstance(customer, dict) else 0


def dedicated_agent(data: dict, lane: str | None) -> str | None:
    customer = data.get("customer")
    if lane in DEDICATED_LANES and isinstance(customer, dict):
        return customer.get("dedicated_agent") or None
    return None


def shape_task(row: dict, data: dict) -> None:
    """The task rule: the tier's least priority, and the dedicated agent if nobody is set."""
    row["priority"] = max(row["priority"], tier_priority(data))
    if not row["assignee"]:
        row["assignee"] = dedicated_agent(data, row["candidate_group"])
