"""A targeted notice to 2,000 people delivered at Slack's rate limits, each person exactly once.

    .venv/bin/python benchmarks/notice_delivery.py          # 2,000 people, a scaled 3,000 posts/min (~1 min)
    .venv/bin/python benchmarks/notice_delivery.py --full   # 2,000 people at 300 posts/min (~7 min)
    .venv/bin/python benchmarks/notice_delivery.py --people 500 --posts-per-minute 1200 --db postgresql

The notice is composed and confirmed by the real domain code (`notices.compose`, `notices.delivery`):
one transaction writes a row and queues one DM per person, and the process's at-once sender
(`bot.outbox_sender.OutboxSender`, its threads and its `Pacing`, told the workspace's allowance as
SLACK_POSTS_PER_MINUTE does) delivers them to the local Slack fake (`tests/fakes/slack_api.py`) over HTTP,
with the worker's 15-second outbox poll running beside it as in production.

Two runs, same data, same process:

1. baseline — the fake answers everything at once and nothing is paced: the machinery's own speed;
2. limited — the fake enforces Slack's shape of limits: the workspace-wide allowance for
   `chat.postMessage` (a second's worth at once), one post a second per channel (a burst of 3),
   `conversations.open` in its own tier (50 a minute); over any of them it answers 429 with Retry-After.
   DMs are posted to the user id, so `conversations.open` is never called.

Printed: the bound (people ÷ allowance: nothing can deliver faster), the limited run's time and its ratio
to the bound (the target: within 10%), the baseline and the ratio to it, 429s received, and how many people
got the notice 0, 1 or more times (all must be 1), with a non-zero exit status when anyone is not exactly 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient
from sqlalchemy import create_engine, func, select, text
from werkzeug import Request
from werkzeug.serving import make_server

from audience.selection import AudienceSpec
from bot.outbox import deliver_due
from bot.outbox_sender import OutboxSender
from bot.slack_pacing import Pacing
from handlers.notice_views import RENDERER
from models import Member, MemberRole, Organisation, OutboxMessage, OutboxStatus, Service
from models.base import Base
from models.db import make_engine, make_session_factory
from notices.compose import Draft, create_draft
from notices.delivery import confirm
from tests.fakes.slack_api import FakeSlackAPI, RateLimits

OFFICER = "U0OFFICER1"
PER_ORGANISATION = 20
POLL_SECONDS = 15  # bot.jobs: deliver_outbox
# Slack tolerates a short burst over its allowance: here a second's worth (5 at 300 a minute, scaled with
# the allowance so a scaled run has the same shape in time); the bot's pacing takes none.
BURST_SECONDS = 1.0
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def serve(fake: FakeSlackAPI):
    server = make_server("127.0.0.1", 0, Request.application(fake.handle), threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}/api/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def person(n: int) -> str:
    return f"U{n:08d}"


def populate(session_factory, people: int) -> None:
    with session_factory() as session:
        session.add(Member(slack_user_id=OFFICER, role=MemberRole.OFFICER, display_name="Officer"))
        for start in range(0, people, PER_ORGANISATION):
            org = Organisation(
                name=f"Organisation {start // PER_ORGANISATION:04d}", contact_email="a@example.org"
            )
            session.add(org)
            session.add(
                Service(organisation=org, name="Stay and play", category="early years", min_age=0, max_age=4)
            )
            for n in range(start, min(start + PER_ORGANISATION, people)):
                session.add(Member(slack_user_id=person(n), organisation=org, display_name=f"Person {n}"))
        session.commit()


class Database:
    """A fresh SQLite file or PostgreSQL database for one run, removed afterwards."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.folder = tempfile.TemporaryDirectory()
        self.name = f"lu_notice_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder.name}/bench.db"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    def __exit__(self, *_: object) -> None:
        if self.kind == "postgresql":
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()
        self.folder.cleanup()


