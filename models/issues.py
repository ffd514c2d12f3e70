"""Issues and challenges raised by organisations, with their lifecycle."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Connection, ForeignKey, Index, String, Text, event, func, text
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
        # Covers the counts by status and the open issues by theme (index-only scans), with `sensitive`
        # so a board member's open issues are found in the index too (not read from the table).
        Index("ix_issues_status_theme_sensitive", "status", "theme_id", "id", "sensitive"),
        # What a board member's counts need of each issue their boards hold, read in id order from the
        # index alone (merged with escalations' (board_id, issue_id)) instead of from the table.
        Index("ix_issues_id_status_sensitive", "id", "status", "sensitive"),
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
    # Who is affected (an age band code from intake.issues.AGE_RANGES, and a group in words).
    affected_age_range: Mapped[str | None] = mapped_column(String(20))
    affected_group: Mapped[str | None] = mapped_column(String(200))
    # Where it was raised (intake.issues.IssueSource) and, for a Slack message, its permalink.
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


# The dashboard's search is "contains", case-insensitive: lower(column) LIKE '%words%'. On PostgreSQL
# trigram (pg_trgm) GIN indexes on those expressions answer it from the index, so a search over a
# million issues reads a few index pages rather than every row; SQLite (a one-borough deployment)
# scans, which is quick at its size. The same expressions must be used by the query (reporting).
TRIGRAM_EXTENSION_LOCK = 7_341_211  # pg_advisory_xact_lock key: one CREATE EXTENSION at a time
for _column in ("title", "description", "reference"):
    Index(
        f"ix_issues_{_column}_trgm",
        func.lower(Issue.__table__.c[_column]).label(f"{_column}_lower"),
        postgresql_using="gin",
        postgresql_ops={f"{_column}_lower": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


def ensure_trigram_extension(connection: Connection) -> None:
    """Install pg_trgm (in `public`, once per database) and make its operator classes resolvable for
    the rest of this transaction, whatever schema the tables live in (tests use one per process)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TRIGRAM_EXTENSION_LOCK})
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    schema = connection.scalar(
        text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
    )
    connection.execute(
        text("SELECT set_config('search_path', current_setting('search_path') || ', ' || :schema, true)"),
        {"schema": schema},
    )


@event.listens_for(Base.metadata, "before_create")
def _trigram_extension(target, connection: Connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        ensure_trigram_extension(connection)
