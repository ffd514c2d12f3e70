"""Monthly waiting-list returns: one row per service and month, and the reminders sent for missing ones.

A return's `period` is the first day of its month; the helpers here name and pick that month in
London time. Recording a return and reminding are the flows of `intake.returns` and
`intake.return_reminders`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column, utcnow
from models.network import Service

LONDON = ZoneInfo("Europe/London")


class CapacityStatus(enum.StrEnum):
    HAS_CAPACITY = "has_capacity"
    NO_CAPACITY = "no_capacity"
    WAITLIST_ONLY = "waitlist_only"
    ASSESSMENT_REQUIRED = "assessment_required"

    @property
    def label(self) -> str:
        return CAPACITY_LABELS[self]


CAPACITY_LABELS = {
    CapacityStatus.HAS_CAPACITY: "Has capacity",
    CapacityStatus.NO_CAPACITY: "No capacity",
    CapacityStatus.WAITLIST_ONLY: "Waiting list only",
    CapacityStatus.ASSESSMENT_REQUIRED: "Assessment required",
}


class WaitingListReturn(Timestamps, Base):
    __tablename__ = "waiting_list_returns"
    __table_args__ = (UniqueConstraint("service_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    number_waiting: Mapped[int] = mapped_column(Integer)
    new_referrals: Mapped[int] = mapped_column(Integer)
    median_wait_weeks: Mapped[int] = mapped_column(Integer)
    longest_wait_weeks: Mapped[int] = mapped_column(Integer)
    capacity_status: Mapped[CapacityStatus] = mapped_column(enum_column(CapacityStatus, "capacity_status"))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer, default=1)

    service: Mapped[Service] = relationship()


class ReturnReminder(Base):
    """A reminder sent to an organisation for a month's missing return: at most one, ever."""

    __tablename__ = "return_reminders"
    __table_args__ = (UniqueConstraint("organisation_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def london_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LONDON).date()


def last_complete_month(today: date) -> date:
    """The first day of the month before `today`'s (the default period for a return)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def period_label(period: date) -> str:
    return period.strftime("%B %Y")


def period_value(period: date) -> str:
    return period.strftime("%Y-%m")
