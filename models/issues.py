"""Issues and challenges raised by organisations, with their lifecycle."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column
from models.network import Organisation, Theme


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class IssueStatus(enum.StrEnum):
    """received → acknowledged → answered → closed, with exits redirected, duplicate, withdrawn."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    CLOSED = "closed"
    REDIRECTED = "redirected"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = (IssueStatus.RECEIVED, IssueStatus.ACKNOWLEDGED)

ISSUE_TRANSITIONS: dict[IssueStatus, frozenset[IssueStatus]] = {
    IssueStatus.RECEIVED: frozenset(
        {
            IssueStatus.ACKNOWLEDGED,
            IssueStatus.ANSWERED,
            IssueStatus.REDIRECTED,
            IssueStatus.DUPLICATE,
            IssueStatus.WITHDRAWN,
        }
    ),
    IssueStatus.ACKNOWLEDGED: frozenset(
        {
            IssueStatus.ANSWERED,
            IssueStatus.REDIRECTED,
            IssueStatus.DUPLICATE,
            IssueStatus.WITHDRAWN,
        }
    ),
    # "Not satisfied" reopens an answered issue.
    IssueStatus.ANSWERED: frozenset({IssueStatus.CLOSED, IssueStatus.ACKNOWLEDGED}),
    IssueStatus.CLOSED: frozenset(),
    IssueStatus.REDIRECTED: frozenset(),
    IssueStatus.DUPLICATE: frozenset(),
    IssueStatus.WITHDRAWN: frozenset(),
}


class Issue(Timestamps, Base):
    __tablename__ = "issues"
    __table_args__ = (
        Index("ix_issues_organisation_status", "organisation_id", "status"),
        Index("ix_issues_theme_created", "theme_id", "created_at"),
        # The dashboard's newest-first list and its open-issue counts stay index scans at a million issues.
        Index("ix_issues_created_id", "created_at", "id"),
        # Covers the counts by status and the open issues by theme (index-only scans).
        Index("ix_issues_status_theme", "status", "theme_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    raised_by: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency"), default=Urgency.ROUTINE)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    publish_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who is affected (an age band code from models.intake.AGE_RANGES, and a group in words).
    affected_age_range: Mapped[str | None] = mapped_column(String(20))
    affected_group: Mapped[str | None] = mapped_column(String(200))
    # Where it was raised (models.intake.IssueSource) and, for a Slack message, its permalink.
    source: Mapped[str] = mapped_column(String(20), default="slack")
    source_link: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[IssueStatus] = mapped_column(
        enum_column(IssueStatus, "issue_status"), default=IssueStatus.RECEIVED
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The board's answer as it goes back to the organisation ("you said, we did").
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship()
    theme: Mapped[Theme | None] = relationship()
