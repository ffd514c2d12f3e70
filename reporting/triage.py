"""The officer's triage: what waits for a human decision, oldest first, with totals.

Four queues: applications to approve, new issues no board has yet (no rule matched, or the
organisation is still pending), feedback awaiting a reply, and organisations missing last
month's waiting-list return. Each returns its total and the first few, so a view can summarise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from intake.feedback import awaiting_reply
from intake.joining import pending_requests
from intake.return_reminders import MissingReturn, missing_returns
from models.escalations import Escalation
from models.feedback import Feedback
from models.issues import Issue, IssueStatus
from models.joining import JoinRequest


@dataclass(frozen=True)
class Triage:
    period: date
    requests_total: int
    requests: list[JoinRequest]
    unrouted_total: int
    unrouted: list[Issue]
    feedback_total: int
    feedback: list[Feedback]
    missing_total: int
    missing: list[MissingReturn]


def unrouted_issues(session: Session, *, limit: int) -> tuple[int, list[Issue]]:
    """Issues just received that are in front of no board (never routed, or held for approval)."""
    where = (
        Issue.status == IssueStatus.RECEIVED,
        ~exists().where(Escalation.issue_id == Issue.id),
    )
    total = session.scalar(select(func.count()).select_from(Issue).where(*where)) or 0
    rows = session.scalars(
        select(Issue).options(joinedload(Issue.organisation)).where(*where).order_by(Issue.id).limit(limit)
    ).all()
    return total, list(rows)


def officer_triage(session: Session, *, period: date, limit: int = 8) -> Triage:
    requests_total, requests = pending_requests(session, limit=limit)
    unrouted_total, unrouted = unrouted_issues(session, limit=limit * 3)
    feedback_total, feedback = awaiting_reply(session, limit=limit)
    missing = missing_returns(session, period)
    return Triage(
        period=period,
        requests_total=requests_total,
        requests=requests,
        unrouted_total=unrouted_total,
        unrouted=unrouted,
        feedback_total=feedback_total,
        feedback=feedback,
        missing_total=len(missing),
        missing=missing[: limit * 4],
    )