def run(people: int, *, db: str, limits: RateLimits | None, per_minute: int | None) -> dict:
    with Database(db) as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        session_factory = make_session_factory(engine)
        populate(session_factory, people)
        fake = FakeSlackAPI(base_url="")
        server = serve(fake)
        fake.enforce(limits)
        client = WebClient(base_url=fake.base_url, token="xoxb-bench")
        sender = OutboxSender(session_factory, client, pacing=Pacing(posts_per_minute=per_minute))
        sender.listen()
        stop = threading.Event()

        def poll() -> None:  # the worker's outbox poll: retries whatever a 429 or a crash left
            while not stop.wait(POLL_SECONDS):
                deliver_due(session_factory, client, pacing=sender.pacing)

        threading.Thread(target=poll, daemon=True).start()
        now = datetime.now(UTC)
        draft = Draft(
            kind="safeguarding",
            title="Sentinel notice: unsafe sleeping products",
            body="Please share with everyone who works with babies.",
            audience=AudienceSpec(age_range=(0, 5)),
            requires_acknowledgement=True,
            deadline=now + timedelta(days=5),
        )
        with session_factory() as session:
            preview = create_draft(session, OFFICER, draft, now=now)
            session.commit()
            notice_id = preview.notice.id
        started = time.perf_counter()
        with session_factory() as session:
            confirm(session, notice_id, OFFICER, RENDERER, now=now)
            session.commit()  # the at-once sender takes the queued keys from here
        keys = select(func.count()).where(
            OutboxMessage.key.like(f"notice:{notice_id}:to:%"), OutboxMessage.status != OutboxStatus.SENT
        )
        limit = started + 120 + 3 * people / ((per_minute or 3000) / 60)
        pending = people
        while time.perf_counter() < limit:
            with session_factory() as session:
                pending = session.scalar(keys)
            if pending == 0:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        sender.close()
        server.shutdown()
        # Every DM to a person is this notice's card (the note to the sender goes to the officer).
        got = Counter(
            c.args["addressed_to"] for c in fake.of("chat.postMessage") if c.args.get("addressed_to")
        )
        times = Counter(got.get(person(n), 0) for n in range(people))
        engine.dispose()
        return {
            "elapsed": elapsed,
            "pending": pending,
            "limited": len(fake.limited),
            "opens": len(fake.of("conversations.open")),
            "times": times,
        }


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request to the fake
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument(
        "--posts-per-minute", type=int, help="the workspace's allowance (default 3000; --full 300)"
    )
    parser.add_argument(
        "--full", action="store_true", help="Slack's scale: 300 posts a minute (about 7 minutes)"
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    per_minute = args.posts_per_minute or (300 if args.full else 3000)
    people = args.people
    print(f"notice to {people} people ({args.db}, outbox at-once sender, local Slack fake over HTTP)")
    baseline = run(people, db=args.db, limits=None, per_minute=None)
    print(
        f"baseline (no limits):       {baseline['elapsed']:7.1f} s  {people / baseline['elapsed']:7.1f} DMs/s"
    )
    limits = RateLimits(
        posts_per_minute=per_minute,
        posts_burst=max(1, round(per_minute / 60 * BURST_SECONDS)),
        posts_per_channel_per_second=1,
        channel_burst=3,
        opens_per_minute=50,
    )
    limited = run(people, db=args.db, limits=limits, per_minute=per_minute)
    bound = (people - limits.posts_burst) / (per_minute / 60)
    print(
        f"at Slack's limits ({per_minute}/min workspace, 1/s a channel, conversations.open 50/min): "
        f"{limited['elapsed']:.1f} s  {people / limited['elapsed']:.1f} DMs/s"
    )
    print(f"rate-limit bound ((people - burst) / allowance): {bound:.1f} s")
    print(f"ratio to the bound: {limited['elapsed'] / bound:.3f}  (target: at most 1.10)")
    print(f"ratio to the baseline: {limited['elapsed'] / baseline['elapsed']:.2f}")
    once = {name: run_["times"][1] for name, run_ in (("baseline", baseline), ("limited", limited))}
    more = sum(n for k, n in limited["times"].items() if k > 1)
    print(
        f"429s received: {limited['limited']}  conversations.open calls: {limited['opens']}  "
        f"never sent: {limited['times'][0]}  sent once: {once['limited']}  more than once: {more}"
    )
    ok = once["baseline"] == people == once["limited"] and limited["pending"] == 0 == baseline["pending"]
    print("every person exactly once, no message lost: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
