"""The board report's timeliness: for escalations started in the period, how quickly each board
acknowledged and answered, against its own timeframe in working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reporting.board_report.tables import Column, Table
from reporting.periods import Period
from reporting.timeliness import NETWORK_VIEWER, NetworkTimeliness, network_timeliness

REPORT_VIEWER = NETWORK_VIEWER  # the report is the officer's: every board, no sensitive item named


@dataclass(frozen=True)
class PeriodTimeliness(NetworkTimeliness):
    """The network's timeliness (`reporting.timeliness.network_timeliness`) with the report's table."""

    table: Table | None = None


def _hours(value) -> float | None:
    return value.total_seconds() / 3600 if value else None


def period_timeliness(session: Session, period: Period, *, end: datetime) -> PeriodTimeliness:
    boards = network_timeliness(session, period, now=end).boards
    table = Table(
        "board_timeliness",
        f"Escalations started in the {period.noun}: timeliness by board",
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
                _hours(row.median_acknowledge),
                row.acknowledge_share,
                _hours(row.median_respond),
                row.respond_share,
            ]
            for row in boards
        ],
        note="Timeframes are each board's, in working days (weekends and bank holidays excluded).",
    )
    return PeriodTimeliness(boards, table)
