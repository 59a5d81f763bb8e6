"""Marshmallow fields every schema shares, so a value the database or the engine cannot take
is refused where it is parsed (a 422 naming the field), not deep inside a statement (a 500).
"""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

# Instants and days people may ask about: the years Python's datetime can still move by a day
# or a time-zone offset without overflowing (year 1 at +08:00 in UTC, 9999-12-31 plus a day).
YEARS = (1900, 8999)
YEAR_TEXT = "Must be a time between the years 1900 and 8999."


def signed_range(bits: int) -> tuple[int, int]:
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


class BoundedInt(fields.Integer):
    """A whole number that fits the column it ends up in or is compared with: 32 bits by
    default (the tables' INTEGER ids and counts, 32-bit on PostgreSQL), ``bits=64`` for
    BIGINT. Narrower ranges (``validate=``) still apply; the OpenAPI document states the
    bounds and ``format: int32``/``int64``."""

    def __init__(self, *, bits: int = 32, **kwargs: Any) -> None:
        given = kwargs.pop("validate", None)
        extra = [] if given is None else list(given) if isinstance(given, (list, tuple)) \
            else [given]
        low, high = signed_range(bits)
        bound = validate.Range(min=low, max=high,
                               error="Must be a whole number between {min} and {max}.")
        metadata = {"format": f"int{bits}", **kwargs.pop("metadata", {})}
        super().__init__(validate=[bound, *extra], metadata=metadata, **kwargs)


def check_year(value: Any) -> Any:
    """``value`` (a date or datetime) if its year is in ``YEARS``, else a ValidationError."""
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValidationError(YEAR_TEXT)
    return value


class Instant(fields.AwareDateTime):
    """An ISO datetime with its offset, in the years ``YEARS``: ``0001-01-01T00:00+08:00`` or
    ``9999-12-31T23:59-08:00`` overflowed when moved to UTC inside a query (a 500)."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return check_year(super()._deserialize(value, attr, data, **kwargs))
