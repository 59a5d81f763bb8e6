"""Admins' own wording of a notification (services/notify/templates.py): one row per kind and
language; without a row the default in code is used."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.table_base import Base


class NotificationTemplate(Base):
    """Jinja2 sources (rendered in a sandbox) of a message's subject, plain text and markdown."""

    __tablename__ = "notification_templates"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
