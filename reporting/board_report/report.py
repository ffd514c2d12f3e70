"""The quarterly report to the Children's Trust Board, as data: the figures for one quarter, in the
shape of the Third Sector Development Report (overall aim, summary, key figures, progress per
outcome, recommendations for the officer to write).

Everything here is an aggregate over the whole network (the report is the officer's), and no table
names a safeguarding-sensitive item or who raised it. Rendering (HTML, PDF, CSV) is `bot.report`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from models.access import Viewer
from models.base import utcnow
from models.errors import ValidationError
from models.escalations import Escalation, EscalationEvent
from models.issues import Issue, IssueStatus
from models.network import Network, Organisation, OrganisationStatus, Service, Theme
from models.reporting import NO_THEME, Period, board_timeliness, parse_period
from models.reporting_bulletins import BulletinRow, bulletin_figures
from models.returns import WaitingListReturn

REPORT_VIEWER = Viewer(
    slack_user_id="board-report",
    display_name="Board report",
    officer=True,
    board_ids=frozenset(),
    private_board_ids=frozenset(),
    board_names=(),
    organisation_id=None,
    organisation_name=None,
)

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
class Column:
    title: str
    kind: str = "text"  # text | int | percent | weeks | hours


@dataclass
class Table:
    """One table of the report; also written out as `<slug>.csv`."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass
class Share:
    label: str
    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


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


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def _months(period: Period) -> list[date]:
    months, current = [], period.start
    while current < period.end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def _in(column, period: Period):
    return and_(column >= period.start_utc, column < period.end_utc)


def _count(session: Session, statement) -> int:
    return int(session.scalar(statement) or 0)


