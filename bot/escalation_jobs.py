"""The escalation ladder's scheduled jobs: the deadline sweep and the pre-meeting digests.

The sweep commits batch by batch (locks are held briefly; a second worker takes other rows). If
a batch fails, its rows are retried one at a time, each in its own transaction, so one bad row
is logged and postponed instead of holding up every other board's deadlines.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import Context
from escalations.digest import send_digests
from escalations.ports import Renderer
from escalations.sweep import BATCH, SweepReport, due_ids, postpone, sweep_due
from models import email_links
from models.base import utcnow
from models.db import transaction

log = logging.getLogger(__name__)

RETRY_FAILED_ROW_AFTER = timedelta(minutes=15)


def _context(ctx: Context | None) -> Context:
    if ctx is not None:
        return ctx
    from bot.worker import context

    return context()


def _renderer() -> Renderer:
    from handlers.escalation_views import RENDERER

    return RENDERER


def run_sweep(
    session_factory: sessionmaker[Session],
    *,
    now: datetime | None = None,
    render: Renderer | None = None,
    batch: int = BATCH,
) -> SweepReport:
    """Every due step, a committed batch at a time; a failing batch is retried row by row."""
    now = now or utcnow()
    render = render or _renderer()
    total = SweepReport()
    while True:
        try:
            with transaction(session_factory) as session:
                report = sweep_due(session, now=now, render=render, limit=batch)
        except Exception:
            log.exception("escalation sweep batch failed; retrying its rows one by one")
            report = _row_by_row(session_factory, now=now, render=render, batch=batch)
            total.add(report)
            return total
        total.add(report)
        if report.claimed < batch:
            return total


def _row_by_row(session_factory, *, now: datetime, render: Renderer, batch: int) -> SweepReport:
    total = SweepReport()
    with session_factory() as session:
        ids = due_ids(session, now=now, limit=batch)
    for escalation_id in ids:
        try:
            with transaction(session_factory) as session:
                total.add(sweep_due(session, now=now, render=render, limit=1, only=[escalation_id]))
        except Exception:
            log.exception("escalation %s could not be swept; postponed", escalation_id)
            with transaction(session_factory) as session:
                postpone(session, escalation_id, until=now + RETRY_FAILED_ROW_AFTER)
    return total


def sweep_escalations(ctx: Context | None = None) -> int:
    """Job: reminders, overdue notices, automatic escalation and the officer's alert."""
    report = run_sweep(_context(ctx).session_factory)
    if report.claimed:
        log.info("escalation sweep: %s", report.summary())
    return report.claimed


def send_meeting_digests(ctx: Context | None = None) -> int:
    """Job: the pending escalations to each board's representative two working days before it meets."""
    with transaction(_context(ctx).session_factory) as session:
        queued = send_digests(session, now=utcnow(), render=_renderer())
        email_links.prune(session)  # e-mail links spent or expired a month ago (the same half-hourly pass)
    if queued:
        log.info("queued %d pre-meeting digests", queued)
    return queued
