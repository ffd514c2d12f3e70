"""The board report's issues: how many were raised and answered in the period, how many were
safeguarding-sensitive, and the period's issues by theme and by where they stand now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.issues import Issue, IssueStatus
from models.network import Theme
from reporting.board_report.tables import Column, Table, count, within
from reporting.figures import answers_given, issues_raised
from reporting.open_issues import NO_THEME
from reporting.periods import Period


@dataclass
class PeriodIssues:
    raised: int
    sensitive: int
    answered: int
    by_theme: list[tuple[str, int]]  # most first
    by_theme_table: Table
    by_status_table: Table


def period_issues(session: Session, period: Period) -> PeriodIssues:
    raised = issues_raised(session, period)
    sensitive = count(
        session,
        select(func.count(Issue.id)).where(within(Issue.created_at, period), Issue.sensitive.is_(True)),
    )
    answered = answers_given(session, period)
    theme_counts = session.execute(
        select(Theme.name, func.count(Issue.id))
        .select_from(Issue)
        .outerjoin(Theme, Theme.id == Issue.theme_id)
        .where(within(Issue.created_at, period))
        .group_by(Theme.name)
    ).all()
    by_theme = sorted(((name or NO_THEME, n) for name, n in theme_counts), key=lambda r: (-r[1], r[0]))
    status_counts = dict(
        session.execute(
            select(Issue.status, func.count(Issue.id))
            .where(within(Issue.created_at, period))
            .group_by(Issue.status)
        ).all()
    )
    return PeriodIssues(
        raised=raised,
        sensitive=sensitive,
        answered=answered,
        by_theme=by_theme,
        by_theme_table=Table(
            "issues_by_theme",
            f"Issues raised in the {period.noun}, by theme",
            [Column("Theme"), Column("Issues", "int")],
            [[name, n] for name, n in by_theme],
        ),
        by_status_table=Table(
            "issues_by_status",
            f"Where the {period.noun}'s issues stand now",
            [Column("State"), Column("Issues", "int")],
            [[IssueStatus(status).value, n] for status, n in sorted(status_counts.items())],
        ),
    )
