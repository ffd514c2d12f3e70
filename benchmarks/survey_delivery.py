"""A survey to 2,000 recipients delivered through the outbox at Slack's rate limits, each exactly once.

    .venv/bin/python benchmarks/survey_delivery.py [--recipients 2000] [--posts-per-minute 1200] [--quick]

The survey is created and opened by the real domain code (`surveys.lifecycle`): one transaction queues
one DM per recipient, and the process's at-once sender (`bot.outbox_sender.OutboxSender`, its threads
and its `Pacing`) delivers them to the local Slack fake (`tests/fakes/slack_api.py`) served over HTTP.

Two runs in the same process, same data:

1. baseline — the fake answers everything at once and the sender paces nothing: how fast the
   machinery itself goes (the floor);
2. limited — the fake enforces Slack's shape of limits (a workspace-wide allowance for
   `chat.postMessage`, one post a second per channel; over it: 429 with Retry-After) and the sender
   paces to the same allowance (SLACK_POSTS_PER_MINUTE).

Printed: each run's time, the limited run's time against its bound (recipients ÷ allowance: no
deliverer can beat it), 429s received, and recipients sent 0, 1 or more times (must be all 1).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient
from sqlalchemy import func, select
from werkzeug import Request
from werkzeug.serving import make_server

from bot.outbox import deliver_due
from bot.outbox_sender import OutboxSender
from bot.slack_pacing import Pacing
from handlers.survey_views import RENDERER
from models import Member, MemberRole, Organisation, OutboxMessage, OutboxStatus, Service
from models.base import Base
from models.db import make_engine, make_session_factory
from surveys import lifecycle
from surveys.definition import check_definition
from tests.fakes.slack_api import FakeSlackAPI, RateLimits

OFFICER = "U0OFFICER1"
POLL_SECONDS = 15  # bot.jobs: deliver_outbox
SLACK_BURST = 5  # Slack tolerates short bursts over a method's rate; the bot's pacing allows none


def serve(fake: FakeSlackAPI):
    app = Request.application(fake.handle)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}/api/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def populate(session_factory, recipients: int) -> None:
    with session_factory() as session:
        session.add(Member(slack_user_id=OFFICER, role=MemberRole.OFFICER, display_name="Officer"))
        per_org = 5
        for n in range(0, recipients, per_org):
            org = Organisation(name=f"Organisation {n // per_org:04d}", contact_email="a@example.org")
            session.add(org)
            session.add(
                Service(organisation=org, name="Service", category="young carers", min_age=5, max_age=18)
            )
            for m in range(n, min(n + per_org, recipients)):
                session.add(Member(slack_user_id=f"U{m:08d}", organisation=org))
        session.commit()


def run(recipients: int, *, limits: RateLimits | None, per_minute: int | None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(engine)
        session_factory = make_session_factory(engine)
        populate(session_factory, recipients)
        fake = FakeSlackAPI(base_url="")
        server = serve(fake)
        fake.enforce(limits)
        sender = OutboxSender(
            session_factory,
            WebClient(base_url=fake.base_url, token="xoxb-bench"),
            pacing=Pacing(posts_per_minute=per_minute),
        )
        sender.listen()
        client = WebClient(base_url=fake.base_url, token="xoxb-bench")
        stop = threading.Event()

        def poll() -> None:  # the worker's outbox poll (every 15 s): retries what a 429 sent back
            while not stop.wait(POLL_SECONDS):
                deliver_due(session_factory, client, pacing=sender.pacing)

        threading.Thread(target=poll, daemon=True).start()
        now = datetime.now(UTC)
        definition, problems = check_definition(
            {
                "title": "Have your say",
                "closes": (now + timedelta(days=30)).date().isoformat(),
                "audience": {"categories": ["young carers"]},
                "questions": [{"kind": "rating", "text": "How useful is the network?"}],
            },
            now=now,
        )
        assert not problems, problems
        with session_factory() as session:
            survey = lifecycle.create_survey(session, definition, officer=OFFICER, now=now, render=RENDERER)
            session.commit()
            survey_id = survey.id
        time.sleep(0.5)  # the officer's draft note goes first; it is not timed
        started = time.perf_counter()
        with session_factory() as session:
            reached = lifecycle.open_survey(session, survey_id, officer=OFFICER, now=now, render=RENDERER)
            session.commit()
        deadline = started + 60 + 3 * recipients / ((per_minute or 6000) / 60)
        while time.perf_counter() < deadline:
            with session_factory() as session:
                pending = session.scalar(
                    select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
                )
            if pending == 0:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        sender.close()
        server.shutdown()
        sent = Counter(call.args.get("addressed_to") for call in fake.of("chat.postMessage"))
        audience = {f"U{m:08d}" for m in range(recipients)}
        times = Counter(sent.get(user, 0) for user in audience)
        engine.dispose()
        return {
            "reached": reached,
            "elapsed": elapsed,
            "pending": pending,
            "limited": len(fake.limited),
            "times": times,
        }


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    for name in ("werkzeug", "bot"):  # no line per request or per retried message
        logging.getLogger(name).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument(
        "--posts-per-minute",
        type=int,
        default=1200,
        help="the workspace's post allowance (SLACK_POSTS_PER_MINUTE)",
    )
    parser.add_argument("--quick", action="store_true", help="300 recipients")
    args = parser.parse_args()
    recipients = 300 if args.quick else args.recipients
    per_minute = args.posts_per_minute
    print(f"survey to {recipients} recipients (SQLite, outbox at-once sender, local Slack fake)")
    baseline = run(recipients, limits=None, per_minute=None)
    print(
        f"baseline (no limits):  {baseline['elapsed']:7.1f} s  "
        f"{recipients / baseline['elapsed']:6.1f} DMs/s  sent once: {baseline['times'][1]}/{recipients}"
    )
    limits = RateLimits(
        posts_per_minute=per_minute, posts_burst=SLACK_BURST, posts_per_channel_per_second=1, channel_burst=3
    )
    limited = run(recipients, limits=limits, per_minute=per_minute)
    bound = recipients / (per_minute / 60)
    print(
        f"at Slack's limits ({per_minute}/min workspace, 1/s a channel): {limited['elapsed']:7.1f} s  "
        f"{recipients / limited['elapsed']:6.1f} DMs/s"
    )
    print(
        f"bound (recipients / allowance): {bound:7.1f} s  "
        f"ratio to the bound: {limited['elapsed'] / bound:.3f}"
    )
    print(f"ratio to the baseline: {limited['elapsed'] / baseline['elapsed']:.2f}")
    print(
        f"429s received: {limited['limited']}  never sent: {limited['times'][0]}  sent once: "
        f"{limited['times'][1]}  sent more than once: {sum(n for k, n in limited['times'].items() if k > 1)}"
    )
    ok = limited["times"][1] == recipients and baseline["times"][1] == recipients and limited["pending"] == 0
    print("each recipient sent exactly once: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
