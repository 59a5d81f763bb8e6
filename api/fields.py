"""Marshmallow fields every schema shares, so a value the database or the engine cannot take
is refused where it is parsed (a 422 naming the field), not deep inside a statement (a 500).
"""
from __future__ import annotations

from typing import Any

from marshmallow import fields, validate



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
