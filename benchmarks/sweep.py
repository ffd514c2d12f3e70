"""Escalation sweep benchmark: 100,000 open escalations on PostgreSQL, one sweep timed.

Target (PRODUCT.md): the deadline sweep over 100,000 open escalations ≤ 1 s on PostgreSQL.

The rows are seeded with set-based `INSERT … SELECT generate_series` (seconds, not minutes). Their
`next_step_at` is spread over the coming three weeks, as in steady state, where the sweep runs
every minute and only what fell due since the last run is due, and every card has long been
posted (its ts is on the row); `--due` of them (default 1,000, a
heavy minute: a 09:00 reminder burst) are due now, mixed like the ladder: reminders, acknowledgement
overdue notices, and responses overdue that move up to the parent board with a new card.

Printed side by side, all in the same run on the same rows (after one rolled-back sweep that warms
the caches a long-running worker has warm, reported separately):
- baseline: a bare `SELECT count(*)` of the open escalations (what "touch every row once" costs);
- idle sweep: a sweep when nothing is due (the index range scan alone);
- the sweep: every due step done, messages queued in the outbox, committed batch by batch;
- a second sweep at the same moment (idempotent: nothing due, nothing queued).

    .venv/bin/python benchmarks/sweep.py
    .venv/bin/python benchmarks/sweep.py --due 5000 --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from bot.escalation_jobs import run_sweep
from escalations.ladder import snapshot
from escalations.sweep import sweep
from escalations.working_days import in_working_hours
from handlers.escalation_views import RENDERER
from models import Board, Escalation, OutboxMessage
from models.base import Base
from models.db import make_engine, make_session_factory

ROWS = 100_000
TARGET_SECONDS = 1.0
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Tuesday, in working hours
DEFAULT_URL = os.environ.get("LINKEDUP_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def seed(engine, session_factory, rows: int, due: int) -> None:
    with session_factory() as session:
        hwb = Board(
            slug="hwb", name="Health and Wellbeing Board", slack_channel="C0HWB", chair_slack_user_id="U0HWB"
        )
        ctb = Board(
            slug="ctb",
            name="Children's Trust Board",
            slack_channel="C0CTB",
            parent=hwb,
            chair_slack_user_id="U0CTB",
        )
        eh = Board(
            slug="eh",
            name="Early Help Strategic Board",
            slack_channel="C0EH",
            parent=ctb,
            chair_slack_user_id="U0EH",
        )
        session.add_all([hwb, ctb, eh])
        session.flush()
        ladder = snapshot(eh, sensitive=False, taken_at=NOW)
        board_id = eh.id
        session.commit()
    now = NOW.isoformat()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisations (name, bulletin_consent, status, simulated, uuid, "
                "created_at, updated_at) "
                "SELECT 'Organisation ' || g, false, 'approved', true, gen_random_uuid(), now(), now() "
                "FROM generate_series(1, 200) g"
            )
        )
        connection.execute(
            text(
                "INSERT INTO issues (reference, organisation_id, raised_by, title, description, urgency, "
                "sensitive, publish_allowed, status, simulated, source, created_at, updated_at) "
                "SELECT 'LU-2026-' || lpad(g::text, 6, '0'), 1 + g % 200, 'U0RAISER' || (g % 500), "
                "'Issue ' || g, 'Description of issue ' || g, 'routine', false, true, 'received', true, "
                "'slack', now(), now() FROM generate_series(1, :rows) g"
            ),
            {"rows": rows},
        )
        # Due now: 70% reminders, 20% acknowledgement overdue, 10% response overdue (up the ladder).
        # The rest: next steps spread over the next three weeks.
        connection.execute(
            text(
                """
            INSERT INTO escalations (issue_id, board_id, state, rung, ladder, urgent, started_at,
                acknowledge_by, respond_by, next_step, next_step_at, reminders_sent, card_channel, card_ts,
                version, created_at, updated_at)
            SELECT g, :board, 'open', 0, CAST(:ladder AS json), false,
                CAST(:now AS timestamptz) - interval '1 day',
                CASE WHEN g <= :due * 0.7 THEN CAST(:now AS timestamptz) + interval '8 hours'
                     ELSE CAST(:now AS timestamptz) - interval '16 hours' END,
                CASE WHEN g > :due * 0.9 AND g <= :due THEN CAST(:now AS timestamptz) - interval '1 minute'
                     ELSE CAST(:now AS timestamptz) + interval '6 days' END,
                CASE WHEN g <= :due * 0.7 THEN 'remind_acknowledge'
                     WHEN g <= :due * 0.9 THEN 'acknowledge_overdue'
                     WHEN g <= :due THEN 'respond_overdue'
                     ELSE 'remind_respond' END,
                CASE WHEN g <= :due THEN CAST(:now AS timestamptz) - interval '1 minute'
                     ELSE CAST(:now AS timestamptz) + (1 + g % 30240) * interval '1 minute' END,
                0, 'C0EH', '1780000000.' || lpad(g::text, 6, '0'), 1, now(), now()
            FROM generate_series(1, :rows) g
            """
            ),
            {"board": board_id, "ladder": json.dumps(ladder), "now": now, "due": due, "rows": rows},
        )
    # Only this schema's tables (by search_path): a database-wide VACUUM would queue behind others' locks.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE escalations, issues, organisations, boards"))


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help="a PostgreSQL database to use (a schema is made)"
    )
    parser.add_argument("--rows", type=int, default=ROWS, help="open escalations to seed (default 100,000)")
    parser.add_argument(
        "--due", type=int, default=1_000, help="how many are due at the sweep (default 1,000)"
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        print("the sweep benchmark is for PostgreSQL", file=sys.stderr)
        return 2

    schema = f"lu_bench_sweep_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(args.database_url, connect_args={"options": f"-csearch_path={schema},public"})
    try:
        Base.metadata.create_all(engine)
        session_factory = make_session_factory(engine)
        seed_seconds, _ = timed(lambda: seed(engine, session_factory, args.rows, args.due))
        with session_factory() as session:
            open_rows = session.scalar(select(func.count()).select_from(Escalation))
        print(f"seeded {open_rows:,} open escalations ({args.due:,} due now) in {seed_seconds:.1f} s")

        def baseline():
            with engine.connect() as connection:
                return connection.execute(
                    text("SELECT count(*) FROM escalations WHERE state IN ('open', 'acknowledged')")
                ).scalar()

        # The worker is a long-running process: the bank-holiday table is built once, when it starts.
        holidays_seconds, _ = timed(lambda: in_working_hours(NOW))
        print(
            f"one-off per worker process: bank holidays (holidays library): {holidays_seconds * 1000:.0f} ms"
        )
        baseline()  # warm the cache the same way for both
        baseline_seconds = min(timed(baseline)[0] for _ in range(5))
        idle_seconds, idle = timed(
            lambda: run_sweep(session_factory, now=NOW.replace(hour=9, minute=0), render=RENDERER)
        )

        # A worker sweeps every minute, so its statement, template and prepared-statement caches are
        # warm. Warm them here with the same sweep run once and rolled back (reported, not counted).
        def cold_run():
            with session_factory() as session:
                result = sweep(session, now=NOW, render=RENDERER)
                session.rollback()
                return result

        cold_seconds, cold = timed(cold_run)
        print(
            f"first sweep in a fresh process (cold caches, rolled back): {cold_seconds * 1000:.0f} ms "
            f"for {cold.claimed:,} due"
        )
        sweep_seconds, report = timed(lambda: run_sweep(session_factory, now=NOW, render=RENDERER))
        again_seconds, again = timed(lambda: run_sweep(session_factory, now=NOW, render=RENDERER))
        with session_factory() as session:
            queued = session.scalar(select(func.count()).select_from(OutboxMessage))
            total = session.scalar(select(func.count()).select_from(Escalation))
        print(f"baseline  SELECT count(*) of open escalations ........ {baseline_seconds * 1000:8.1f} ms")
        print(
            f"idle sweep (nothing due: index range scan) .......... {idle_seconds * 1000:8.1f} ms  "
            f"({idle.claimed} due)"
        )
        print(f"sweep ({report.summary()})")
        print(
            f"                                                      {sweep_seconds * 1000:8.1f} ms  "
            f"= {sweep_seconds / baseline_seconds:.1f}× baseline; "
            f"{sweep_seconds / max(report.claimed, 1) * 1e6:.0f} µs per due escalation"
        )
        print(
            f"second sweep at the same moment ..................... {again_seconds * 1000:8.1f} ms  "
            f"({again.claimed} due, nothing queued twice)"
        )
        print(f"outbox rows queued: {queued:,}; escalations now {total:,} (+{total - open_rows:,} up)")
        verdict = "PASS" if sweep_seconds <= TARGET_SECONDS else "FAIL"
        print(f"target ≤ {TARGET_SECONDS:.1f} s for one sweep over {open_rows:,} open escalations: {verdict}")
        return 0 if verdict == "PASS" else 1
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
