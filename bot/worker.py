"""`linkedup worker`: the APScheduler process, with its jobs stored in the database.

The job store lives in the same database as the data, so a restart loses no job and a second
worker sees the same schedule; `coalesce` and `max_instances=1` keep a late job from piling up.
`linkedup serve` runs the same scheduler inside its own process when it is the only process (the
embedded default, `start_embedded`); two schedulers on one database may both run a job, which is
why every job is idempotent and every outbox message is claimed before it is sent.

Outbox delivery: what a job queues goes out when its transaction commits (`bot.outbox_sender`); the
`deliver_outbox` poll retries failures and whatever a crashed process left; on PostgreSQL a
`NOTIFY linkedup_outbox` from any process (a CLI command, a web worker whose sender was full) wakes
the delivery a second later (`NOTIFY_GRACE`: the queuing process is usually sending it already)
instead of at the next poll.
"""

from __future__ import annotations

import logging
import signal
import threading

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from bot import outbox_sender
from bot.jobs import JOBS
from bot.runtime import Context, build_context
from bot.settings import Settings
from models.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

LISTEN_RETRY = 5  # seconds between attempts to (re)connect the LISTEN connection
# A NOTIFY mostly announces messages the queuing process is already sending at once: look a moment
# later, for those nobody took (queued by a CLI command, or left by a sender whose queue was full).
NOTIFY_GRACE = 1.0

_context: Context | None = None


def context() -> Context:
    """The jobs' settings and database, built on first use (or given by `use_context`)."""
    global _context
    if _context is None:
        use_context(build_context())
    return _context


def use_context(ctx: Context) -> None:
    """Run the jobs on this context; what they queue is delivered as soon as they commit."""
    global _context
    _context = ctx
    outbox_sender.attach(ctx.settings, ctx.session_factory)


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
    use_context(build_context(settings))
    scheduler = build_scheduler(settings, _context.engine)
    stop = threading.Event()
    listen_for_outbox(_context, stop)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("worker started with %d jobs: %s", len(JOBS), ", ".join(j.id for j in JOBS))
    try:
        scheduler.start()
    finally:
        stop.set()


class Embedded:
    """The scheduler running beside a web server in one process; `stop()` on the way out."""

    def __init__(self, ctx: Context) -> None:
        use_context(ctx)
        self._stop = threading.Event()
        self.scheduler = build_scheduler(ctx.settings, ctx.engine, scheduler_cls=BackgroundScheduler)
        self.scheduler.start()
        listen_for_outbox(ctx, self._stop)
        log.info("scheduler started in this process with %d jobs", len(JOBS))

    def stop(self) -> None:
        self._stop.set()
        self.scheduler.shutdown(wait=False)


def listen_for_outbox(
    ctx: Context, stop: threading.Event, listening: threading.Event | None = None
) -> threading.Thread | None:
    """On PostgreSQL, deliver the outbox whenever a transaction that queued a message commits.

    `listening` is set once the LISTEN is in place and the pass over what was queued before it
    has been asked for.
    """
    sender = outbox_sender.attach(ctx.settings, ctx.session_factory)
    if sender is None or ctx.engine.dialect.name != "postgresql":
        return None
    thread = threading.Thread(
        target=_listen, args=(ctx.engine, sender, stop, listening), name="outbox-listen", daemon=True
    )
    thread.start()
    return thread


def _listen(
    engine: Engine,
    sender: outbox_sender.OutboxSender,
    stop: threading.Event,
    listening: threading.Event | None,
) -> None:
    import psycopg

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                sender.deliver_due_soon()  # whatever was queued while nobody listened
                if listening is not None:
                    listening.set()
                while not stop.is_set():
                    for _ in connection.notifies(timeout=1.0, stop_after=1):
                        sender.deliver_due_soon(after=NOTIFY_GRACE)
        except psycopg.Error as exc:
            log.warning("outbox LISTEN connection lost (%s); the poll delivers meanwhile", type(exc).__name__)
            stop.wait(LISTEN_RETRY)


def deliver_outbox() -> int:
    """Job: send queued messages that are due. Without Slack credentials only e-mail goes (when a
    transport is set): board members outside Slack are still reached, and Slack's messages wait."""
    from bot import email
    from bot.outbox import deliver_due
    from bot.slack import web_client
    from bot.slack_pacing import PACING

    ctx = context()
    if not ctx.settings.slack_enabled:
        if email.transport_for(ctx.settings) is None:
            return 0
        return deliver_due(ctx.session_factory, None, methods={"email"})
    return deliver_due(ctx.session_factory, web_client(ctx.settings), pacing=PACING)
