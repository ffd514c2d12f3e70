"""`linkedup worker`: the APScheduler process, with its jobs stored in the database.

The job store lives in the same database as the data, so a restart loses no job and a second
worker sees the same schedule; `coalesce` and `max_instances=1` keep a late job from piling up.
"""

from __future__ import annotations

import logging
import signal

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.jobs import JOBS
from bot.runtime import Context, build_context
from bot.settings import Settings

log = logging.getLogger(__name__)

_context: Context | None = None


def context() -> Context:
    """The worker's settings and database, built on first use."""
    global _context
    if _context is None:
        _context = build_context()
    return _context


def build_scheduler(settings: Settings, engine, *, scheduler_cls=BlockingScheduler):
    """A scheduler whose job store is the `scheduler_jobs` table of the bot's own database."""
    scheduler = scheduler_cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="scheduler_jobs")},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=settings.timezone,
    )
    for job in JOBS:
        scheduler.add_job(
            job.func,
            job.trigger,
            id=job.id,
            name=job.description or job.id,
            replace_existing=True,
            **job.trigger_args,
        )
    return scheduler


def run(settings: Settings) -> None:
    global _context
    _context = build_context(settings)
    scheduler = build_scheduler(settings, _context.engine)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("worker started with %d jobs: %s", len(JOBS), ", ".join(j.id for j in JOBS))
    scheduler.start()


def deliver_outbox() -> int:
    """Job: send queued Slack messages (a no-op without Slack credentials)."""
    from bot.outbox import deliver_due
    from bot.slack import web_client

    ctx = context()
    if not ctx.settings.slack_enabled:
        return 0
    return deliver_due(ctx.session_factory, web_client(ctx.settings))
