"""The network's health figures, counted from what is stored (issues, escalations and their history,
the outbox, returns, bulletin reports) for the issues raised in a window.

- routed without the officer: of the issues routed or sent to triage, those whose first routing was
  the rules' own (not the officer's triage queue) — `reporting.figures.first_routings`, the board
  report's "sent straight to a board without the officer";
- answered within timeframe: of the escalations started in the window whose respond-by date has
  passed (or that were answered), those answered by it, summed over the boards —
  `reporting.timeliness.network_timeliness`, the board report's and the dashboard's per-board figure;
- escalated on breach: of the board turns whose respond-by passed without an answer while the board
  held the item, those that moved up the ladder (the rest were at the top: the officer is alerted);
- answers delivered back: of the answers boards gave, those whose direct message reached someone in
  the organisation (the outbox says so);
- returns coverage: per month, the services due a waiting-list return that sent one
  (`reporting.figures`: services of organisations that were members by the month's end);
- bulletin open rate: unique opens by people (machine opens left out where Mailchimp counts them)
  over delivered emails, pooled over the bulletins' latest reports, judged against the network's
  benchmark on its 95% interval, with the rate including machine opens beside it
  (`bulletins.performance.pooled_opens`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.config import bulletin_config, month_start
from bulletins.performance import PooledOpens, latest_report, pooled_opens
from models.bulletins import Bulletin
from models.escalations import Escalation, EscalationEvent, EscalationState, rungs_of
from models.issues import Issue
from models.outbox import OutboxMessage, OutboxStatus
from models.surveys import Survey
from reporting.figures import first_routings
from reporting.figures import returns_coverage as figure_coverage
from reporting.notices import figures_by_kind
from reporting.periods import Span
from reporting.surveys import Rate, compare_with_baseline, surveys_closed_between
from reporting.timeliness import network_timeliness

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    def words(self, of: str = "") -> str:
        """A share in words, e.g. 63% (86 of 136 escalations): `of` names what is counted."""
        if not self.total:
            return "— (nothing to count yet)"
        unit = f" {of}" if of else ""
        return f"{self.count / self.total:.0%} ({self.count} of {self.total}{unit})"


@dataclass(frozen=True)
class MonthCoverage:
    period: date  # the month the return is for
    returned: int
    expected: int
    complete: bool  # False while the month it is due in has not ended

    @property
    def share(self) -> Share:
        return Share(self.returned, self.expected)


@dataclass(frozen=True)
class HealthFigures:
    since: datetime
    until: datetime
    issues: int
    routed_without_officer: Share
    answered_within_timeframe: Share
    escalated_on_breach: Share
    breaches_at_top: int
    answers_delivered: Share
    returns_coverage: list[MonthCoverage] = field(default_factory=list)
    bulletins: int = 0
    bulletin_open_rate: float | None = None  # by people: machine opens left out where counted
    bulletin_open_rate_with_machine_opens: float | None = None
    bulletin_versus_benchmark: str | None = None  # "above", "in line" or "below", on the 95% interval
    benchmark_open_rate: float = 0.203
    # Surveys closed in the window: organisations that answered of those reached, pooled, and against
    # 2016's "Have your Say" (54 of 200) on the 95% intervals (`reporting.surveys`).
    surveys: int = 0
    survey_response: Share | None = None
    survey_versus_2016: str | None = None
    # Targeted notices sent in the window, and of the people asked to acknowledge one, how many did
    # (`reporting.notices.figures_by_kind`, as the dashboard and the board report count them).
    notices: int = 0
    notice_acknowledgement: Share | None = None
    # What the simulation did to get here (filled in by `simulate_year`; empty for real data).
    activity: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The figures as the officer would read them out."""
        start = self.since.astimezone(LONDON).strftime("%-d %b %Y")
        end = self.until.astimezone(LONDON).strftime("%-d %b %Y")
        lines = [
            f"Network health, {start} to {end} ({self.issues} issues raised)",
            f"  Routed without the officer:        {self.routed_without_officer.words('issues')}",
            # Each board's turn counts (the board report's figure): an item that climbed is several.
            f"  Answered within the timeframe:     {self.answered_within_timeframe.words('escalations')}",
            f"  Escalated on breach:               {self.escalated_on_breach.words()}"
            + (
                f"; {self.breaches_at_top} at the top of the ladder (officer alerted)"
                if self.breaches_at_top
                else ""
            ),
            f"  Answers delivered to organisation: {self.answers_delivered.words()}",
            "  Waiting-list returns coverage:",
        ]
        for month in self.returns_coverage:
            label = month.period.strftime("%b %Y")
            note = "" if month.complete else " (so far)"
            lines.append(f"    {label:<9} {month.share.words()}{note}")
        if not self.returns_coverage:
            lines.append("    — (no month due yet)")
        if self.bulletin_open_rate is None:
            lines.append(
                "  Bulletin open rate: — (no bulletin reported yet); "
                f"benchmark {self.benchmark_open_rate:.1%}"
            )
        else:
            gap = (self.bulletin_open_rate - self.benchmark_open_rate) * 100
            lines.append(
                f"  Bulletin open rate: {self.bulletin_open_rate:.1%} over {self.bulletins} bulletins "
                f"vs benchmark {self.benchmark_open_rate:.1%} ({gap:+.1f} points, "
                f"{self.bulletin_versus_benchmark}); {self.bulletin_open_rate_with_machine_opens:.1%} "
                "including machine opens"
            )
        if self.survey_response is not None:
            lines.append(
                f"  Survey response rate:              {self.survey_response.words('organisations')} "
                f"over {self.surveys} survey{'s' if self.surveys != 1 else ''}, {self.survey_versus_2016} "
                "(54 of 200 in 2016)"
            )
        if self.notices:
            acknowledged = self.notice_acknowledgement.words("people") if self.notice_acknowledgement else "—"
            lines.append(f"  Notices acknowledged:              {acknowledged} over {self.notices} notices")
        return lines


