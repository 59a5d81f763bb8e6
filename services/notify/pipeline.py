"""One round of the notification pipeline, as the ticker runs it after the due work."""
from __future__ import annotations

from services.context import Flowdesk
from services.notify.fanout import fan_out_all
from services.notify.sender import send_due


def run(fd: Flowdesk) -> int:
    """Fan out pending events, then send what is due; returns how many rows were sent."""
    fan_out_all(fd)
    return send_due(fd)
