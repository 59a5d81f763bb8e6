"""Process data as plain JSON for the JSON columns: what the engine holds (dates, decimals)
becomes text, so every backend stores and returns the same values."""
from __future__ import annotations

import json
from typing import Any


def json_safe(value: Any) -> Any:
    """Task data as plain JSON (dates become ISO strings) for the JSON columns."""
    return json.loads(json.dumps(value, default=str))
