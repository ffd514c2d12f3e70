"""Answered items for the bulletin's "You said, we did".

Only items whose organisation allowed (anonymous) publication and that are not
safeguarding-sensitive are ever returned, and without the organisation's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.escalations import Escalation, EscalationState
from models.issues import Issue, IssueStatus


@dataclass(frozen=True)
class YouSaidWeDid:
    reference: str
    title: str
    theme: str | None
    board: str
    answer: str
    outcome: str | None
    answered_at: datetime


def you_said_we_did(session: Session, *, since: datetime, until: datetime) -> list[YouSaidWeDid]:
    """Items answered in [since, until), publishable and not sensitive, oldest answer first."""
    issues = session.scalars(
        select(Issue)
        .options(selectinload(Issue.theme))
        .where(
            Issue.answered_at >= since,
            Issue.answered_at < until,
            Issue.status.in_((IssueStatus.ANSWERED, IssueStatus.CLOSED)),
            Issue.publish_allowed.is_(True),
            Issue.sensitive.is_(False),
            Issue.answer_text.is_not(None),
        )
        .order_by(Issue.answered_at, Issue.id)
    ).all()
    if not issues:
        return []
    answered = session.scalars(
        select(Escalation)
        .where(
            Escalation.issue_id.in_([i.id for i in issues]),
            Escalation.state.in_((EscalationState.RESPONDED, EscalationState.CLOSED)),
            Escalation.responded_at.is_not(None),
        )
        .order_by(Escalation.responded_at, Escalation.id)
    ).all()
    latest = {e.issue_id: e for e in answered}
    items = []
    for issue in issues:
        escalation = latest.get(issue.id)
        items.append(
            YouSaidWeDid(
                reference=issue.reference,
                title=issue.title,
                theme=issue.theme.name if issue.theme is not None else None,
                board=escalation.board_name if escalation is not None else "the network",
                answer=issue.answer_text or "",
                outcome=escalation.outcome.value if escalation is not None and escalation.outcome else None,
                answered_at=issue.answered_at,
            )
        )
    return items
