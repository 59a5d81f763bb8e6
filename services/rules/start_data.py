"""Start-data providers: what a process needs from Flowdesk's records when an instance starts.

Scripts are sandboxed and see no database, so a process that works on a selection of customers
names a provider in its ``startDataProvider`` property; the host runs it when the instance
starts (by schedule or by API) and merges what it returns into the start variables (variables
given explicitly win). Registered through ``services.hooks``; unknown names are refused at
start with a clear error.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.hooks import Provider
from store import queries as q
from store.tables import Customer
from store.uow import UnitOfWork

customers = Customer.__table__
HIGH_VALUE_TIERS = ("金卡", "钻石", "VIP")
NEW_DAYS, COMPLAINT_DAYS, MANY_COMPLAINTS = 30, 90, 2


def _brief(row: Any) -> dict:
    return {"id": row["id"], "code": row["code"], "name": row["name"], "tier": row["tier"],
            "abc_class": row["abc_class"], "phone": row["phone"],
            "dedicated_agent": row["dedicated_agent"]}


def callback_customers(conn: UnitOfWork, now: datetime, timezone: str) -> dict:
    """The monthly callback round (回访): new customers, high-value ones and those with many
    complaints lately, each with the reasons; and the improvement actions the previous round
    promised, to be checked in this one."""
    complaints = Counter(r.customer_id for r in conn.execute(
        select(q.instances.c.customer_id).where(
            q.instances.c.process_key == "complaint_handling",
            q.instances.c.customer_id.is_not(None),
            q.instances.c.started_at >= now - timedelta(days=COMPLAINT_DAYS))))
    selected = []
    for row in conn.execute(select(customers).order_by(customers.c.id)).mappings():
        reasons = []
        if row["created_at"] >= now - timedelta(days=NEW_DAYS):
            reasons.append("new")
        if row["abc_class"] == "A" or row["tier"] in HIGH_VALUE_TIERS:
            reasons.append("high_value")
        if complaints[row["id"]] >= MANY_COMPLAINTS:
            reasons.append("many_complaints")
        if reasons:
            selected.append({**_brief(row), "reasons": reasons})
    previous = conn.execute(
        select(q.instances.c.variables).where(q.instances.c.process_key == "monthly_callback",
                                              q.instances.c.status == "completed")
        .order_by(q.instances.c.id.desc()).limit(1)).scalar()
    return {"callback_round": now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m"),
            "callback_customers": selected,
            "previous_improvement_actions": (previous or {}).get("improvement_actions", [])}


def care_customers(conn: UnitOfWork, now: datetime, timezone: str) -> dict:
    """Customer care (客户关怀): customers whose birthday falls in this month, and those who had
    no deep contact (a completed customer_care case that made one) this quarter."""
    local = now.astimezone(ZoneInfo(timezone))
    quarter_start = local.replace(month=3 * ((local.month - 1) // 3) + 1, day=1, hour=0,
                                  minute=0, second=0, microsecond=0)
    contacted = set()  # reached this quarter, or still on a running round's list
    for r in conn.execute(select(q.instances.c.variables, q.instances.c.status).where(
            q.instances.c.process_key == "customer_care",
            q.instances.c.started_at >= quarter_start)):
        data = r.variables or {}
        contacted |= set(data.get("deep_contacted_ids", []))
        if r.status not in ("completed", "cancelled"):
            contacted |= {c.get("id") for c in data.get("deep_contact_customers", [])
                          if isinstance(c, dict)}
    birthdays, deep = [], []
    for row in conn.execute(select(customers).order_by(customers.c.id)).mappings():
        if row["birthday"] is not None and row["birthday"].month == local.month:
            birthdays.append({**_brief(row), "birthday": row["birthday"].isoformat()})
        if row["id"] not in contacted:
            deep.append(_brief(row))
    return {"month": local.strftime("%Y-%m"),
            "quarter": f"{local.year}-Q{(local.month - 1) // 3 + 1}",
            "birthday_customers": birthdays, "deep_contact_customers": deep}


def shift_open_tasks(conn: UnitOfWork, now: datetime, timezone: str) -> dict:
    """For a shift handover: the open tasks (who has them, what they wait for, how urgent)
    and who is in which group, so the process can pick the leaving shift's share."""
    from store.tables import Group, User, UserGroup
    t = q.tasks
    rows = conn.execute(
        select(t.c.id, t.c.name, t.c.process_key, t.c.candidate_group, t.c.assignee,
               t.c.priority, t.c.due_at, t.c.sla_state, t.c.waiting_reason, q.instances.c.case_no)
        .join(q.instances, q.instances.c.id == t.c.instance_id)
        .where(q.IS_ACTIVE).order_by(t.c.priority.desc(), t.c.id).limit(500)
    ).mappings().all()
    members: dict[str, list[str]] = {}
    for r in conn.execute(select(Group.__table__.c.name, User.__table__.c.username)
                          .join(UserGroup.__table__,
                                UserGroup.__table__.c.group_id == Group.__table__.c.id)
                          .join(User.__table__, User.__table__.c.id ==
                                UserGroup.__table__.c.user_id)):
        members.setdefault(r.name, []).append(r.username)
    return {"open_tasks": [{**dict(r), "due_at": r["due_at"].isoformat() if r["due_at"]
                            else None} for r in rows],
            "group_members": members,
            "handover_at": now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")}


PROVIDERS: dict[str, Provider] = {
    "callback_customers": callback_customers, "care_customers": care_customers,
    "shift_open_tasks": shift_open_tasks}
