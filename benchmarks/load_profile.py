"""Where one request's time goes: the load benchmark's mix, in one process, under a profiler.

    .venv/bin/python benchmarks/load_profile.py [--db sqlite|postgresql] [--count N] [--kind NAME]
                                                [--profiler cprofile|pyinstrument|none] [--top N]
                                                [--show-sql KIND]

Builds the same database as `load.py` (migrated, network loaded, benchmark members), starts the
same fake Slack Web API, creates our app with `bot.app.create_app` and sends `--count` signed
requests of the mix through Flask's test client (WSGI, no sockets, one thread), so what is measured
is our request path alone: Bolt, the middleware, the listener, SQLAlchemy and the database. Prints
the wall time, this process's CPU time (what a busy machine does not inflate) and the SQL statements
per request by kind, then the profile (cProfile's own time by library and top functions by own and
cumulative time, or pyinstrument's call tree when installed and asked for); `--show-sql` lists the
statements of one request of a kind.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from benchmarks import load, load_db, load_mix  # noqa: E402
from tests.slack_requests import signed_headers  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--kind", default=None, help="only this request kind (default: the whole mix)")
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument", "none"], default="cprofile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--show-all", action="store_true", help="pyinstrument: show library frames too")
    parser.add_argument(
        "--warmup",
        type=int,
        default=300,
        help="untimed requests first (default 300: a network with a history, like load.py after warm-up)",
    )
    parser.add_argument(
        "--at-once",
        action="store_true",
        help="deliver what requests queue at once, as a server does (bot.outbox_sender); its CPU counts",
    )
    parser.add_argument(
        "--deliveries",
        action="store_true",
        help="then deliver what the requests queued, one message at a time in this thread, timed and "
        "profiled like the requests (what the at-once sender's threads do, which a profiler misses)",
    )
    parser.add_argument("--show-sql", metavar="KIND", default=None, help="print the SQL of one KIND request")
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", load.DEFAULT_PG_ADMIN))
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 20_000:
        parser.error("--count must be between 1 and 20000")
    if not 0 <= args.warmup <= 20_000:
        parser.error("--warmup must be between 0 and 20000")
    if args.deliveries and args.at_once:
        parser.error("--deliveries delivers in this thread: leave out --at-once")

    weights = {args.kind: 1} if args.kind else None
    try:
        kinds, notes = load_mix.active_kinds(load_mix.parse_weights(",".join(weights)) if weights else None)
    except ValueError as exc:
        parser.error(str(exc))
    if not kinds:
        print("no request kind can run:", *notes, sep="\n  ", file=sys.stderr)
        return 2
    users = [f"U0BENCH{n:04d}" for n in range(1, 51)]
    tmp, remove_tmp = load_db.temporary_directory()
    children = load.Children(tmp)
    database = None
    try:
        fake_port = load.free_port()
        children.start(
            "fake-slack",
            load.gunicorn_argv("benchmarks.fake_slack:app", fake_port, workers=1),
            load.base_env(),
        )
        load.wait_ready(children, "fake-slack", fake_port, "/_bench/stats")
        if args.db == "sqlite":
            database = load_db.sqlite_database(tmp)
        else:
            database = load_db.postgres_database(args.pg_admin_url, f"lu_prof_{os.getpid()}")
        load_db.prepare(database, users)
        for note in notes + database.notes:
            print(f"note: {note}")

        from bot.app import create_app
        from bot.settings import load_settings

        settings = load_settings(
            _env_file=None,
            database_url=database.url,
            slack_bot_token=load.BOT_TOKEN,
            slack_signing_secret=load.SIGNING_SECRET,
            slack_api_url=f"http://127.0.0.1:{fake_port}/api/",
        )
        app = create_app(settings, deliver_at_once=args.at_once)
        client = app.test_client()
        board_users = [f"U0BOARD{n:04d}" for n in range(1, 11)]
        acknowledge = [kind for kind in kinds if kind.acts_on == "escalation"]
        if acknowledge:
            share = sum(k.weight for k in acknowledge) / sum(k.weight for k in kinds)
            needed = int((args.count + args.warmup) * share * load.ESCALATION_MARGIN) + 50
            load_db.open_escalations(database, needed, board_users)
        ctx = load_db.mix_context(database, users, board_users)
        warm = load.prepare_requests(kinds, args.warmup, users, 1, 9_000_000, ctx)
        timed = load.prepare_requests(kinds, args.count, users, 2, 8_000_000, ctx)
        for request in warm:
            client.post("/slack/events", data=request.body, headers=request.headers)

        statements: list[str] = []
        event.listen(Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        per_kind_statements: dict[str, list[int]] = defaultdict(list)
        shown_sql: list[str] | None = None
        profiler = _start(args.profiler)
        by_kind: dict[str, list[float]] = defaultdict(list)
        cpu_by_kind: dict[str, list[float]] = defaultdict(list)  # this process's CPU, all its threads
        errors: Counter = Counter()
        for request in timed:
            # re-sign just before sending: a long profile must not outlive the 5-minute window
            headers = signed_headers(
                request.body.decode(),
                content_type=request.headers["Content-Type"],
                secret=load.SIGNING_SECRET,
            )
            statements.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post("/slack/events", data=request.body, headers=headers)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            kind = kinds[request.kind]
            by_kind[kind.name].append(elapsed * 1000)
            cpu_by_kind[kind.name].append(cpu * 1000)
            per_kind_statements[kind.name].append(len(statements))
            if kind.name == args.show_sql and shown_sql is None:
                shown_sql = list(statements)
            verdict = kind.judge(response.status_code, response.get_data())
            if verdict.error:
                errors[f"{kind.name}: {verdict.error}"] += 1
        drain_cpu = _drain(app.extensions["linkedup"].sender)
        if args.deliveries:
            _stop(args.profiler, profiler, args.top, args.show_all)  # the requests' profile is left out
            profiler = _start(args.profiler)
            deliveries = _deliver_all(app.extensions["linkedup"].session_factory, settings, statements)
        report = _stop(args.profiler, profiler, args.top, args.show_all)

        print(f"\n{args.count} requests in one thread, {args.db}, profiler {args.profiler}")
        print(f"errors: {sum(errors.values())}")
        for text, count in errors.most_common(5):
            print(f"  {count} × {text}")
        print(f"{'kind':<24}{'n':>6}{'mean ms':>10}{'p50 ms':>10}{'p95 ms':>10}{'CPU ms':>10}{'SQL/req':>10}")
        for name, values in by_kind.items():
            values.sort()
            p50, p95 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.95))]
            mean = sum(values) / len(values)
            sql = sum(per_kind_statements[name]) / len(per_kind_statements[name])
            cpu = sum(cpu_by_kind[name]) / len(cpu_by_kind[name])
            print(f"{name:<24}{len(values):>6}{mean:>10.2f}{p50:>10.2f}{p95:>10.2f}{cpu:>10.2f}{sql:>10.1f}")
        if args.at_once:
            print(f"at-once sender: {drain_cpu * 1000:.0f} ms of CPU after the last request, finishing")
        if args.deliveries:
            print(
                "\ndelivering what the requests queued, one message at a time (the profile below is of this)"
            )
            print(f"{'method':<24}{'n':>6}{'mean ms':>10}{'CPU ms':>10}{'SQL/msg':>10}")
            for method, rows in sorted(deliveries.items()):
                n = len(rows)
                wall, cpu, sql = (sum(row[i] for row in rows) / n for i in range(3))
                print(f"{method:<24}{n:>6}{wall:>10.2f}{cpu:>10.2f}{sql:>10.1f}")
        if shown_sql is not None:
            print(f"\nSQL of one {args.show_sql} request ({len(shown_sql)} statements):")
            for number, sql in enumerate(shown_sql, 1):
                print(f"{number:>3}. {' '.join(sql.split())[:300]}")
        print(report)
        return 0
    finally:
        children.stop_all()
        if database is not None:
            database.cleanup()
        remove_tmp()


def _deliver_all(session_factory, settings, statements: list[str]) -> dict[str, list[tuple]]:
    """Deliver every due message as the at-once sender does (`bot.outbox.deliver`, no pacing: the
    benchmark's cards all go to a few channels, whose one post a second would only add waiting);
    per method, each message's wall ms, CPU ms and statements."""
    from sqlalchemy import select

    from bot.outbox import deliver
    from bot.slack import web_client
    from models.base import utcnow
    from models.outbox import OutboxMessage, OutboxStatus

    client = web_client(settings)
    with session_factory() as session:
        due = session.execute(
            select(OutboxMessage.key, OutboxMessage.method)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.id)
        ).all()
    timings: dict[str, list[tuple]] = defaultdict(list)
    for key, method in due:
        statements.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        deliver(session_factory, client, key, max_wait=0.0)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        timings[method].append((elapsed * 1000, cpu * 1000, len(statements)))
    return timings


