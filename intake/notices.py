"""Who intake tells, queued in the outbox in the caller's transaction.

The bodies come from an `intake.ports.IntakeRenderer`. Each key names the record and the person,
so a retried request or a second run of the reminder job queues nothing twice:

- `join-request:{reference}:{officer}` — an application for each officer to approve or decline;
- `join-decision:{reference}` — the decision, to the applicant;
- `return-reminder:{organisation}:{YYYY-MM}:{member}` — a month's missing waiting-list return.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.ports import IntakeRenderer, MissingReturnReminder
from intake.return_reminders import claim_reminder
from models.joining import JoinRequest
from models.membership import officer_ids
from models.network import Member
from models.outbox import enqueue
from models.returns import period_value

log = logging.getLogger(__name__)


def ask_officers_to_decide(session: Session, request: JoinRequest, *, render: IntakeRenderer) -> None:
    """Each officer gets the application with Approve / Decline in their direct messages."""
    officers = officer_ids(session)
    if not officers:
        log.warning(
            "application %s waits with no officer to notify (it is on the triage view)", request.reference
        )
        return
    _dm_each(session, officers, f"join-request:{request.reference}", render.join_request(request))


def tell_applicant(session: Session, request: JoinRequest, *, render: IntakeRenderer) -> None:
    """The applicant hears the decision once, however often the decision is replayed."""
    enqueue(
        session,
        key=f"join-decision:{request.reference}",
        method="dm",
        payload={"user": request.slack_user_id, **render.join_decision(request)},
    )


def remind_missing_return(
    session: Session, *, organisation_id: int, reminder: MissingReturnReminder, render: IntakeRenderer
) -> bool:
    """Remind each member of the organisation, once a month; False if nobody was (or is now) reminded.

    The reminder is recorded (unique per organisation and month) with the queued messages, so a
    second run, a restart or a second worker never sends it twice.
    """
    members = list(
        session.scalars(
            select(Member.slack_user_id).where(Member.organisation_id == organisation_id).order_by(Member.id)
        )
    )
    if not members:
        return False  # nobody to tell yet; a member who joins later this month still gets it
    period = reminder.period
    if not claim_reminder(session, organisation_id=organisation_id, period=period, recipients=members):
        return False
    key = f"return-reminder:{organisation_id}:{period_value(period)}"
    _dm_each(session, members, key, render.return_reminder(reminder))
    return True


def _dm_each(session: Session, people: list[str], key: str, body: dict) -> None:
    """The same message to each person's DM, keyed `{key}:{person}` so a rerun queues none twice."""
    for person in people:
        enqueue(session, key=f"{key}:{person}", method="dm", payload={"user": person, **body})
