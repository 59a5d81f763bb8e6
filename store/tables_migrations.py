"""Batches of instance migrations to another version and their items (``services.migrations``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.table_base import Base


class MigrationBatch(Base):
    """A migration of running instances to another version of their process (issue 17): the
    plan it runs (mapping, variables) and its progress, counted as each instance is done."""

    __tablename__ = "migration_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    source_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    target_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12))  # running | done
    total: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class MigrationItem(Base):
    """One instance of a migration batch: pending, migrated (with the report of what moved)
    or failed (with why); pending items are what is left to do."""

    __tablename__ = "migration_items"
    __table_args__ = (Index("ix_migration_items_batch", "batch_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("migration_batches.id", ondelete="CASCADE"))
    instance_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # pending | migrated | failed
    report: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[dict | None] = mapped_column(JSON)
    finished_at: Mapped[datetime | None]
