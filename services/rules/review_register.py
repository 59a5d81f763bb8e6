"""The 中差评 register (source §7.1): one row per negative-review case, with the review's fields
from its variables; open cases first, then the most severe, then the oldest."""
from __future__ import annotations

from typing import Any

from services.hooks import Register

FIELDS = ("review_date", "wangwang_id", "phone", "order_no", "item", "rating", "severity",
          "review_content", "handling_status", "progress", "promised_date")
SEVERITY_ORDER = {"severe": 0, "严重": 0, "high": 0, "moderate": 1, "medium": 1, "一般": 1,
                  "minor": 2, "low": 2, "轻微": 2}


def row(instance: Any) -> dict:
    """The register's row of one case (its columns and variables)."""
    data = instance["variables"] or {}
    return {"case_no": instance["case_no"], "status": instance["status"],
            "started_at": instance["started_at"], **{f: data.get(f) for f in FIELDS}}


def order(r: dict) -> tuple:
    return (r["status"] in ("completed", "cancelled"), SEVERITY_ORDER.get(str(r["severity"]), 3),
            r["started_at"])


REGISTER = Register(kind="reviews", process_key="negative_review", row=row, order=order)
