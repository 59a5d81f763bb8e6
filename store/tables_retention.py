"""Retention of finished cases: the rules per process, the report rollups that keep the
reports' figures once cases are gone, and the archive of cases moved out of the live tables
(``services.retention``, ``services.report_rollups``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.table_base import Base


class RetentionRule(Base):
    """Completed and cancelled instances of ``process_key`` ended more than ``days`` ago are
    deleted or archived (``mode``: delete | archive)."""

    __tablename__ = "retention_rules"
    process_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class ReportRollup(Base):
    """What the reports counted from cases retention removed, per UTC hour (``at``) and the
    keys the reports filter on; ``figures`` by ``kind`` (see ``services.report_rollups``).
    Append-only: each retention batch adds its own rows, the reports add them up."""

    __tablename__ = "report_rollups"
    __table_args__ = (Index("ix_report_rollups_kind_at", "kind", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    process_key: Mapped[str | None] = mapped_column(String(200))
    group_name: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(64))
    completed_by: Mapped[str | None] = mapped_column(String(64))
    figures: Mapped[dict] = mapped_column(JSON)


class ArchivedInstance(Base):
    """A finished case archived by retention: the instance's row, its tasks, incidents, SLA
    clocks and audit rows as JSON (``payload``), keyed by the instance's id."""

    __tablename__ = "archived_instances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    case_no: Mapped[str | None] = mapped_column(String(40), index=True)
    ended_at: Mapped[datetime | None]
    archived_at: Mapped[datetime]
    payload: Mapped[dict] = mapped_column(JSON)
