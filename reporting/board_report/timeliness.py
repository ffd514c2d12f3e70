"""The board report's timeliness: for escalations started in the period, how quickly each board
acknowledged and answered, against its own timeframe in working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reporting.access import Viewer
from reporting.board_report.tables import Column, Table
from reporting.periods import Period
from reporting.timeliness import BoardTimeliness, board_timeliness

# The report is the officer's: every board, and no sensitive item named.
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


@dataclass
class PeriodTimeliness:
    boards: list[BoardTimeliness]
    table: Table

    @property
    def acknowledged_in_time(self) -> int:
        return sum(row.acknowledged_in_time for row in self.boards)

    @property
    def acknowledge_due(self) -> int:
        return sum(row.acknowledge_due for row in self.boards)

    @property
    def responded_in_time(self) -> int:
        return sum(row.responded_in_time for row in self.boards)

    @property
    def respond_due(self) -> int:
        return sum(row.respond_due for row in self.boards)


def _hours(value) -> float | None:
    return value.total_seconds() / 3600 if value else None


def period_timeliness(session: Session, period: Period, *, end: datetime) -> PeriodTimeliness:
    boards = board_timeliness(session, REPORT_VIEWER, now=end, period=period)
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
