"""Customer records that cases reference by id, and the case numbers cases are known by.

A customer's tier (普通/银卡/金卡/钻石/VIP) and dedicated agent matter to their cases' tasks
through a task rule (``services.rules.customer_tiers``). Case numbers are
``<prefix><YYYYMMDD><seq>`` per process (the prefix is the process's ``caseNumberPrefix``),
counted per day in the server's time zone, and handed out atomically on every database.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from services import audit, customer_reads, masking, phones
from services.context import Flowdesk
from services.errors import Conflict, Forbidden, Invalid, NotFound, coded_field
from services.visibility import customer_visible
from services.principal import Principal, require_role
from store import queries as q
from store.fast_sql import Prepared
from store.tables import CaseCounter, Customer, Purchase
from store.uow import UnitOfWork

customers = Customer.__table__
purchases = Purchase.__table__
counters = CaseCounter.__table__
TIERS = ("普通", "银卡", "金卡", "钻石", "VIP")
STAFF = ("staff", "supervisor", "admin")
# What routes and ranks a customer's cases (``services.rules.customer_tiers``: the tier raises
# priority, the dedicated agent gets their Agent tasks) and what identifies the record: set by
# supervisors and admins. Staff working a case correct contact details and notes.
SUPERVISED = ("code", "tier", "abc_class", "dedicated_agent")


# One upsert for SQLite and PostgreSQL alike. Plain text: the dialects' ON CONFLICT constructs
# have no cache key, so SQLAlchemy would compile them afresh on every instance start.
# Run on the driver's cursor (``store.fast_sql``): every start takes a number.
_NEXT_CASE_NO = Prepared(text(
    f"INSERT INTO {counters.name} (prefix, day, last) VALUES (:prefix, :day, 1) "
    f"ON CONFLICT (prefix, day) DO UPDATE SET last = {counters.name}.last + 1 RETURNING last"
).columns(counters.c.last))


def next_case_no(conn: UnitOfWork, prefix: str, now: datetime, tz: str) -> str:
    """The next number of the day for this prefix: one atomic upsert, no lost updates."""
    day = now.astimezone(ZoneInfo(tz)).strftime("%Y%m%d")
    seq = _NEXT_CASE_NO.rows(conn, {"prefix": prefix, "day": day})[0]["last"]
    return f"{prefix}{day}{seq:04d}"


def take_case_no(fd: Flowdesk, conn: UnitOfWork, prefix: str, now: datetime) -> str:
    """A new instance's case number. On PostgreSQL it is taken in a transaction of its own,
    committed at once: in the start's transaction the counter row stayed locked until the
    start committed, so concurrent starts of one process (on every worker and node) waited
    for each other. A start that then fails leaves its number unused, as a sequence does.
    SQLite has one writer anyway: there it is part of the start (no extra commit)."""
    if fd.engine.dialect.name != "postgresql":
        return next_case_no(conn, prefix, now, fd.settings.timezone)
    with fd.uow() as own:
        return next_case_no(own, prefix, now, fd.settings.timezone)


def snapshot(row: Any) -> dict:
    """What a process sees of its customer (the ``customer`` variable)."""
    return {"id": row["id"], "code": row["code"], "name": row["name"], "tier": row["tier"],
            "abc_class": row["abc_class"], "phone": row["phone"], "email": row["email"],
            "im_id": row["im_id"], "dedicated_agent": row["dedicated_agent"],
            "birthday": row["birthday"].isoformat() if row["birthday"] else None}


def load(conn: UnitOfWork, customer_id: int) -> dict:
    row = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
    if row is None:
        raise Invalid.of("customer.unknown", [coded_field("customer_id", "field.unknown_customer")],
                         customer=customer_id)
    return snapshot(row)


def case_exists(conn: UnitOfWork, case_no: str) -> bool:
    return conn.execute(select(q.instances.c.id).where(q.instances.c.case_no == case_no)
                        ).first() is not None


# -- the customer API ------------------------------------------------------------------------

def create(fd: Flowdesk, user: Principal, values: dict) -> dict:
    """A new record; the answer is what was just typed (no read of anyone else's data)."""
    require_role(user, *STAFF)
    values = _phone_normalised(values)
    now = fd.now()
    with _code_is_unique(values), fd.uow() as conn:
        customer_id = conn.execute(customers.insert().returning(customers.c.id), {
            **_defaults(values), "created_at": now, "updated_at": now}).scalar_one()
        audit.record(conn, now, user.username, "customer.created",
                     after={"customer_id": customer_id, **_jsonable(values)})
        return _detail(conn, _row(conn, user, customer_id, check=False))


@contextmanager
def _code_is_unique(values: dict) -> Iterator[None]:
    """A second customer with the same code is a 409 naming the code (the unique index
    decides, so two concurrent writers cannot both get it)."""
    try:
        yield
    except IntegrityError:
        raise Conflict.of("customer.code_taken", [coded_field("code", "field.code_taken")],
                          code=values.get("code")) from None


def update(fd: Flowdesk, user: Principal, customer_id: int, values: dict) -> dict:
    """Supervisors, admins and staff working a case of this customer; audited with the
    changed fields before and after."""
    require_role(user, *STAFF)
    values = _phone_normalised(values)
    now = fd.now()
    with _code_is_unique(values), fd.uow() as conn:
        before = _row(conn, user, customer_id, doing="change")
        _refuse_supervised_changes(user, before, values)
        conn.execute(customers.update().where(customers.c.id == customer_id)
                     .values(**values, updated_at=now))
        audit.record(conn, now, user.username, "customer.updated",
                     before={k: _jsonable({k: before[k]})[k] for k in values},
                     after={"customer_id": customer_id, **_jsonable(values)})
        return _detail(conn, _row(conn, user, customer_id, check=False))


def _refuse_supervised_changes(user: Principal, before: RowMapping, values: dict) -> None:
    """403 naming each of ``SUPERVISED`` a staff member would change (sending the value it
    already has is no change: a form sends the whole record back)."""
    if user.has_role("supervisor", "admin"):
        return
    fields = [f for f in SUPERVISED if f in values and values[f] != before[f]]
    if fields:
        raise Forbidden.of("customer.field_supervised",
                           [coded_field(f, "field.supervisor_only") for f in fields],
                           fields=", ".join(fields))


def add_purchase(fd: Flowdesk, user: Principal, customer_id: int, values: dict) -> dict:
    """Same rule as ``update``; audited."""
    require_role(user, *STAFF)
    now = fd.now()
    with fd.uow() as conn:
        _row(conn, user, customer_id, doing="change")
        conn.execute(purchases.insert().values(customer_id=customer_id, **values))
        audit.record(conn, now, user.username, "customer.purchase_added",
                     after={"customer_id": customer_id, **_jsonable(values)})
        return _detail(conn, _row(conn, user, customer_id, check=False))


def get(fd: Flowdesk, user: Principal, customer_id: int) -> dict:
    """The record with its purchase history and its cases (service history), newest first:
    for supervisors, admins and staff working a case of this customer; audited
    (``customer.read``)."""
    require_role(user, *STAFF)
    with fd.uow() as conn:
        row = _row(conn, user, customer_id, doing="read")
        customer_reads.record(conn, fd, user, customer_id, via="customer")
        return _detail(conn, row)


def _row(conn: UnitOfWork, user: Principal, customer_id: int, *, doing: str = "read",
         check: bool = True) -> RowMapping:
    """The customer's row, or 404; 403 when ``check`` and the user does not work on one of
    the customer's cases (``visibility.customer_visible``: folded into this one read)."""
    row = conn.execute(select(customers, customer_visible(user, customers.c.id).label("visible"))
                       .where(customers.c.id == customer_id)).mappings().first()
    if row is None:
        raise NotFound.of("customer.not_found", customer=customer_id)
    if check and not row["visible"]:
        raise Forbidden.of("customer.not_yours", user=user.username, customer=customer_id,
                           doing=f"customer.doing.{doing}")
    return row


def _detail(conn: UnitOfWork, row: RowMapping) -> dict:
    customer_id = row["id"]
    bought = conn.execute(select(purchases).where(purchases.c.customer_id == customer_id)
                          .order_by(purchases.c.purchased_at.desc())).mappings().all()
    cases = conn.execute(
        select(q.instances.c.id, q.instances.c.case_no, q.instances.c.process_key,
               q.instances.c.status, q.instances.c.started_at, q.instances.c.ended_at,
               q.instances.c.related_case_no)
        .where(q.instances.c.customer_id == customer_id)
        .order_by(q.instances.c.id.desc())).mappings().all()
    record = {k: v for k, v in row.items() if k != "visible"}
    return {**record, "purchases": [dict(p) for p in bought], "cases": [dict(c) for c in cases]}


def search(fd: Flowdesk, user: Principal, *, q_text: str | None = None,
           tier: str | None = None, abc_class: str | None = None, page: int = 1,
           per_page: int = 50) -> tuple[list[dict], int]:
    """Customers as masked summaries, for everyone (the full record is ``get``: checked and
    audited)."""
    require_role(user, *STAFF)
    query = select(customers).order_by(customers.c.id)
    if q_text:
        # autoescape: a "%" or "_" typed in the search box is that character, not a wildcard
        query = query.where(or_(
            *(column.icontains(q_text, autoescape=True) for column in
              (customers.c.name, customers.c.code, customers.c.im_id)),
            customers.c.phone.icontains(phones.compact(q_text), autoescape=True)))
    if tier:
        query = query.where(customers.c.tier == tier)
    if abc_class:
        query = query.where(customers.c.abc_class == abc_class)
    with fd.uow(read_only=True) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return [masking.customer(dict(r)) for r in rows], total


def _phone_normalised(values: dict) -> dict:
    """``values`` with its phone in the stored form (``services.phones``); an empty one is no
    phone; one that is no phone number is a 422 on ``phone``."""
    if "phone" not in values or values["phone"] is None:
        return values
    if not values["phone"].strip():
        return {**values, "phone": None}
    number = phones.normalised(values["phone"])
    if number is None:
        raise Invalid.of("customer.invalid", [coded_field("phone", "field.phone")])
    return {**values, "phone": number}


def _defaults(values: dict) -> dict:
    return {"tier": "普通", "abc_class": None, "phone": None, "email": None, "im_id": None,
            "birthday": None, "dedicated_agent": None, "notes": "", **values}


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in values.items()}
