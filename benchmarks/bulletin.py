"""Bulletin benchmark: compile and render a 200-article bulletin, and sync 10,000 contacts.

Targets (PRODUCT.md): compile + render ≤ 0.5 s; audience sync ≤ 25 Mailchimp calls, counted by
the local Mailchimp fake the real client talks to. A same-run baseline puts the compile time in
context: rendering the same template with no content (Jinja2 + CSS inlining only).

    .venv/bin/python benchmarks/bulletin.py            # SQLite in a temporary file
    .venv/bin/python benchmarks/bulletin.py --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_httpserver import HTTPServer
from sqlalchemy import text

from bulletins.compile import compile_bulletin
from bulletins.config import month_of
from bulletins.content import BulletinContent
from bulletins.render import render_bulletin
from bulletins.send import sync_audience
from models import Article, Network, Organisation
from models.base import Base, utcnow
from models.bulletins import ArticleSource, ArticleStatus
from models.db import make_engine, make_session_factory
from tests.bulletin_support import CATEGORIES, mailer_for
from tests.fakes.mailchimp_api import FakeMailchimp

ARTICLES = 200
CONTACTS = 10_000
RUNS = 7


def seed(session, month: str) -> None:
    session.add(
        Network(slug="bench", name="Linked-up Wirral", settings={"bulletin": {"categories": CATEGORIES}})
    )
    for n in range(ARTICLES):
        session.add(
            Article(
                month=month,
                title=f"Article {n}: training, vacancies and news from the network",
                link=f"https://www.cvsw.org.uk/news/{n}",
                summary="A summary of the article that tells readers why they might click. " * 3,
                category=CATEGORIES[n % len(CATEGORIES)],
                source=ArticleSource.SLACK,
                status=ArticleStatus.APPROVED,
                submitted_by="U0BENCH",
            )
        )
    for n in range(CONTACTS):
        session.add(
            Organisation(
                name=f"Organisation {n}", contact_email=f"contact{n}@org{n}.org.uk", bulletin_consent=True
            )
        )
    session.commit()


def timed(func) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    schema = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        if url.startswith("postgresql"):
            # A schema of its own, dropped afterwards: never touches the tables already in that database.
            schema = f"bulletin_bench_{os.getpid()}"
            with make_engine(url).begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        else:
            engine = make_engine(url)
        Base.metadata.create_all(engine)
        factory = make_session_factory(engine)
        month = month_of(utcnow())
        with factory() as session:
            seed(session, month)

        def compile_once():
            with factory() as session:
                compile_bulletin(session, month)
                session.rollback()

        empty = BulletinContent(month=month, month_label="May 2026", network_name="Linked-up Wirral",
                                subject="s", preview_text="")  # fmt: skip
        baseline = timed(lambda: render_bulletin(empty))
        compiled = timed(compile_once)

        server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        server.start()
        try:
            fake = FakeMailchimp(host=f"http://127.0.0.1:{server.port}/3.0")
            server.expect_request(re.compile(r"^/3\.0/.*")).respond_with_handler(fake.handle)
            with factory() as session:
                start = time.perf_counter()
                result = sync_audience(session, mailer_for(fake, timeout=60))
                session.commit()
                sync_seconds = time.perf_counter() - start
            calls = len(fake.calls)
        finally:
            server.stop()
        engine.dispose()
        if schema:
            with make_engine(url).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    c50, b50 = statistics.median(compiled), statistics.median(baseline)
    print(f"bulletin benchmark ({engine.dialect.name}, {RUNS} runs each, median)")
    verdict = "PASS" if c50 <= 0.5 else "FAIL"
    print(f"  baseline: render the bulletin template with no content          {b50 * 1000:8.1f} ms")
    print(f"  compile + render {ARTICLES} articles (query, order, HTML, text)    {c50 * 1000:8.1f} ms")
    print(f"    = {c50 / b50:.0f}x the baseline; target <= 500 ms: {verdict}")
    print(f"  audience sync of {CONTACTS:,} contacts: {calls} Mailchimp calls, {result.created:,} created,")
    calls_verdict = "PASS" if calls <= 25 else "FAIL"
    print(f"    {len(result.errors)} refused, {sync_seconds:.2f} s; target <= 25 calls: {calls_verdict}")
    return 0 if c50 <= 0.5 and calls <= 25 else 1


if __name__ == "__main__":
    sys.exit(main())