def _drain(sender, timeout: float = 60) -> float:
    """Wait for the at-once sender to deliver what was handed over; the CPU that took (seconds)."""
    started = time.process_time()
    deadline = time.monotonic() + timeout
    if sender is None:
        return 0.0
    while not sender.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    sender.close()
    return time.process_time() - started


def _start(kind: str):
    if kind == "cprofile":
        profiler = cProfile.Profile()
        profiler.enable()
        return profiler
    if kind == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            raise SystemExit("pyinstrument is not installed: .venv/bin/pip install pyinstrument") from None
        profiler = Profiler(interval=0.0005)
        profiler.start()
        return profiler
    return None


def _stop(kind: str, profiler, top: int, show_all: bool = False) -> str:
    if kind == "cprofile":
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        out.write("\n--- own time by library ---\n")
        for library, seconds in _by_library(stats):
            out.write(f"{seconds:>9.3f} s  {library}\n")
        stats.strip_dirs()
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(top)
        out.write("\n--- by cumulative time ---\n")
        stats.sort_stats("cumulative").print_stats(top)
        return out.getvalue()
    if kind == "pyinstrument":
        profiler.stop()
        return profiler.output_text(unicode=True, color=False, show_all=show_all)
    return ""


def _by_library(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed by where the code lives: a site-packages distribution, the standard library,
    our own top-level package, or a builtin (C functions such as the database driver's `execute`)."""
    totals: Counter = Counter()
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if filename == "~":
            library = f"builtin {name.split(' of ')[-1].strip('<>')[:40]}"
        elif "site-packages/" in filename:
            library = filename.split("site-packages/")[1].split("/")[0]
        elif filename.startswith(str(ROOT)):
            library = "ours: " + Path(filename).relative_to(ROOT).parts[0]
        else:
            library = "stdlib: " + Path(filename).stem
        totals[library] += tottime
    return totals.most_common(25)


if __name__ == "__main__":
    sys.exit(main())
