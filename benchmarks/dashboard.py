"""Dashboard benchmark: 1,000,000 issues on PostgreSQL, the overview and the issues list timed.

Target (PRODUCT.md): dashboard pages ≤ 300 ms server time with 1,000,000 issues on PostgreSQL.

A throwaway database `lu_bench_dash_<pid>` is created from the `postgres` database, given the
schema and the demo network (boards, themes, the officer), and seeded set-based with
`INSERT … SELECT generate_series` (about a minute, not hours):

- 2,000 organisations with two services each and a year of monthly waiting-list returns;
- 1,000,000 issues over three years (about 900 a day: a county or regional deployment) across the
  network's themes (5% without a theme), 3% safeguarding-sensitive, statuses by age as a working
  network has them: the last three weeks' mostly open, older ones mostly answered or closed, 1% of
  the old ones still open (about 3% open in all);
- one escalation per routed issue (95% of issues) at its board, in the state its issue implies,
  with deadlines, acknowledgement and response times; 10% first went to another board and were
  escalated up the ladder (a second row), so about 1.05 million escalations;
- twelve sent bulletins with their report snapshots and link clicks.

Then the pages are requested through Flask's test client by signed-in people (the sign-in link flow
itself): the server time of each request is measured in-process, i.e. everything the server does
(routing, session, the queries, rendering) but not the network. Each page is warmed up, then timed
`--repeat` times; the median and the slowest are printed, with two baselines from the same run: the
`/healthz` request (the app's fixed cost) and a bare `SELECT count(*) FROM issues`.

    .venv/bin/python benchmarks/dashboard.py
    .venv/bin/python benchmarks/dashboard.py --issues 200000 --explain --keep-database
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.paths import DEMO_NETWORK_FILE
from models.base import Base
from models.db import make_engine, make_session_factory, transaction
from network_file.loader import load_path

ISSUES = 1_000_000
ORGANISATIONS = 2_000
TARGET_MS = 300.0
DEFAULT_URL = os.environ.get("LINKEDUP_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
OFFICER = "U0OFFICER1"
BOARD_MEMBER = "U0DEMOCJCG2"  # a member of the Joint Commissioning Group only
ORGANISATION_MEMBER = "U0BENCHORG1"

PAGES = (
    ("overview (officer)", OFFICER, "/dashboard/"),
    ("issues list (officer)", OFFICER, "/dashboard/issues"),
    ("issues list, open, one theme", OFFICER, "/dashboard/issues?state=open&theme=waiting-lists"),
    ("issues list, a board, page 200", OFFICER, "/dashboard/issues?board=cjcg&page=200"),
    ("issues list, search", OFFICER, "/dashboard/issues?q=waiting+list+for+children"),
    ("issues list, a quarter", OFFICER, "/dashboard/issues?period=2026Q2"),
    ("overview (board member)", BOARD_MEMBER, "/dashboard/"),
    ("issues list (board member)", BOARD_MEMBER, "/dashboard/issues"),
    ("overview (organisation member)", ORGANISATION_MEMBER, "/dashboard/"),
    ("issues list (organisation member)", ORGANISATION_MEMBER, "/dashboard/issues"),
)


def create_database(admin_url: str, name: str) -> str:
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(engine, issues: int) -> dict[str, float]:
    """Everything set-based; returns how long each step took."""
    steps: dict[str, float] = {}
    session_factory = make_session_factory(engine)
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)

    def step(name: str, sql: str, **params) -> None:
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text(sql), params)
        steps[name] = time.perf_counter() - started

    step(
        "organisations",
        "INSERT INTO organisations (name, bulletin_consent, status, simulated, uuid, created_at, updated_at) "
        "SELECT 'Benchmark organisation ' || g, g % 3 = 0, 'approved', false, gen_random_uuid(), "
        "now() - interval '3 years', now() FROM generate_series(1, :n) g",
        n=ORGANISATIONS,
    )
    step(
        "members",
        "INSERT INTO members (slack_user_id, organisation_id, role, created_at, updated_at) "
        "SELECT 'U0BENCHORG' || g, o.id, 'member', now(), now() "
        "FROM generate_series(1, :n) g JOIN organisations o ON o.name = 'Benchmark organisation ' || g",
        n=ORGANISATIONS,
    )
    step(
        "services",
        "INSERT INTO services (organisation_id, name, category, uuid, created_at, updated_at) "
        "SELECT o.id, s.name, s.category, gen_random_uuid(), now(), now() FROM organisations o "
        "CROSS JOIN (VALUES ('Family support', 'family support'), ('Youth club', 'youth club')) "
        "AS s(name, category) WHERE o.name LIKE 'Benchmark organisation %'",
    )
    step(
        "waiting-list returns",
        "INSERT INTO waiting_list_returns (reference, service_id, period, number_waiting, new_referrals, "
        "median_wait_weeks, longest_wait_weeks, capacity_status, submitted_by, revision, created_at, "
        "updated_at) "
        "SELECT 'WL-' || s.id || '-' || m, s.id, "
        "(date_trunc('month', now()) - (m || ' months')::interval)::date, "
        "(s.id * 7 + m) % 40, (s.id + m) % 9, 4 + (s.id + m) % 10, 14 + (s.id + m) % 20, "
        "(ARRAY['has_capacity','no_capacity','waitlist_only','assessment_required'])[1 + (s.id + m) % 4], "
        "'U0BENCH', 1, now(), now() "
        "FROM services s CROSS JOIN generate_series(1, 12) m WHERE (s.id + m) % 10 <> 0",
    )
    # Issues over three years; the theme by position, 5% without one; statuses as a mature network.
    step(
        "issues",
        """
        INSERT INTO issues (reference, organisation_id, raised_by, title, description, theme_id, urgency,
            sensitive, publish_allowed, source, status, status_changed_at, created_at, updated_at,
            simulated)
        SELECT 'LU-B-' || lpad(g::text, 7, '0'), o.id, 'U0BENCHORG' || (1 + g % :orgs),
            (ARRAY['Waiting list for the domestic abuse programme', 'Funding for the youth club ends',
                   'No SEND-friendly holiday activities', 'Need more dates for MASH training',
                   'Care leavers cannot get to college', 'CAMHS waiting times'])[1 + g % 6] || ' #' || g,
            'Description of issue ' || g || ': families are waiting, and the group needs an answer.',
            CASE WHEN g % 20 = 0 THEN NULL ELSE t.ids[1 + g % array_length(t.ids, 1)] END,
            (ARRAY['routine', 'routine', 'soon', 'urgent'])[1 + g % 4],
            g % 33 = 0, g % 2 = 0, 'command',
            CASE WHEN g % 1095 < 21 THEN
                     (ARRAY['received', 'received', 'acknowledged', 'acknowledged', 'answered'])[1 + g % 5]
                 WHEN g % 1095 < 60 THEN
                     CASE WHEN g % 20 = 0 THEN 'acknowledged' WHEN g % 20 < 9 THEN 'answered'
                          ELSE 'closed' END
                 WHEN g % 100 = 0 THEN 'acknowledged' WHEN g % 100 < 4 THEN 'answered'
                 WHEN g % 100 < 97 THEN 'closed' WHEN g % 100 < 98 THEN 'redirected'
                 WHEN g % 100 < 99 THEN 'duplicate' ELSE 'withdrawn' END,
            now() - ((g % 1095) || ' days')::interval + interval '2 days',
            now() - ((g % 1095) || ' days')::interval - ((g % 600) || ' minutes')::interval,
            now(), false
        FROM generate_series(1, :issues) g
        JOIN organisations o ON o.name = 'Benchmark organisation ' || (1 + g % :orgs)
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM themes) t
        """,
        issues=issues,
        orgs=ORGANISATIONS,
    )
    # One escalation per routed issue at its theme's board (the safeguarding board if sensitive); 10% were
    # first with another board and escalated up the ladder (that first row is 'escalated').
    step(
        "escalations",
        """
        WITH routed AS (
            SELECT i.id, i.status, i.created_at, i.sensitive, i.id % 10 = 0 AS climbed,
                CASE WHEN i.sensitive THEN (SELECT id FROM boards WHERE slug = 'wscb')
                     ELSE coalesce(th.board_id, (SELECT id FROM boards WHERE slug = 'early-help'))
                END AS board_id
            FROM issues i LEFT JOIN themes th ON th.id = i.theme_id
            WHERE i.id % 20 <> 7
        )
        INSERT INTO escalations (issue_id, board_id, state, rung, ladder, urgent, started_at,
            acknowledge_by, respond_by, acknowledged_at, acknowledged_by, responded_at, responded_by,
            outcome, answer, closed_at, next_step, next_step_at, reminders_sent, version, created_at,
            updated_at)
        SELECT r.id, CASE WHEN step = 0 AND r.climbed THEN (SELECT id FROM boards WHERE slug = 'cjcg')
                          ELSE r.board_id END,
            CASE WHEN step = 0 AND r.climbed THEN 'escalated'
                 WHEN r.status = 'received' THEN 'open'
                 WHEN r.status = 'acknowledged' THEN 'acknowledged'
                 WHEN r.status = 'answered' THEN 'responded'
                 ELSE 'closed' END,
            CASE WHEN r.climbed THEN step ELSE 0 END, '{"rungs": []}'::json, false,
            r.created_at + step * interval '10 days',
            r.created_at + step * interval '10 days' + interval '2 days',
            r.created_at + step * interval '10 days' + interval '10 days',
            CASE WHEN r.status <> 'received'
                 THEN r.created_at + step * interval '10 days' + ((r.id % 90) || ' hours')::interval END,
            CASE WHEN r.status <> 'received' THEN 'U0DEMOCJCG1' END,
            CASE WHEN r.status IN ('answered', 'closed') AND NOT (step = 0 AND r.climbed)
                 THEN r.created_at + step * interval '10 days' + ((r.id % 400) || ' hours')::interval END,
            CASE WHEN r.status IN ('answered', 'closed') AND NOT (step = 0 AND r.climbed)
                 THEN 'U0DEMOCJCG1' END,
            CASE WHEN r.status IN ('answered', 'closed') AND NOT (step = 0 AND r.climbed)
                 THEN 'accepted' END,
            CASE WHEN r.status IN ('answered', 'closed') AND NOT (step = 0 AND r.climbed)
                 THEN 'Answered.' END,
            CASE WHEN (step = 0 AND r.climbed) OR r.status NOT IN ('received', 'acknowledged', 'answered')
                 THEN r.created_at + step * interval '10 days' + interval '10 days' END,
            CASE WHEN r.status IN ('received', 'acknowledged') AND NOT (step = 0 AND r.climbed)
                 THEN 'remind_respond' END,
            CASE WHEN r.status IN ('received', 'acknowledged') AND NOT (step = 0 AND r.climbed)
                 THEN r.created_at + step * interval '10 days' + interval '9 days' END,
            0, 1, now(), now()
        FROM routed r CROSS JOIN generate_series(0, 1) step
        WHERE step = 1 OR r.climbed
        """,
    )
    step(
        "bulletins and reports",
        """
        WITH months AS (
            SELECT m, to_char(date_trunc('month', now()) - (m || ' months')::interval, 'YYYY-MM') AS month
            FROM generate_series(1, 12) m
        ), b AS (
            INSERT INTO bulletins (month, state, subject, preview_text, html, text, links, category_order,
                article_count, summary, compiled_at, compile_version, campaign_id, sent_at, attempts,
                simulated, created_at, updated_at)
            SELECT month, 'sent', 'Linked-up bulletin ' || month, '', '<p>bulletin</p>', 'bulletin',
                '{}'::json, '["vacancies", "funding"]'::json, 8, '{}'::json, now(), 1, 'bench' || m,
                now() - (m || ' months')::interval, 0, false, now(), now()
            FROM months RETURNING id
        ), r AS (
            INSERT INTO bulletin_reports (bulletin_id, checkpoint, taken_at, emails_sent, delivered,
                hard_bounces, soft_bounces, unsubscribed, opens_total, unique_opens, open_rate,
                clicks_total, unique_clicks, unique_subscriber_clicks, click_rate, clicks_per_unique_open)
            SELECT id, '7d', now(), 232, 229, 1, 2, 0, 90, 70 + id % 9, (70 + id % 9) / 229.0,
                20, 16, 12, 12 / 229.0, 16.0 / (70 + id % 9)
            FROM b RETURNING id
        )
        INSERT INTO link_clicks (report_id, url, total_clicks, unique_clicks, category)
        SELECT r.id, 'https://www.example.org/linkedup/' || c.category || '/' || r.id, c.n + 2, c.n,
            c.category
        FROM r CROSS JOIN (VALUES ('vacancies', 9), ('funding', 4), ('training-and-events', 3))
            AS c(category, n)
        """,
    )
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    steps["vacuum analyze"] = time.perf_counter() - started
    return steps


def signed_in_client(app, session_factory, slack_user_id: str):
    from models.sign_in import issue_sign_in_link

    with transaction(session_factory) as session:
        url = issue_sign_in_link(session, slack_user_id, base_url="http://localhost", secret=app.secret_key)
    client = app.test_client()
    page = client.get(url.removeprefix("http://localhost"))
    html = page.get_data(as_text=True)
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1) for name in ("csrf_token", "token")
    }
    answer = client.post("/dashboard/sign-in", data=fields)
    if answer.status_code != 302:
        raise SystemExit(f"sign-in as {slack_user_id} failed: {answer.status_code}")
    return client


def time_request(client, path: str, repeat: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}\n{response.get_data(as_text=True)[:2000]}")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return samples


def explain(engine, app, slack_user_id: str, path: str) -> None:
    """Print EXPLAIN ANALYZE for every statement a page runs (to find what is slow)."""
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    client = signed_in_client(app, make_session_factory(engine), slack_user_id)
    event.listen(engine, "before_cursor_execute", capture)
    client.get(path)
    event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        for statement, parameters in statements:
            raw = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in raw]
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"\n--- {total}\n{statement[:400]}")
            print("\n".join(plan[:25]))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--admin-url", default=DEFAULT_URL, help="the `postgres` database to create from")
    parser.add_argument("--issues", type=int, default=ISSUES)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the statements of slow pages")
    parser.add_argument("--keep-database", action="store_true", help="leave the database for inspection")
    args = parser.parse_args()

    from bot.app import create_app
    from bot.settings import load_settings

    name = f"lu_bench_dash_{os.getpid()}"
    url = create_database(args.admin_url, name)
    print(f"database {name}: seeding {args.issues:,} issues …", flush=True)
    try:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        steps = seed(engine, args.issues)
        with engine.connect() as connection:
            counts = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in (
                    "issues",
                    "escalations",
                    "organisations",
                    "waiting_list_returns",
                    "bulletin_reports",
                )
            }
        print("seeded: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
        print("seeding took: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items()))

        settings = load_settings(
            _env_file=None, database_url=url, secret_key="benchmark-secret-key-0123456789"
        )
        app = create_app(settings, engine=engine)
        clients = {
            who: signed_in_client(app, make_session_factory(engine), who)
            for who in (OFFICER, BOARD_MEMBER, ORGANISATION_MEMBER)
        }

        baseline = time_request(clients[OFFICER], "/healthz", args.repeat)
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM issues")).scalar_one()
            counted = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                connection.execute(text("SELECT count(*) FROM issues")).scalar_one()
                counted.append((time.perf_counter() - started) * 1000)
        health_ms = statistics.median(baseline)
        count_ms = statistics.median(counted)
        print(
            f"\nbaselines (median of {args.repeat}): /healthz {health_ms:.1f} ms; "
            f"bare SELECT count(*) FROM issues {count_ms:.1f} ms"
        )
        print(f"\n{'page':<36} {'median':>9} {'slowest':>9}  {'× count(*)':>10}  target {TARGET_MS:.0f} ms")
        slow = []
        for label, who, path in PAGES:
            samples = time_request(clients[who], path, args.repeat)
            median, worst = statistics.median(samples), max(samples)
            verdict = "ok" if median <= TARGET_MS else "SLOW"
            if verdict != "ok":
                slow.append((who, path))
            print(f"{label:<36} {median:>7.1f}ms {worst:>7.1f}ms  {median / count_ms:>9.2f}×  {verdict}")
        if args.explain:
            for who, path in slow or [(OFFICER, "/dashboard/"), (OFFICER, "/dashboard/issues")]:
                print(f"\n===== EXPLAIN ANALYZE: {path} as {who}")
                explain(engine, app, who, path)
        engine.dispose()
        return 1 if slow else 0
    finally:
        if args.keep_database:
            print(f"kept database {name}: {url}")
        else:
            drop_database(args.admin_url, name)


if __name__ == "__main__":
    sys.exit(main())
