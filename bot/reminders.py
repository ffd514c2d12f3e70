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

from sqlalchemy.orm import Session, sessionmaker

from handlers.intake_views import RENDERER
from intake.notices import remind_missing_return
from intake.ports import MissingReturnReminder
from intake.return_reminders import due_reminders
from models.returns import london_today, period_value

log = logging.getLogger(__name__)


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
                reminder = MissingReturnReminder(organisation=name, period=period, services=services)
                if remind_missing_return(
                    session, organisation_id=organisation_id, reminder=reminder, render=RENDERER
                ):
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


def remind_missing_returns() -> int:
    """Scheduler entry point (see bot/jobs.py)."""
    from bot.worker import context

    return send_return_reminders(context().session_factory)
