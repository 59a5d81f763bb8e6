"""One round of the notification pipeline, as the ticker runs it after the due work."""
from __future__ import annotations

from collections.abc import Callable

from services.context import Flowdesk
from services.notify.fanout import fan_out_all
from services.notify.sender import send_due


def run(fd: Flowdesk, between_batches: Callable[[], None] | None = None) -> int:
    """Fan out pending events, then send what is due; returns how many rows were sent.
    ``between_batches`` runs between two fan-out transactions (the ticker pauses there)."""
    fan_out_all(fd, between_batches=between_batches)
    return send_due(fd)
