"""Delivery channels: ``send(channel, target, message, fd)`` puts one message on its way.

- ``email``: ``target = {"address": "li@example.com"}``, by SMTP (``channel_email``).
- ``webhook``: ``target = {"url", "format": generic|wecom|dingtalk|feishu, "secret": a stored
  secret's name or None}`` (``channel_webhook``, bodies in ``robot_formats``).
- ``in_app``: nothing to send: the pipeline marks the notification delivered.

A failure raises ``DeliveryFailed`` whose ``retry`` tells the pipeline whether another attempt
may do better (a timeout, a 5xx, a robot saying "too frequent") or not (a 4xx, a refused
address, a bad target): then the notification is dead at once and an admin resends it after
fixing the cause. Its text never holds a password or a webhook key. ``send`` holds no database
transaction across the network call (secrets are read in a short read of their own).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services.notify.templates import Message

if TYPE_CHECKING:
    from services.context import Flowdesk


class DeliveryFailed(Exception):
    """The message did not go out; ``retry``: whether trying again later may help."""

    def __init__(self, reason: str, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def send(channel: str, target: dict, message: Message, fd: Flowdesk) -> None:
    """Deliver ``message`` to ``target`` over ``channel``; raises DeliveryFailed."""
    if channel == "in_app":
        return
    if not isinstance(target, dict):
        raise DeliveryFailed("the target is not an object", retry=False)
    if channel == "email":
        from services.notify import channel_email
        channel_email.send(target, message, fd)
    elif channel == "webhook":
        from services.notify import channel_webhook
        channel_webhook.send(target, message, fd)
    else:
        raise DeliveryFailed(f"unknown channel {channel!r}", retry=False)
