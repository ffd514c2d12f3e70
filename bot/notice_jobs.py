"""The notices' scheduled job: scheduled notices sent when due, reminders to whoever has not acknowledged
(in working hours, capped), and the summary to the sender and officers at each deadline.

Each notice is sent in its own transaction (a failing one is logged and left for the next run, and
holds up no other); reminders and summaries are each one transaction. Every step is idempotent (the
claims and the outbox keys), so a job run twice, or by two workers, sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.runtime import Context
from models.base import utcnow
from models.db import transaction
from notices.compose import drop_stale_drafts
from notices.delivery import due_ids, send_scheduled
from notices.ports import NoticeBodies
from notices.reminders import remind_due, summarise_due

log = logging.getLogger(__name__)


def _context(ctx: Context | None) -> Context:
    if ctx is not None:
        return ctx
    from bot.worker import context

    return context()


def _bodies() -> NoticeBodies:
    from handlers.notice_views import RENDERER

    return RENDERER


def run_notices(ctx: Context | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """Job: what is due now; how many notices were sent, reminders queued and summaries sent."""
    session_factory = _context(ctx).session_factory
    now = now or utcnow()
    bodies = _bodies()
    done = {"sent": 0, "reminders": 0, "summaries": 0}
    with session_factory() as session:
        ids = due_ids(session, now=now)
    for notice_id in ids:
        try:
            with transaction(session_factory) as session:
                done["sent"] += bool(send_scheduled(session, notice_id, bodies, now=now))
        except Exception:
            log.exception("scheduled notice %s could not be sent; it is tried again next run", notice_id)
    with transaction(session_factory) as session:
        done["reminders"] = remind_due(session, bodies, now=now)
    with transaction(session_factory) as session:
        done["summaries"] = summarise_due(session, bodies, now=now)
        drop_stale_drafts(session, now=now)
    if any(done.values()):
        log.info("notices: %s", done)
    return done
