"""Escalations: one issue in front of one board, with its deadlines, and the history of each.

An issue may be in front of several boards over time (re-assigned, escalated up the ladder), so
each board's turn is its own `Escalation` row; at most one per issue is live at a time. The
ladder (boards, timeframes, reminder caps) is copied onto the row when it starts, so that editing
the network file changes no escalation already running. `next_step_at` says when the sweep must
next look at the row (NULL: never), which keeps the sweep an index range scan.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column, utcnow
from models.issues import Issue
from models.network import Board


@dataclass(frozen=True)
class Rung:
    """One board on an escalation's snapshotted ladder, with the settings that governed it then.

    Stored as JSON on the escalation (`ladder["rungs"]`); read back through `from_json`, which fills
    the defaults an older snapshot may lack, so code reads typed fields instead of string keys.
    """

    board_id: int
    slug: str | None
    name: str
    channel: str | None
    private: bool = False
    acknowledge_days: int = 1
    respond_days: int = 5
    max_reminders: int = 3
    chair: str | None = None
    withhold_organisation: bool = True

    @classmethod
    def from_json(cls, data: dict) -> Rung:
        return cls(
            board_id=data["board_id"],
            slug=data.get("slug"),
            name=data["name"],
            channel=data.get("channel"),
            private=bool(data.get("private", False)),
            acknowledge_days=int(data.get("acknowledge_days", 1)),
            respond_days=int(data.get("respond_days", 5)),
            max_reminders=int(data.get("max_reminders", 3)),
            chair=data.get("chair"),
            withhold_organisation=bool(data.get("withhold_organisation", True)),
        )

    def to_json(self) -> dict:
        return asdict(self)


def rungs_of(ladder: dict | None) -> list[Rung]:
    """The rungs of a ladder snapshot, lowest first."""
    return [Rung.from_json(rung) for rung in (ladder or {}).get("rungs", [])]


class EscalationState(enum.StrEnum):
    """open → acknowledged → responded → closed; open/acknowledged → reassigned | escalated."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"
    REASSIGNED = "reassigned"
    ESCALATED = "escalated"
    CLOSED = "closed"


# The row that is "the board's turn" for its issue; the partial unique index keeps it single.
LIVE_STATES = (EscalationState.OPEN, EscalationState.ACKNOWLEDGED, EscalationState.RESPONDED)
AWAITING_BOARD = (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY = "partly"
    DECLINED = "declined"


class NextStep(enum.StrEnum):
    """What the sweep does when `next_step_at` comes."""

    REMIND_ACKNOWLEDGE = "remind_acknowledge"
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue"
    REMIND_RESPOND = "remind_respond"
    RESPOND_OVERDUE = "respond_overdue"
    ALERT_OFFICER = "alert_officer"
    FOLLOW_UP = "follow_up"


class Escalation(Timestamps, Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index(
            "uq_escalations_live_issue",
            "issue_id",
            unique=True,
            sqlite_where=text("state IN ('open', 'acknowledged', 'responded')"),
            postgresql_where=text("state IN ('open', 'acknowledged', 'responded')"),
        ),
        Index(
            "ix_escalations_next_step_at",
            "next_step_at",
            sqlite_where=text("next_step_at IS NOT NULL"),
            postgresql_where=text("next_step_at IS NOT NULL"),
        ),
        Index("ix_escalations_board_state", "board_id", "state"),
        # Board members' visibility and the board filter: a board's issue ids straight from the index
        # (index-only), so "held by these boards" is a semi-join rather than a probe per issue.
        Index("ix_escalations_board_issue", "board_id", "issue_id"),
        # Live escalations only (a few percent of the history): the overview's "open issues by board"
        # join reads each open issue's board from this small index alone.
        Index(
            "ix_escalations_live",
            "issue_id",
            "board_id",
            sqlite_where=text("state IN ('open', 'acknowledged', 'responded')"),
            postgresql_where=text("state IN ('open', 'acknowledged', 'responded')"),
        ),
        # Escalations waiting on their board, in deadline order: what is overdue now (the count and the
        # longest overdue) is read from this small index alone, not from a million rows' heap.
        Index(
            "ix_escalations_awaiting_due",
            "acknowledge_by",
            "id",
            "state",
            "respond_by",
            "issue_id",
            sqlite_where=text("state IN ('open', 'acknowledged')"),
            postgresql_where=text("state IN ('open', 'acknowledged')"),
        ),
        # The dashboard: boards' timeliness over a recent window, and what is overdue now.
        Index("ix_escalations_started_at", "started_at"),
        # (state, deadline): what is overdue now is an index range per state, whatever the history.
        Index("ix_escalations_state_acknowledge_by", "state", "acknowledge_by"),
        Index("ix_escalations_state_respond_by", "state", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    # SET NULL: a board removed from the network file keeps its history (the ladder has its name).
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="SET NULL"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    state: Mapped[EscalationState] = mapped_column(
        enum_column(EscalationState, "escalation_state"), default=EscalationState.OPEN
    )
    rung: Mapped[int] = mapped_column(Integer, default=0)
    ladder: Mapped[dict] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledge_by: Mapped[datetime] = mapped_column(UTCDateTime())
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_by: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "escalation_outcome"))
    answer: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    follow_up_date: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[NextStep | None] = mapped_column(enum_column(NextStep, "escalation_next_step"))
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    officer_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    card_channel: Mapped[str | None] = mapped_column(String(80))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic concurrency: an UPDATE that finds another version changed nothing (StaleDataError).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    issue: Mapped[Issue] = relationship()
    board: Mapped[Board | None] = relationship()
    previous: Mapped[Escalation | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def rungs(self) -> list[Rung]:
        return rungs_of(self.ladder)

    @property
    def current_rung(self) -> Rung:
        return Rung.from_json(self.ladder["rungs"][self.rung])

    @property
    def board_name(self) -> str:
        return self.current_rung.name

    @property
    def at_top(self) -> bool:
        return self.rung >= len(self.rungs) - 1


class EscalationEvent(Base):
    """One line of an item's history: who did what, when, from which state or board to which.

    Routing decisions made before any board has the item (held for approval, sent to triage) have
    no escalation yet, so the issue is the anchor and the escalation is optional.
    """

    __tablename__ = "escalation_events"
    __table_args__ = (
        Index("ix_escalation_events_issue_at", "issue_id", "at"),
        Index("ix_escalation_events_escalation_at", "escalation_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    from_board: Mapped[str | None] = mapped_column(String(200))
    to_board: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
