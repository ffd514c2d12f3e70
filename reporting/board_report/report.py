"""The board report as one object, for a quarter or a whole year: each section built by its own module,
composed here in the order the report reads (see the package docstring), for `bot.report` to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.errors import ValidationError
from models.network import Network
from reporting.board_report.achievements import achievements_table, draft_achievements
from reporting.board_report.bulletins import period_bulletins
from reporting.board_report.edits import Achievement, ReportEdits, draft_edits
from reporting.board_report.health import health_table, network_health
from reporting.board_report.issues import period_issues
from reporting.board_report.key_figures import key_figures
from reporting.board_report.notices import notices_table
from reporting.board_report.prose import summary
from reporting.board_report.representation import BoardSeat, board_seats, representation_table
from reporting.board_report.surveys import period_surveys
from reporting.board_report.tables import Share, Table, period_months
from reporting.board_report.timeliness import period_timeliness
from reporting.board_report.waiting import period_waiting
from reporting.bulletins import BulletinRow
from reporting.figures import CategoryWaiting
from reporting.periods import Period, parse_period

OVERALL_AIM = (
    "To set out the progress of the Linked-up network over the period — communication and the "
    "bulletin, the sector's representation and the escalation of its issues, safeguarding, and "
    "waiting lists and gaps in provision — from the network's own records."
)
RECOMMENDATIONS_PLACEHOLDER = "Recommendations to be written by the development officer."


def parse_quarter(text: str) -> Period:
    """`2026Q3` (or `2026-Q3`); a year or a month is not a quarter."""
    period = parse_period(text, field_name="quarter")
    if period.noun != "quarter":
        raise ValidationError({"quarter": f"{text!r} is not a quarter: write it like 2026Q3."})
    return period


def parse_report_period(text: str) -> Period:
    """A quarter (`2026Q3`) or a year (`2026`): the spans a board report covers."""
    period = parse_period(text, field_name="period")
    if period.noun == "month":
        raise ValidationError(
            {"period": f"{text!r} is a month: a report covers a quarter (2026Q3) or a year (2026)."}
        )
    return period


@dataclass
class BoardReport:
    network: str
    period: Period
    generated_at: datetime
    months: list[date]
    key_figures: Table
    summary: list[str]
    health: list[Share]
    bulletins: list[BulletinRow]
    benchmark: float
    tables: dict[str, Table]
    by_theme: list[tuple[str, int]]
    number_waiting: list[CategoryWaiting]
    achievements: list[Achievement]
    seats: list[BoardSeat]
    overall_aim: str = OVERALL_AIM
    recommendations: str = RECOMMENDATIONS_PLACEHOLDER

    @property
    def edits_file(self) -> str:
        """The officer's edits file for this report (`reporting.board_report.edits`), as it stands."""
        written = None if self.recommendations == RECOMMENDATIONS_PLACEHOLDER else self.recommendations
        return draft_edits(self.period, self.achievements, self.seats, written)


def build_board_report(
    session: Session, period: Period, *, now: datetime | None = None, edits: ReportEdits | None = None
) -> BoardReport:
    """Collect the period's figures (a quarter or a year) from the database, with the officer's edits
    (key achievements, attendance, recommendations) where she has made them."""
    edits = edits or ReportEdits()
    now = now or utcnow()
    end = min(now, period.end_utc)
    months = period_months(period)
    network = session.scalar(select(Network.name).order_by(Network.id).limit(1)) or "Linked-up"

    issues = period_issues(session, period)
    timeliness = period_timeliness(session, period, end=end)
    health = network_health(session, period, end=end, timeliness=timeliness)
    bulletins = period_bulletins(session, period, months)
    waiting = period_waiting(session, months)
    achievements = edits.achievements
    if achievements is None:
        achievements = draft_achievements(period, issues, timeliness, bulletins, waiting)
    seats = board_seats(session, period, now=end)
    for seat in seats:  # the edits file's yes or no for a meeting outranks what was recorded
        seat.attended = {**seat.attended, **edits.attendance.get(seat.slug, {})}

    tables = {
        "issues_by_theme": issues.by_theme_table,
        "issues_by_status": issues.by_status_table,
        "board_timeliness": timeliness.table,
        "bulletins": bulletins.table,
        "bulletin_categories": bulletins.categories_table,
        "notices": notices_table(session, period),
        "returns_coverage": waiting.coverage,
        "waiting_lists": waiting.waiting,
        "number_waiting": waiting.latest_table,
        "health": health_table(health),
        "key_achievements": achievements_table(achievements),
        "boards_represented": representation_table(seats, period),
        "surveys": period_surveys(session, period),
    }
    return BoardReport(
        network=network,
        period=period,
        generated_at=now,
        months=months,
        key_figures=key_figures(session, period, issues, bulletins),
        summary=summary(period, issues, timeliness, bulletins, waiting),
        health=health,
        bulletins=bulletins.rows,
        benchmark=bulletins.benchmark,
        tables=tables,
        by_theme=issues.by_theme,
        number_waiting=waiting.latest,
        achievements=achievements,
        seats=seats,
        recommendations=edits.recommendations or RECOMMENDATIONS_PLACEHOLDER,
    )
