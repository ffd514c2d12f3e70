"""Job: remind organisations that have not sent last month's waiting-list return — once a month.

Runs daily; from the network's `returns.reminder_day` on, each organisation still missing a
return gets one direct message per member. The reminder is recorded (unique per organisation
and month) in the same transaction as the queued messages, so a second run, a restart or a
second worker never sends it twice. Each organisation is its own transaction: one failure does
not stop the others.
"""

from __future__ import annotations

import logging
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.intake_ids import IntakeAction
from models.network import Member
from models.outbox import enqueue
from models.returns import claim_reminder, due_reminders, london_today, period_label, period_value

log = logging.getLogger(__name__)


def reminder_text(organisation: str, period: date, services: list[str]) -> str:
    listed = ", ".join(services[:10]) + (f" and {len(services) - 10} more" if len(services) > 10 else "")
    plural = "s" if len(services) != 1 else ""
    return (
        f"Hello — Linked-up has not yet received {organisation}'s waiting-list return for "
        f"{period_label(period)} ({len(services)} service{plural}: {listed}). "
        "Type `/linkedup waiting` (or use the button) to send it: it takes a minute, and it is how the "
        "boards hear about waiting lists."
    )


def send_return_reminders(session_factory: sessionmaker[Session], *, today: date | None = None) -> int:
    """Queue this month's reminders; returns how many organisations were reminded."""
    today = today or london_today()
    with session_factory() as session:
        period, due = due_reminders(session, today)
        targets = [
            (item.organisation.id, item.organisation.name, [s.name for s in item.services]) for item in due
        ]
    reminded = 0
    for organisation_id, name, services in targets:
        with session_factory() as session:
            try:
                if _remind(session, organisation_id, name, services, period):
                    session.commit()
                    reminded += 1
            except Exception:
                session.rollback()
                log.exception(
                    "return reminder for organisation %s failed; retried on the next run", organisation_id
                )
    if targets:
        log.info("waiting-list reminders for %s: %d organisations", period_value(period), reminded)
    return reminded


def _remind(session: Session, organisation_id: int, name: str, services: list[str], period: date) -> bool:
    members = list(
        session.scalars(select(Member.slack_user_id).where(Member.organisation_id == organisation_id))
    )
    if not members:
        return False  # nobody to tell yet; a member who joins later this month still gets it
    if not claim_reminder(session, organisation_id=organisation_id, period=period, recipients=members):
        return False
    text = reminder_text(name, period, services)
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=text)).to_dict(),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Send the return", action_id=IntakeAction.OPEN_RETURN_FORM, style="primary"
                )
            ]
        ).to_dict(),
    ]
    for user in members:
        enqueue(
            session,
            key=f"return-reminder:{organisation_id}:{period_value(period)}:{user}",
            method="dm",
            payload={"user": user, "text": text, "blocks": blocks},
        )
    return True


def remind_missing_returns() -> int:
    """Scheduler entry point (see bot/jobs.py)."""
    from bot.worker import context

    return send_return_reminders(context().session_factory)
