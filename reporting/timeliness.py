"""How each board keeps to its timeframes: median time to acknowledge and to respond, and the share
done in time, over the escalations the viewer may see. One function for the dashboard, the board
report and `linkedup simulate`: "answered within the timeframe" is `network_timeliness`'s sum over
the boards wherever it is shown, so the three cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models.escalations import Escalation
from models.issues import Issue
from models.network import Board
from reporting.access import Viewer
from reporting.periods import Window
from reporting.scope import visible_escalations


@dataclass(frozen=True)
class BoardTimeliness:
    """How one board keeps to its timeframes, over the escalations started in the period."""

    board: str
    escalations: int
    acknowledged: int
    median_acknowledge: timedelta | None
    acknowledged_in_time: int
    acknowledge_due: int  # acknowledged, or past the deadline without it
    responded: int
    median_respond: timedelta | None
    responded_in_time: int
    respond_due: int

    @property
    def acknowledge_share(self) -> float | None:
        return self.acknowledged_in_time / self.acknowledge_due if self.acknowledge_due else None

    @property
    def respond_share(self) -> float | None:
        return self.responded_in_time / self.respond_due if self.respond_due else None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def board_timeliness(
    session: Session,
    viewer: Viewer,
    *,
    now: datetime,
    period: Window | None = None,
    simulated: bool | None = None,
) -> list[BoardTimeliness]:
    """Per board: median time to acknowledge and to respond, and the share done within the timeframe.

    `simulated` narrows to what a simulation made (True) or to real records (False), as
    `linkedup simulate` counts. Counts are one GROUP BY; medians need the durations themselves
    (PostgreSQL computes them with percentile_cont, SQLite — a one-borough deployment — in Python).
    """
    conditions = [Escalation.board_id.is_not(None)]
    if period is not None:
        conditions += [Escalation.started_at >= period.start_utc, Escalation.started_at < period.end_utc]
    if simulated is not None:
        # A semi-join, not a join: a board member's scope joins issues already.
        conditions.append(Escalation.issue_id.in_(select(Issue.id).where(Issue.simulated.is_(simulated))))
    ack_in_time = and_(
        Escalation.acknowledged_at.is_not(None), Escalation.acknowledged_at <= Escalation.acknowledge_by
    )
    ack_due = or_(Escalation.acknowledged_at.is_not(None), Escalation.acknowledge_by < now)
    resp_in_time = and_(
        Escalation.responded_at.is_not(None), Escalation.responded_at <= Escalation.respond_by
    )
    resp_due = or_(Escalation.responded_at.is_not(None), Escalation.respond_by < now)

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    dialect = session.get_bind().dialect.name
    columns = [
        Board.name,
        func.count(Escalation.id),
        func.count(Escalation.acknowledged_at),
        count_if(ack_in_time),
        count_if(ack_due),
        func.count(Escalation.responded_at),
        count_if(resp_in_time),
        count_if(resp_due),
    ]
    if dialect == "postgresql":
        ack_seconds = func.extract("epoch", Escalation.acknowledged_at - Escalation.started_at)
        resp_seconds = func.extract("epoch", Escalation.responded_at - Escalation.started_at)
        columns += [
            func.percentile_cont(0.5).within_group(ack_seconds),
            func.percentile_cont(0.5).within_group(resp_seconds),
        ]
    rows = session.execute(
        visible_escalations(select(*columns).select_from(Escalation), viewer)
        .join(Board, Board.id == Escalation.board_id)
        .where(*conditions)
        .group_by(Board.name)
        .order_by(Board.name)
    ).all()
    medians: dict[str, tuple[float | None, float | None]] = {}
    if dialect == "postgresql":
        medians = {row[0]: (row[8], row[9]) for row in rows}
    else:
        durations: dict[str, tuple[list[float], list[float]]] = {}
        for name, started, acknowledged, responded in session.execute(
            visible_escalations(
                select(
                    Board.name, Escalation.started_at, Escalation.acknowledged_at, Escalation.responded_at
                ).select_from(Escalation),
                viewer,
            )
            .join(Board, Board.id == Escalation.board_id)
            .where(*conditions)
        ):
            acks, responses = durations.setdefault(name, ([], []))
            if acknowledged is not None:
                acks.append((acknowledged - started).total_seconds())
            if responded is not None:
                responses.append((responded - started).total_seconds())
        medians = {name: (_median(a), _median(r)) for name, (a, r) in durations.items()}

    def as_delta(seconds: float | None) -> timedelta | None:
        return None if seconds is None else timedelta(seconds=float(seconds))

    return [
        BoardTimeliness(
            board=row[0],
            escalations=row[1],
            acknowledged=row[2],
            acknowledged_in_time=int(row[3] or 0),
            acknowledge_due=int(row[4] or 0),
            responded=row[5],
            responded_in_time=int(row[6] or 0),
            respond_due=int(row[7] or 0),
            median_acknowledge=as_delta(medians.get(row[0], (None, None))[0]),
            median_respond=as_delta(medians.get(row[0], (None, None))[1]),
        )
        for row in rows
    ]


# The network's figures are the officer's: every board, no sensitive item named.
NETWORK_VIEWER = Viewer(
    slack_user_id="board-report",
    display_name="Board report",
    officer=True,
    board_ids=frozenset(),
    private_board_ids=frozenset(),
    board_names=(),
    organisation_id=None,
    organisation_name=None,
)


@dataclass(frozen=True)
class NetworkTimeliness:
    """Every board's timeliness over a window, and the network's totals: the sums of the boards'."""

    boards: list[BoardTimeliness]

    @property
    def acknowledged_in_time(self) -> int:
        return sum(row.acknowledged_in_time for row in self.boards)

    @property
    def acknowledge_due(self) -> int:
        return sum(row.acknowledge_due for row in self.boards)

    @property
    def responded_in_time(self) -> int:
        """Escalations answered within their board's timeframe: "answered within the timeframe"."""
        return sum(row.responded_in_time for row in self.boards)

    @property
    def respond_due(self) -> int:
        """Escalations answered, or past their respond-by date without an answer, by `now`."""
        return sum(row.respond_due for row in self.boards)


def network_timeliness(
    session: Session, window: Window, *, now: datetime, simulated: bool | None = None
) -> NetworkTimeliness:
    """Each board's timeliness over the escalations started in `window`, as of `now` (the board
    report's section and its health share, and `linkedup simulate`'s "answered within the
    timeframe")."""
    return NetworkTimeliness(
        board_timeliness(session, NETWORK_VIEWER, now=now, period=window, simulated=simulated)
    )


def duration_words(value: timedelta | None) -> str:
    """A duration as people say it: "5 hours", "3.5 days"."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}" if hours >= 1 else "under an hour"
    return f"{hours / 24:.1f} days"
