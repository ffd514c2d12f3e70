"""The board report's network health: the shares that say whether the network works as designed —
issues reaching a board without the officer, boards keeping to their timeframes, and missed
deadlines going up the ladder by themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.escalations import Escalation, EscalationEvent
from reporting.board_report.tables import Column, Share, Table, count, within
from reporting.figures import first_routings
from reporting.periods import Period
from reporting.timeliness import NetworkTimeliness


def network_health(
    session: Session, period: Period, *, end: datetime, timeliness: NetworkTimeliness
) -> list[Share]:
    """The health shares; the first two are `linkedup simulate`'s "routed without the officer" and
    "answered within the timeframe", from the same functions (`reporting.figures.first_routings`,
    `reporting.timeliness.network_timeliness`)."""
    routings = first_routings(session, period)
    escalated_on_breach = count(
        session,
        select(func.count(EscalationEvent.id)).where(
            EscalationEvent.kind == "escalated",
            EscalationEvent.actor == "system",
            within(EscalationEvent.at, period),
        ),
    )
    breaches = count(
        session,
        select(func.count(Escalation.id)).where(
            Escalation.respond_by >= period.start_utc,
            Escalation.respond_by < end,
            (Escalation.responded_at.is_(None)) | (Escalation.responded_at > Escalation.respond_by),
        ),
    )
    return [
        Share("Issues sent straight to a board without the officer", routings.automatic, routings.routed),
        Share(
            "Escalations acknowledged within the board's timeframe",
            timeliness.acknowledged_in_time,
            timeliness.acknowledge_due,
        ),
        Share(
            "Escalations answered within the board's timeframe",
            timeliness.responded_in_time,
            timeliness.respond_due,
        ),
        Share(
            "Missed respond-by deadlines escalated up the ladder automatically", escalated_on_breach, breaches
        ),
    ]


def health_table(health: list[Share]) -> Table:
    return Table(
        "network_health",
        "Network health",
        [Column("Measure"), Column("Count", "int"), Column("Out of", "int"), Column("Share", "percent")],
        [[share.label, share.part, share.whole, share.value] for share in health],
    )
