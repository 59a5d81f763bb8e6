"""customers' phone numbers in one form

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07

The look-ups by phone (case search, the exact look-up) compare a customer's stored phone with
what the agent types, normalised (``services.phones``): digits only, a Chinese mobile without
+86. Records written before kept the phone as typed (``138 1234 5678``) and were not found by
``13812345678``. This rewrites each stored phone that normalises to a different number; one
that is no phone number at all stays as it is (it was never found by a phone look-up either).
The rule is written out here as it was on this date, so the migration means the same later.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_SEPARATORS = re.compile(r"[\s\-().·/]")
_PHONE = re.compile(r"\+?\d{3,20}")
_CN_MOBILE = re.compile(r"(?:\+86|0086|86)?(1\d{10})")


def _normalised(text: str) -> str | None:
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    mobile = _CN_MOBILE.fullmatch(number)
    if mobile:
        return mobile.group(1)
    return number if _PHONE.fullmatch(number) else None


def upgrade() -> None:
    conn = op.get_bind()
    customers = sa.table("customers", sa.column("id", sa.Integer),
                         sa.column("phone", sa.String))
    rows = conn.execute(sa.select(customers.c.id, customers.c.phone)
                        .where(customers.c.phone.is_not(None))).all()
    for customer_id, phone in rows:
        number = _normalised(phone)
        if number is not None and number != phone:
            conn.execute(customers.update().where(customers.c.id == customer_id)
                         .values(phone=number))


def downgrade() -> None:
    """Nothing to undo: the numbers are the same numbers, written one way."""
