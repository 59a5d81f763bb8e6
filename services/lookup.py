"""Any staff member looks a case up by its exact case number, order number (the variable
``order_no``) or the customer's phone, and gets summaries with personal data masked.

This is how a call about a case one does not work on is answered without disclosing the
customer: the full case stays with those who work on it (``services.visibility``). Every
look-up is in the audit trail (``case.looked_up``, on each case found).
"""
from __future__ import annotations

from sqlalchemy import select

from services import audit, masking, phones
from services.context import Flowdesk
from services.errors import Invalid, coded_field
from services.principal import Principal, require_role
from services.visibility import INSTANCES, case_visible
from store.tables import Customer

CUSTOMERS = Customer.__table__
FIELDS = ("case_no", "order_no", "phone")
MAX_RESULTS = 20


def _condition(by: str, value: str):  # type: ignore[no-untyped-def]
    if by == "case_no":
        return INSTANCES.c.case_no == value
    if by == "order_no":
        return INSTANCES.c.variables["order_no"].as_string() == value
    return CUSTOMERS.c.phone == phones.as_looked_up(value)


def lookup(fd: Flowdesk, user: Principal, **given: str | None) -> list[dict]:
    """The cases with exactly this case number, order number or customer phone (one of
    them), newest first, as masked summaries; ``may_open`` says whether the user may read
    the case in full."""
    require_role(user, "staff", "supervisor", "admin")
    named = [(k, v.strip()) for k, v in given.items() if k in FIELDS and v and v.strip()]
    if len(named) != 1:
        raise Invalid.of("lookup.one_key",
                         [coded_field(k, "field.one_of_lookup", "query") for k in FIELDS])
    by, value = named[0]
    query = (select(INSTANCES.c.id, INSTANCES.c.case_no, INSTANCES.c.process_key,
                    INSTANCES.c.status, INSTANCES.c.started_at, INSTANCES.c.ended_at,
                    INSTANCES.c.variables, CUSTOMERS.c.id.label("customer_id"),
                    CUSTOMERS.c.code, CUSTOMERS.c.name, CUSTOMERS.c.tier, CUSTOMERS.c.abc_class,
                    CUSTOMERS.c.phone, CUSTOMERS.c.email,
                    case_visible(user).label("may_open"))
             .outerjoin(CUSTOMERS, CUSTOMERS.c.id == INSTANCES.c.customer_id)
             .where(_condition(by, value)).order_by(INSTANCES.c.id.desc()).limit(MAX_RESULTS))
    with fd.uow(read_only=True) as uow:
        rows = uow.execute(query).mappings().all()
    record(fd, user, by, masking.phone(value) if by == "phone" else value,
           [row["id"] for row in rows])
    return [summary(row) for row in rows]


def record(fd: Flowdesk, user: Principal, by: str, shown: str, instance_ids: list[int]) -> None:
    """The look-up in the audit trail: one ``case.looked_up`` per case found (one without a
    case when nothing was), with what was looked for (a phone masked)."""
    now = fd.now()
    with fd.uow() as uow:
        for instance_id in instance_ids or [None]:
            audit.record(uow, now, user.username, "case.looked_up", instance_id=instance_id,
                         after={"by": by, "value": shown, "found": len(instance_ids)})


def summary(row, may_open: bool | None = None) -> dict:  # type: ignore[no-untyped-def]
    """A case's summary with the customer and the personal variables masked."""
    variables = row["variables"] or {}
    customer = (masking.customer({"id": row["customer_id"], **{k: row[k] for k in (
        "code", "name", "tier", "abc_class", "phone", "email")}})
        if row["customer_id"] is not None else None)
    return {"instance_id": row["id"], "case_no": row["case_no"],
            "process_key": row["process_key"], "status": row["status"],
            "started_at": row["started_at"], "ended_at": row["ended_at"],
            "order_no": variables.get("order_no"), "customer": customer,
            "personal": masking.personal_variables(variables),
            "may_open": bool(row["may_open"] if may_open is None else may_open)}
