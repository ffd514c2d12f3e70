"""The worker's scheduler keeps its jobs in the bot's database (APScheduler SQLAlchemy job store)."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect

from bot.jobs import JOBS
from bot.settings import load_settings
from bot.worker import build_scheduler
from tests.conftest import engine_url


def test_jobs_are_stored_in_the_database(engine):
    settings = load_settings(_env_file=None, database_url=engine_url(engine))
    scheduler = build_scheduler(settings, engine, scheduler_cls=BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        stored = {job.id for job in scheduler.get_jobs()}
        assert stored == {job.id for job in JOBS}
        assert "scheduler_jobs" in inspect(engine).get_table_names()
    finally:
        scheduler.shutdown(wait=False)
    # A second start (a restart) replaces the jobs instead of duplicating them.
    again = build_scheduler(settings, engine, scheduler_cls=BackgroundScheduler)
    again.start(paused=True)
    try:
        assert len(again.get_jobs()) == len(JOBS)
    finally:
        again.shutdown(wait=False)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE scheduler_jobs")


def test_job_functions_import():
    import importlib

    for job in JOBS:
        module, _, name = job.func.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), job.func


def test_serve_runs_the_jobs_in_its_own_process(engine, settings, slack_api, session_factory):
    """`linkedup serve`'s embedded scheduler: the stored jobs, run here, e.g. the outbox's retry pass."""
    import time
    from datetime import UTC, datetime

    from bot import outbox_sender, worker
    from bot.runtime import Context
    from models.db import make_session_factory, transaction
    from models.outbox import enqueue

    ctx = Context(settings, engine, make_session_factory(engine))
    embedded = worker.Embedded(ctx)
    try:
        assert {job.id for job in embedded.scheduler.get_jobs()} == {job.id for job in JOBS}
        with transaction(session_factory) as session:  # queued by a process with no sender (a CLI command)
            enqueue(
                session, key="test:left", method="chat.postMessage", payload={"channel": "C1", "text": "x"}
            )
        embedded.scheduler.get_job("deliver_outbox").modify(next_run_time=datetime.now(UTC))
        deadline = time.monotonic() + 30
        while not slack_api.of("chat.postMessage") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [call.args["text"] for call in slack_api.of("chat.postMessage")] == ["x"]
    finally:
        embedded.stop()
        outbox_sender.attach(settings, ctx.session_factory).close()
        worker._context = None
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE scheduler_jobs")
