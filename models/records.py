"""Bookkeeping tables: the audit log, Slack delivery de-duplication and reference counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AuditLog(Base):
    """Who did what to which record, and the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class SlackDelivery(Base):
    """A Slack event id or trigger id already acted on, and what it produced.

    Slack retries un-acked requests; the key is claimed in the same transaction as the record it
    creates, so a retry finds it and answers with the same result instead of storing a duplicate.
    """

    __tablename__ = "slack_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    result: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ReferenceCounter(Base):
    """The last number handed out per prefix and year (`LU` 2026 → LU-2026-0042)."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
