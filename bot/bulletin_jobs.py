"""The bulletin's scheduled jobs: read the feed, compile on the configured day, deliver approved
bulletins, poll Mailchimp's reports, and post the monthly performance message with its chart.

Each job is idempotent (outbox keys, the bulletin's state machine and lease, unique snapshots) and
each bulletin or item is handled in its own try/except, so one failure never stops the rest.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from bot.runtime import Context
from bulletins import notices, preview
from bulletins.config import LONDON, bulletin_config, month_of
from bulletins.mailer import MailchimpNotConfigured, Mailer
from bulletins.tracking import FINAL_CHECKPOINT
from handlers.bulletin_views import RENDERER
from models.base import utcnow
from models.bulletins import Bulletin, BulletinReport
from models.db import transaction

log = logging.getLogger(__name__)


def _context(ctx: Context | None) -> Context:
    if ctx is not None:
        return ctx
    from bot.worker import context

    return context()


def send_preview(session, settings, bulletin: Bulletin) -> None:
    """Queue the preview summary (with the approve buttons) to every officer."""
    from bot.web.bulletins import preview_url

    preview.offer(
        session,
        bulletin,
        link=preview_url(settings, bulletin.month),
        mailchimp_missing=settings.missing_mailchimp(),
        render=RENDERER,
    )


def compile_due(ctx: Context | None = None, *, now: datetime | None = None) -> str | None:
    """Job: on (or after) the network's compile day, compile this month's bulletin once and preview it."""
    from bulletins.compile import compile_bulletin

    ctx = _context(ctx)
    now = now or utcnow()
    month = month_of(now)
    with transaction(ctx.session_factory) as session:
        config = bulletin_config(session)
        if now.astimezone(LONDON).day < config.compile_day:
            return None
        if session.scalar(select(Bulletin.id).where(Bulletin.month == month)) is not None:
            return None
        bulletin = compile_bulletin(session, month, now=now, base_url=ctx.settings.public_base_url)
        send_preview(session, ctx.settings, bulletin)
    log.info("compiled the %s bulletin and sent the preview", month)
    return month


def import_feed(ctx: Context | None = None, *, now: datetime | None = None) -> int:
    """Job: read the network's web-page feed; new items go to the officer for approval."""
    from bulletins.articles import import_feed as read_feed

    ctx = _context(ctx)
    now = now or utcnow()
    with transaction(ctx.session_factory) as session:
        if not bulletin_config(session).feed_url:
            return 0
        result = read_feed(session, now=now)
        for article in result.added:
            notices.ask_for_review(session, article, render=RENDERER)
        if result.error:
            log.warning("feed skipped: %s", result.error)
            notices.report_feed_skipped(session, result.error, now=now, render=RENDERER)
        return len(result.added)


def deliver_due(
    ctx: Context | None = None, *, mailer: Mailer | None = None, now: datetime | None = None
) -> list[str]:
    """Job: take each approved bulletin through its remaining Mailchimp steps; report the outcome."""
    from bot.mailchimp import build_mailer
    from bulletins.send import SendInProgress, deliver_bulletin, due_deliveries

    ctx = _context(ctx)
    now = now or utcnow()
    with ctx.session_factory() as session:
        months = due_deliveries(session, now=now)
    if not months:
        return []
    try:
        mailer = mailer or build_mailer(ctx.settings)
    except MailchimpNotConfigured as exc:
        with transaction(ctx.session_factory) as session:
            for month in months:
                notices.report_not_configured(session, month, str(exc), render=RENDERER)
        return []
    done = []
    for month in months:
        try:
            deliver_bulletin(ctx.session_factory, mailer, month, now=now)
        except SendInProgress:
            continue
        except Exception as exc:  # each bulletin on its own; the failure is recorded on the row
            log.warning("bulletin %s not delivered: %s", month, exc)
        with transaction(ctx.session_factory) as session:
            bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
            notices.report_delivery(session, bulletin, render=RENDERER)
        done.append(month)
    return done


def poll_reports(
    ctx: Context | None = None, *, mailer: Mailer | None = None, now: datetime | None = None
) -> int:
    """Job: take the report snapshots that are due (about 1 h, 24 h, 72 h and 7 days after sending)."""
    from bot.mailchimp import build_mailer
    from bulletins.tracking import poll_reports as poll

    ctx = _context(ctx)
    try:
        mailer = mailer or build_mailer(ctx.settings)
    except MailchimpNotConfigured:
        return 0
    snapshots = poll(ctx.session_factory, mailer, now=now)
    stored = sum(1 for snap in snapshots if snap.error is None)
    if any(snap.checkpoint == FINAL_CHECKPOINT and snap.error is None for snap in snapshots):
        post_performance(ctx)
    return stored


def post_performance(ctx: Context | None = None) -> list[str]:
    """Job step: after the 7-day snapshot, queue each officer the performance message with its chart.

    The message is queued in the same transaction that marks the bulletin's performance as posted,
    so it goes once; the outbox delivers (and retries) the upload.
    """
    from bulletins.chart import performance_png
    from bulletins.performance import bulletin_performance

    ctx = _context(ctx)
    posted = []
    with ctx.session_factory() as session:
        months = list(
            session.scalars(
                select(Bulletin.month).where(
                    Bulletin.performance_posted_at.is_(None),
                    Bulletin.reports.any(BulletinReport.checkpoint == FINAL_CHECKPOINT),
                )
            )
        )
    for month in months:
        with ctx.session_factory() as session:
            bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
            performance = bulletin_performance(session, bulletin)
            if performance is None:
                continue
            try:
                png = performance_png(performance)
            except OSError as exc:  # not marked as posted: the next poll tries again
                log.warning("performance chart for %s not drawn: %s", month, exc)
                continue
            notices.share_performance(session, performance, chart_png=png, render=RENDERER)
            bulletin.performance_posted_at = utcnow()
            session.commit()
            posted.append(month)
    return posted


def refresh_drafts(ctx: Context | None = None, *, now: datetime | None = None) -> list[str]:
    """Job: recompile a draft whose quoted answers or themes changed since, and offer the new preview."""
    from bulletins.freshness import refresh_drafts as recompile_stale

    ctx = _context(ctx)
    with transaction(ctx.session_factory) as session:
        bulletins = recompile_stale(session, now=now or utcnow(), base_url=ctx.settings.public_base_url)
        for bulletin in bulletins:
            send_preview(session, ctx.settings, bulletin)
        months = [bulletin.month for bulletin in bulletins]
    if months:
        log.info("recompiled the %s draft bulletin: what it quotes changed", ", ".join(months))
    return months