def _month(moment: datetime) -> date:
    local = moment.astimezone(LONDON)
    return date(local.year, local.month, 1)


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _start_utc(month: date) -> datetime:
    return month_start(f"{month.year:04d}-{month.month:02d}")


def network_health(
    session: Session, *, since: datetime, until: datetime, simulated: bool | None = None
) -> HealthFigures:
    """The health figures for issues raised (and months due) in [since, until).

    `simulated=True` counts only what a simulation made, `False` only real records, None both.
    """
    issue_filter = [Issue.created_at >= since, Issue.created_at < until]
    if simulated is not None:
        issue_filter.append(Issue.simulated.is_(simulated))
    issue_ids = list(session.scalars(select(Issue.id).where(*issue_filter)))
    wanted = set(issue_ids)

    answers = [
        [key for key in (detail or {}).get("messages", []) if ":answer:" in key]
        for detail in (
            session.scalars(
                select(EscalationEvent.detail)
                .join(Issue, Issue.id == EscalationEvent.issue_id)
                .where(*issue_filter, EscalationEvent.kind == "responded")
                .order_by(EscalationEvent.at, EscalationEvent.id)
            )
            if wanted
            else []
        )
    ]

    turns = (
        session.execute(
            select(
                Escalation.issue_id,
                Escalation.id,
                Escalation.started_at,
                Escalation.respond_by,
                Escalation.responded_at,
                Escalation.closed_at,
                Escalation.state,
                Escalation.rung,
                Escalation.ladder,
            )
            .join(Issue, Issue.id == Escalation.issue_id)
            .where(*issue_filter)
            .order_by(Escalation.started_at, Escalation.id)
        ).all()
        if wanted
        else []
    )
    breaches = moved_up = at_top = 0
    for _issue_id, _id, _started, respond_by, responded_at, closed_at, state, rung, ladder in turns:
        if respond_by >= until:
            continue
        answered_in_time = responded_at is not None and responded_at <= respond_by
        held_at_deadline = closed_at is None or closed_at >= respond_by
        if answered_in_time or not held_at_deadline:
            continue
        breaches += 1
        if EscalationState(state) == EscalationState.ESCALATED:
            moved_up += 1
        elif rung >= len(rungs_of(ladder)) - 1:
            at_top += 1
    window = Span(since, until)
    routings = first_routings(session, window, simulated=simulated)
    timeliness = network_timeliness(session, window, now=until, simulated=simulated)

    keys = [key for group in answers for key in group]
    sent = set()
    if keys:
        for chunk in range(0, len(keys), 500):
            sent.update(
                session.scalars(
                    select(OutboxMessage.key).where(
                        OutboxMessage.key.in_(keys[chunk : chunk + 500]),
                        OutboxMessage.status == OutboxStatus.SENT,
                    )
                )
            )
    delivered = sum(1 for group in answers if any(key in sent for key in group))

    config = bulletin_config(session)
    opens = _bulletin_opens(session, since, until, simulated)
    return HealthFigures(
        since=since,
        until=until,
        issues=len(issue_ids),
        routed_without_officer=Share(routings.automatic, routings.routed),
        answered_within_timeframe=Share(timeliness.responded_in_time, timeliness.respond_due),
        escalated_on_breach=Share(moved_up, breaches),
        breaches_at_top=at_top,
        answers_delivered=Share(delivered, len(answers)),
        returns_coverage=returns_coverage(session, since=since, until=until, simulated=simulated),
        bulletins=opens.bulletins,
        bulletin_open_rate=opens.rate,
        bulletin_open_rate_with_machine_opens=opens.rate_with_machine_opens,
        bulletin_versus_benchmark=opens.versus(config.benchmark_open_rate),
        benchmark_open_rate=config.benchmark_open_rate,
        **_survey_figures(session, since=since, until=until, simulated=simulated),
        **_notice_figures(session, since=since, until=until, simulated=simulated),
    )


