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
