"""The notification outbox (one row per recipient and channel), the subscriptions of users and
groups, and the templates admins edit (``services.notify``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.table_base import Base


class Notification(Base):
    """Outbox: one row per recipient and channel, written by the fan-out
    (``services.notify.fanout``) and drained by the sender (``services.notify.sender``).

    ``state``: pending (due at ``next_attempt_at``), held (quiet hours, sent in a digest by
    ``digest_key``), sent, failed (retrying), dead (retries used up; an admin resends)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "state", "next_attempt_at"),
                      Index("ix_notifications_inbox", "recipient", "channel", "read_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(20), default="in_app")
    target: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_key: Mapped[str | None] = mapped_column(String(100))
    read_at: Mapped[datetime | None]
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    audit_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class NotificationSubscription(Base):
    """Who wants which events on which channel: a user's own or a group's (set by admins).
    ``target``: {"address"} for e-mail, {"url", "format", "secret"} for webhooks (the secret by
    name, ``services.secrets``); ``calendar``: quiet hours outside its open time."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (Index("ix_notification_subscriptions_owner", "owner_kind", "owner"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(10))  # user | group
    owner: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[dict] = mapped_column(JSON, default=dict)
    events: Mapped[list] = mapped_column(JSON, default=list)
    calendar: Mapped[str | None] = mapped_column(String(100))
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NotificationTemplate(Base):
    """Admins' own wording of a notification (services/notify/templates.py): the Jinja2
    sources, rendered in a sandbox, of one kind in one language; without a row the default in
    code is used."""

    __tablename__ = "notification_templates"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