def _notice_figures(session: Session, *, since: datetime, until: datetime, simulated: bool | None) -> dict:
    """Notices sent in the window and their acknowledgement rate, pooled over the kinds that ask for one."""
    kinds = figures_by_kind(session, Span(since, until), simulated=simulated)
    sent = sum(k.notices for k in kinds)
    if not sent:
        return {}
    asked = sum(k.asked_to_acknowledge for k in kinds)
    return {
        "notices": sent,
        "notice_acknowledgement": Share(sum(k.acknowledged for k in kinds), asked) if asked else None,
    }


def _survey_figures(session: Session, *, since: datetime, until: datetime, simulated: bool | None) -> dict:
    """The response rate of the surveys closed in the window, pooled over them (organisations)."""
    closed = [
        r
        for r in surveys_closed_between(session, since, until)
        if simulated is None or session.get(Survey, r.survey_id).simulated == simulated
    ]
    if not closed:
        return {}
    pooled = Rate(sum(r.organisations.answered for r in closed), sum(r.organisations.reached for r in closed))
    return {
        "surveys": len(closed),
        "survey_response": Share(pooled.answered, pooled.reached),
        "survey_versus_2016": compare_with_baseline(pooled).verdict,
    }


def _bulletin_opens(
    session: Session, since: datetime, until: datetime, simulated: bool | None
) -> PooledOpens:
    query = select(Bulletin).where(
        Bulletin.sent_at.is_not(None), Bulletin.sent_at >= since, Bulletin.sent_at < until
    )
    if simulated is not None:
        query = query.where(Bulletin.simulated.is_(simulated))
    reports = [latest_report(bulletin) for bulletin in session.scalars(query)]
    return pooled_opens([report for report in reports if report is not None])


def returns_coverage(
    session: Session, *, since: datetime, until: datetime, simulated: bool | None = None
) -> list[MonthCoverage]:
    """Per month whose return fell due in the window: services that sent it, of those due that month
    (`reporting.figures.returns_coverage`, the board report's and the dashboard's figure)."""
    first_due = _month(since)  # the first month a return fell due in
    last_due = _month(until - timedelta(microseconds=1))
    months = []
    month = first_due
    while month <= last_due:
        months.append(month)
        month = _shift(month, 1)
    periods = [_shift(m, -1) for m in months]
    figures = figure_coverage(session, periods, simulated=simulated)
    return [
        MonthCoverage(
            period=figure.period,
            returned=figure.received,
            expected=figure.due,
            complete=_start_utc(_shift(due_month, 1)) <= until,
        )
        for due_month, figure in zip(months, figures, strict=True)
    ]
