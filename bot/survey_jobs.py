"""The scheduler's survey jobs: reminders to non-respondents (working hours only) and closing surveys
whose date has come. Both are idempotent (each reminder and closing note has its own outbox key, and
the recipients' reminder count moves with the message), so two workers never send twice."""

from __future__ import annotations

import logging

from bot.runtime import Context
from models.base import utcnow
from models.db import transaction

log = logging.getLogger(__name__)


def _context(ctx: Context | None) -> Context:
    if ctx is not None:
        return ctx
    from bot.worker import context

    return context()


def _renderer():
    from handlers.survey_views import RENDERER

    return RENDERER


def remind_and_close(ctx: Context | None = None) -> int:
    """Job: close the surveys whose closing moment has come, then remind the rest's non-respondents."""
    from surveys.lifecycle import close_due
    from surveys.reminders import send_reminders

    now = utcnow()
    with transaction(_context(ctx).session_factory) as session:
        closed = close_due(session, now=now, render=_renderer())
    with transaction(_context(ctx).session_factory) as session:
        reminded = send_reminders(session, now=now, render=_renderer())
    if closed or reminded:
        log.info("surveys: %d closed, %d people reminded", closed, reminded)
    return closed + reminded