def build_board_report(session: Session, quarter: Period, *, now: datetime | None = None) -> BoardReport:
    """Collect the quarter's figures from the database."""
    now = now or utcnow()
    end = min(now, quarter.end_utc)
    months = _months(quarter)
    network = session.scalar(select(Network.name).order_by(Network.id).limit(1)) or "Linked-up"

    organisations = _count(
        session,
        select(func.count(Organisation.id)).where(
            Organisation.status == OrganisationStatus.APPROVED, Organisation.created_at < quarter.end_utc
        ),
    )
    joined = _count(
        session,
        select(func.count(Organisation.id)).where(
            Organisation.status == OrganisationStatus.APPROVED, _in(Organisation.created_at, quarter)
        ),
    )
    raised = _count(session, select(func.count(Issue.id)).where(_in(Issue.created_at, quarter)))
    sensitive = _count(
        session, select(func.count(Issue.id)).where(_in(Issue.created_at, quarter), Issue.sensitive.is_(True))
    )
    answered = _count(session, select(func.count(Issue.id)).where(_in(Issue.answered_at, quarter)))

    def issues_with_event(kind: str, actor: str | None = None) -> int:
        conditions = [EscalationEvent.kind == kind, _in(Issue.created_at, quarter)]
        if actor is not None:
            conditions.append(EscalationEvent.actor == actor)
        return _count(
            session,
            select(func.count(func.distinct(EscalationEvent.issue_id)))
            .join(Issue, Issue.id == EscalationEvent.issue_id)
            .where(*conditions),
        )

    routed_automatically = issues_with_event("routed", "system")
    escalated_on_breach = _count(
        session,
        select(func.count(EscalationEvent.id)).where(
            EscalationEvent.kind == "escalated",
            EscalationEvent.actor == "system",
            _in(EscalationEvent.at, quarter),
        ),
    )
    breaches = _count(
        session,
        select(func.count(Escalation.id)).where(
            Escalation.respond_by >= quarter.start_utc,
            Escalation.respond_by < end,
            (Escalation.responded_at.is_(None)) | (Escalation.responded_at > Escalation.respond_by),
        ),
    )
    timeliness = board_timeliness(session, REPORT_VIEWER, now=end, period=quarter)
    responded_in_time = sum(row.responded_in_time for row in timeliness)
    respond_due = sum(row.respond_due for row in timeliness)
    acknowledged_in_time = sum(row.acknowledged_in_time for row in timeliness)
    acknowledge_due = sum(row.acknowledge_due for row in timeliness)

    figures = bulletin_figures(session, months=24)
    in_quarter = [row for row in figures.rows if date.fromisoformat(row.month + "-01") in months]

    health = [
        Share("Issues sent straight to a board without the officer", routed_automatically, raised),
        Share("Escalations acknowledged within the board's timeframe", acknowledged_in_time, acknowledge_due),
        Share("Escalations answered within the board's timeframe", responded_in_time, respond_due),
        Share(
            "Missed respond-by deadlines escalated up the ladder automatically", escalated_on_breach, breaches
        ),
    ]

    # Waiting lists: coverage per month, and the quarter's last reported month by category.
    coverage = Table(
        "returns_coverage",
        "Waiting-list returns received per month",
        [
            Column("Month"),
            Column("Services", "int"),
            Column("Returns received", "int"),
            Column("Coverage", "percent"),
        ],
    )
    for month in months:
        services = _count(
            session,
            select(func.count(Service.id))
            .join(Organisation, Organisation.id == Service.organisation_id)
            .where(Organisation.status == OrganisationStatus.APPROVED, Service.created_at < quarter.end_utc),
        )
        received = _count(
            session, select(func.count(WaitingListReturn.id)).where(WaitingListReturn.period == month)
        )
        coverage.rows.append(
            [month.strftime("%B %Y"), services, received, (received / services) if services else None]
        )
    waiting = Table(
        "waiting_lists",
        "Waiting lists by service category, month by month",
        [
            Column("Month"),
            Column("Service category"),
            Column("Services reporting", "int"),
            Column("Number waiting", "int"),
            Column("New referrals", "int"),
            Column("Longest wait reported (weeks)", "weeks"),
        ],
    )
    rows = session.execute(
        select(
            WaitingListReturn.period,
            Service.category,
            func.count(WaitingListReturn.id),
            func.sum(WaitingListReturn.number_waiting),
            func.sum(WaitingListReturn.new_referrals),
            func.max(WaitingListReturn.longest_wait_weeks),
        )
        .join(Service, Service.id == WaitingListReturn.service_id)
        .where(WaitingListReturn.period.in_(months))
        .group_by(WaitingListReturn.period, Service.category)
        .order_by(WaitingListReturn.period, Service.category)
    ).all()
    for period, category, count, total, referrals, longest in rows:
        waiting.rows.append(
            [period.strftime("%B %Y"), category, count, int(total or 0), int(referrals or 0), longest]
        )
    last_month = max((row[0] for row in rows), default=None)
    waiting_latest = sorted(
        ((category, int(total or 0)) for period, category, _, total, _, _ in rows if period == last_month),
        key=lambda item: (-item[1], item[0]),
    )

    theme_counts = session.execute(
        select(Theme.name, func.count(Issue.id))
        .select_from(Issue)
        .outerjoin(Theme, Theme.id == Issue.theme_id)
        .where(_in(Issue.created_at, quarter))
        .group_by(Theme.name)
    ).all()
    by_theme = sorted(
        ((name or NO_THEME, count) for name, count in theme_counts), key=lambda r: (-r[1], r[0])
    )
    status_counts = dict(
        session.execute(
            select(Issue.status, func.count(Issue.id))
            .where(_in(Issue.created_at, quarter))
            .group_by(Issue.status)
        ).all()
    )

    tables = {
        "issues_by_theme": Table(
            "issues_by_theme",
            "Issues raised in the quarter, by theme",
            [Column("Theme"), Column("Issues", "int")],
            [[name, count] for name, count in by_theme],
        ),
        "issues_by_status": Table(
            "issues_by_status",
            "Where the quarter's issues stand now",
            [Column("State"), Column("Issues", "int")],
            [[IssueStatus(status).value, count] for status, count in sorted(status_counts.items())],
        ),
        "board_timeliness": Table(
            "board_timeliness",
            "Escalations started in the quarter: timeliness by board",
            [
                Column("Board"),
                Column("Escalations", "int"),
                Column("Median time to acknowledge (hours)", "hours"),
                Column("Acknowledged in time", "percent"),
                Column("Median time to respond (hours)", "hours"),
                Column("Answered in time", "percent"),
            ],
            [
                [
                    row.board,
                    row.escalations,
                    row.median_acknowledge.total_seconds() / 3600 if row.median_acknowledge else None,
                    row.acknowledge_share,
                    row.median_respond.total_seconds() / 3600 if row.median_respond else None,
                    row.respond_share,
                ]
                for row in timeliness
            ],
            note="Timeframes are each board's, in working days (weekends and bank holidays excluded).",
        ),
        "bulletins": Table(
            "bulletins",
            "Bulletins sent in the quarter",
            [
                Column("Bulletin"),
                Column("Delivered", "int"),
                Column("Unique opens", "int"),
                Column("Open rate", "percent"),
                Column("95% interval, low", "percent"),
                Column("95% interval, high", "percent"),
                Column("Open rate excluding privacy-proxy opens", "percent"),
                Column("Against the benchmark"),
            ],
            [
                [
                    row.label,
                    row.delivered,
                    row.unique_opens,
                    row.open_rate,
                    row.interval.low,
                    row.interval.high,
                    row.proxy_excluded_open_rate,
                    row.versus_benchmark,
                ]
                for row in in_quarter
            ],
            note=f"Benchmark open rate: {figures.benchmark * 100:.1f}%.",
        ),
        "bulletin_categories": Table(
            "bulletin_categories",
            "Unique clicks per unique open, by category (recent bulletins)",
            [Column("Category"), Column("Clicks per open", "ratio")],
            [[label, rate] for label, rate in figures.categories],
        ),
        "returns_coverage": coverage,
        "waiting_lists": waiting,
        "health": Table(
            "network_health",
            "Network health",
            [Column("Measure"), Column("Count", "int"), Column("Out of", "int"), Column("Share", "percent")],
            [[share.label, share.part, share.whole, share.value] for share in health],
        ),
    }

    average_open = sum(row.open_rate for row in in_quarter) / len(in_quarter) if in_quarter else None
    key_figures = Table(
        "key_figures",
        "Key figures",
        [Column("Figure"), Column("Value")],
        [
            ["Member organisations at the end of the quarter", organisations],
            ["Organisations that joined in the quarter", joined],
            ["Issues and challenges raised", raised],
            ["…of which safeguarding-sensitive", sensitive],
            ["Answers given back to organisations", answered],
            ["Bulletins sent", len(in_quarter)],
            [
                "Average bulletin open rate (benchmark " + f"{figures.benchmark * 100:.1f}%)",
                f"{average_open * 100:.1f}%" if average_open is not None else "no bulletin reported",
            ],
        ],
    )

    issues_text = _plural(raised, "issue or challenge", "issues and challenges")
    summary = [
        f"In {quarter.label} member organisations raised {issues_text} "
        f"and {_plural(answered, 'answer')} went back to them.",
    ]
    if respond_due:
        summary.append(
            f"Boards answered {responded_in_time} of the {respond_due} escalations due in the quarter "
            f"within their timeframe ({responded_in_time / respond_due * 100:.0f}%)."
        )
    if average_open is not None:
        position = (
            "above"
            if average_open > figures.benchmark
            else "below"
            if average_open < figures.benchmark
            else "at"
        )
        summary.append(
            f"The bulletin's average open rate was {average_open * 100:.1f}%, {position} the "
            f"{figures.benchmark * 100:.1f}% benchmark."
        )
    else:
        summary.append("No bulletin was sent and reported on in the quarter.")
    total_returns = sum(row[2] for row in coverage.rows)
    summary.append(
        f"{total_returns} waiting-list return{'s' if total_returns != 1 else ''} came in over the quarter."
    )

    return BoardReport(
        network=network,
        quarter=quarter,
        generated_at=now,
        months=months,
        key_figures=key_figures,
        summary=summary,
        health=health,
        bulletins=in_quarter,
        benchmark=figures.benchmark,
        tables=tables,
        by_theme=by_theme,
        waiting_latest=waiting_latest,
    )
