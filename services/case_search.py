"""Finding a case by what a caller gives on the phone: its case number, business key, order
number, the customer's name, phone or customer code.

Two kinds of answer, under the visibility rule (``services.visibility``):

- the cases the user may open (they work on them, or they are a supervisor or admin), found by
  any of those, the customer's name by part;
- the cases they may not open, only by an *exact* case number, order number or phone, as the
  masked summaries of ``services.lookup`` — and, as there, every such look-up is audited.

A name search never reveals a case the user does not work on: a part of a name is not proof
that the caller is that customer.
"""
from __future__ import annotations

from sqlalchemy import and_, not_, or_, select

from services import lookup, phones
from services.context import Flowdesk
from services.errors import Invalid, coded_field
from services.principal import Principal, require_role
from services.visibility import INSTANCES, case_visible
from store.tables import Customer, ProcessDefinition

CUSTOMERS, DEFS = Customer.__table__, ProcessDefinition.__table__
MAX_RESULTS = 50
MAX_QUERY = 100


def _exact(text: str):  # type: ignore[no-untyped-def]
    """Matches that identify one case (or one customer's cases) beyond doubt."""
    return or_(INSTANCES.c.case_no == text,
               INSTANCES.c.variables["order_no"].as_string() == text,
               CUSTOMERS.c.phone == phones.as_looked_up(text))


def _any(text: str):  # type: ignore[no-untyped-def]
    return or_(_exact(text), INSTANCES.c.business_key == text, CUSTOMERS.c.code == text,
               INSTANCES.c.case_no.istartswith(text, autoescape=True),
               CUSTOMERS.c.name.icontains(text, autoescape=True))


def _columns():  # type: ignore[no-untyped-def]
    return (INSTANCES.c.id, INSTANCES.c.case_no, INSTANCES.c.process_key,
            INSTANCES.c.business_key, INSTANCES.c.status, INSTANCES.c.started_at,
            INSTANCES.c.ended_at, INSTANCES.c.variables, INSTANCES.c.waiting_reason,
            DEFS.c.name.label("process_name"), CUSTOMERS.c.id.label("customer_id"),
            CUSTOMERS.c.code, CUSTOMERS.c.name, CUSTOMERS.c.tier, CUSTOMERS.c.abc_class,
            CUSTOMERS.c.phone, CUSTOMERS.c.email)


def search(fd: Flowdesk, user: Principal, q: str) -> dict:
    """``{"cases": [...], "masked": [...]}``: the user's own matches (newest first), then the
    exact matches they may not open, masked. Summaries only: the full case is
    ``GET /instances/{id}`` (or the case page), which audits reads of customer data."""
    require_role(user, "staff", "supervisor", "admin")
    text = (q or "").strip()
    if not text or len(text) > MAX_QUERY:
        raise Invalid.of("search.query",
                         [coded_field("q", "field.length_between", "query", max=MAX_QUERY)],
                         max=MAX_QUERY)
    base = (select(*_columns())
            .join(DEFS, DEFS.c.id == INSTANCES.c.definition_id)
            .outerjoin(CUSTOMERS, CUSTOMERS.c.id == INSTANCES.c.customer_id)
            .order_by(INSTANCES.c.id.desc()).limit(MAX_RESULTS))
    visible = case_visible(user)
    with fd.uow(read_only=True) as uow:
        own = uow.execute(base.where(and_(visible, _any(text)))).mappings().all()
        others = uow.execute(base.where(and_(not_(visible), _exact(text)))).mappings().all()
    masked = [{**lookup.summary(row, may_open=False), "process_name": row["process_name"]}
              for row in others]
    if others:
        lookup.record(fd, user, "search", text, [row["id"] for row in others])
    return {"cases": [_own(row) for row in own], "masked": masked}


def _own(row) -> dict:  # type: ignore[no-untyped-def]
    """A case the user may open: the list shows who it is about (name, tier) and the phone
    masked all the same — the full record is on the case page, where reading it is audited."""
    summary = lookup.summary(row, may_open=True)
    if summary["customer"] is not None:
        summary["customer"]["name"] = row["name"]
    variables = row["variables"] or {}
    return {**summary, "process_name": row["process_name"],
            "business_key": row["business_key"], "waiting_reason": row["waiting_reason"],
            "subject": variables.get("subject") or variables.get("title")}
