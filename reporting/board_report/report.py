"""The quarterly board report as one object: each section built by its own module, composed here in
the order the report reads (see the package docstring), for `bot.report` to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.errors import ValidationError
from models.network import Network
from reporting.board_report.bulletins import quarter_bulletins
from reporting.board_report.health import health_table, network_health
from reporting.board_report.issues import quarter_issues
from reporting.board_report.key_figures import key_figures
from reporting.board_report.prose import summary
from reporting.board_report.tables import Share, Table, quarter_months
from reporting.board_report.timeliness import quarter_timeliness
from reporting.board_report.waiting import quarter_waiting
from reporting.bulletins import BulletinRow
from reporting.periods import Period, parse_period

OVERALL_AIM = (
    "To set out the progress of the Linked-up network over the quarter — communication and the "
    "bulletin, the sector's representation and the escalation of its issues, safeguarding, and "
    "waiting lists and gaps in provision — from the network's own records."
)
RECOMMENDATIONS_PLACEHOLDER = "Recommendations to be written by the development officer."


def parse_quarter(text: str) -> Period:
    """`2026Q3` (or `2026-Q3`); a year or a month is not a quarter."""
    period = parse_period(text, field_name="quarter")
    if " Q" not in period.label:
        raise ValidationError({"quarter": f"{text!r} is not a quarter: write it like 2026Q3."})
    return period


@dataclass
class BoardReport:
    network: str
    quarter: Period
    generated_at: datetime
    months: list[date]
    key_figures: Table
    summary: list[str]
    health: list[Share]
    bulletins: list[BulletinRow]
    benchmark: float
    tables: dict[str, Table]
    by_theme: list[tuple[str, int]]
    waiting_latest: list[tuple[str, int]]
    overall_aim: str = OVERALL_AIM
    recommendations: str = RECOMMENDATIONS_PLACEHOLDER


def build_board_report(session: Session, quarter: Period, *, now: datetime | None = None) -> BoardReport:
    """Collect the quarter's figures from the database."""
    now = now or utcnow()
    end = min(now, quarter.end_utc)
    months = quarter_months(quarter)
    network = session.scalar(select(Network.name).order_by(Network.id).limit(1)) or "Linked-up"

    issues = quarter_issues(session, quarter)
    timeliness = quarter_timeliness(session, quarter, end=end)
    health = network_health(session, quarter, end=end, raised=issues.raised, timeliness=timeliness)
    bulletins = quarter_bulletins(session, months)
    waiting = quarter_waiting(session, quarter, months)

    tables = {
        "issues_by_theme": issues.by_theme_table,
        "issues_by_status": issues.by_status_table,
        "board_timeliness": timeliness.table,
        "bulletins": bulletins.table,
        "bulletin_categories": bulletins.categories_table,
        "returns_coverage": waiting.coverage,
        "waiting_lists": waiting.waiting,
        "health": health_table(health),
    }
    return BoardReport(
        network=network,
        quarter=quarter,
        generated_at=now,
        months=months,
        key_figures=key_figures(session, quarter, issues, bulletins),
        summary=summary(quarter, issues, timeliness, bulletins, waiting),
        health=health,
        bulletins=bulletins.rows,
        benchmark=bulletins.benchmark,
        tables=tables,
        by_theme=issues.by_theme,
        waiting_latest=waiting.latest,
    )
