"""`linkedup serve`, `linkedup socket` and `linkedup worker`: the three ways the bot runs."""

from __future__ import annotations

import argparse
import logging

from bot.cli import CommandError
from bot.paths import DEMO_NETWORK_FILE
from bot.runtime import build_context
from bot.settings import SLACK_VARIABLES, load_demo_settings, load_settings

log = logging.getLogger(__name__)


def add_commands(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="serve the web app (Slack events, dashboard)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=None, help="port (default: $PORT, else 3000, Heroku's convention)"
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="use the demo network (network/wirral.yaml) in ./linkedup-demo.db unless DATABASE_URL is set",
    )
    serve.add_argument(
        "--jobs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the scheduler's jobs in this process (default: RUN_JOBS, else yes); "
        "--no-jobs when `linkedup worker` runs them",
    )
    serve.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    serve.set_defaults(func=run_serve)

    socket = subparsers.add_parser("socket", help="connect to Slack over Socket Mode (no public URL)")
    socket.set_defaults(func=run_socket)

    worker = subparsers.add_parser("worker", help="run the scheduler: sweeps, reminders, bulletins")
    worker.set_defaults(func=run_worker)


def capabilities(settings) -> list[str]:
    """One line per integration saying whether it is on, and what turns it on."""
    lines = []
    if settings.slack_enabled:
        lines.append("Slack: enabled (POST /slack/events)")
    else:
        lines.append(f"Slack: DISABLED — set {' and '.join(SLACK_VARIABLES)} to receive Slack requests")
    missing = settings.missing_mailchimp()
    if missing:
        lines.append(
            f"Mailchimp: DISABLED — set {', '.join(missing)} to send bulletins "
            "(compiling and previews still work)"
        )
    else:
        lines.append("Mailchimp: enabled")
    from bot.email import capability

    lines.append(capability(settings))
    return lines


def announce_written(names: list[str]) -> None:
    """Say what the demo wrote to `.env`, so nobody wonders later where the demo database came from."""
    if names:
        print(f"wrote {' and '.join(names)} to .env: every linkedup command in this directory uses them")


def prepare_demo(context) -> None:
    """Bring the demo database to the latest schema and load the demo network into it."""
    from models.db import transaction
    from models.schema import upgrade
    from network_file.loader import load_path

    upgrade(context.engine)
    with transaction(context.session_factory) as session:
        report = load_path(session, DEMO_NETWORK_FILE)
    print(f"demo network loaded from {DEMO_NETWORK_FILE.name}: {report.summary()}")


def simulate_demo_year(context) -> None:
    """Give a newcomer a living dashboard: a simulated year, played once per demo database."""
    from simulation import simulate_year
    from simulation.engine import SimulationRefused, has_simulation

    with context.session_factory() as session:
        if has_simulation(session):
            print("demo history: the simulated year is already in this database")
            return
    try:
        figures = simulate_year(context.session_factory, months=12, seed=0)
    except SimulationRefused as refused:
        print(f"demo history: not simulated — {refused}")
        return
    print("demo history: a simulated year of the network (everything in it is marked simulated)")
    for line in figures.lines():
        print("  " + line)


DEMO_OFFICER = "U0OFFICER1"


def demo_sign_in_link(context, base_url: str) -> str:
    """A one-time dashboard link for the demo network's officer."""
    from bot.signing import signing_key
    from models.db import transaction
    from models.sign_in import issue_sign_in_link

    with transaction(context.session_factory) as session:
        return issue_sign_in_link(
            session, DEMO_OFFICER, base_url=base_url, secret=signing_key(context.settings)
        )


def run_serve(args) -> int:
    from bot.app import create_app

    overrides = {} if args.port is None else {"port": args.port}
    settings, written = load_demo_settings(**overrides) if args.demo else (load_settings(**overrides), [])
    announce_written(written)
    context = build_context(settings)
    if args.demo:
        prepare_demo(context)
        simulate_demo_year(context)
    port = settings.port
    app = create_app(settings, engine=context.engine, deliver_at_once=True)
    runs_jobs = args.jobs if args.jobs is not None else settings.run_jobs == "yes"
    print(f"Linked-up bot serving on http://{args.host}:{port}  (database: {_safe_url(settings)})")
    for line in capabilities(settings):
        print("  " + line)
    print("  " + jobs_line(runs_jobs))
    print(f"  Health: http://{args.host}:{port}/healthz")
    if args.demo:
        base_url = (
            settings.public_base_url
            if "public_url" in settings.model_fields_set
            else f"http://{args.host}:{port}"
        )
        print(f"  Dashboard, signed in as the demo officer: {demo_sign_in_link(context, base_url)}")
        print("  (a one-time link, valid for 10 minutes; `/linkedup dashboard` in Slack makes new ones)")
    serve_forever(app, host=args.host, port=port, threads=args.threads, runs_jobs=runs_jobs)
    return 0


def jobs_line(runs_jobs: bool) -> str:
    if runs_jobs:
        return (
            "Jobs: run in this process (outbox retries, escalation sweep, reminders, bulletins); "
            "RUN_JOBS=no or --no-jobs when `linkedup worker` runs them"
        )
    return "Jobs: NOT run here (RUN_JOBS=no or --no-jobs): `linkedup worker` must run them"


def serve_forever(app, *, host: str, port: int, threads: int, runs_jobs: bool) -> None:
    """Serve with waitress (one process, threads), beside the scheduler when this process runs the jobs.

    One process keeps the outbox sender and the scheduler next to the requests; SIGTERM stops
    all three, letting messages already handed to the sender go out first.
    """
    import signal

    from waitress import serve

    from bot import worker
    from bot.app import runtime
    from bot.runtime import Context

    with app.app_context():
        held = runtime()
    embedded = (
        worker.Embedded(Context(held.settings, held.engine, held.session_factory)) if runs_jobs else None
    )

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        serve(app, host=host, port=port, threads=threads, ident="linkedup")
    finally:
        if embedded is not None:
            embedded.stop()
        if held.sender is not None:
            held.sender.close(timeout=5)


def run_socket(args) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot import outbox_sender
    from bot.slack import build_bolt_app

    settings = load_settings()
    if not settings.slack_enabled or settings.slack_app_token is None:
        raise CommandError(
            "Socket Mode needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN (xapp-…)"
        )
    context = build_context(settings)
    outbox_sender.attach(settings, context.session_factory)  # what a request queues goes out at once
    bolt = build_bolt_app(settings, context.session_factory)
    SocketModeHandler(bolt, settings.slack_app_token.get_secret_value()).start()
    return 0


def run_worker(args) -> int:
    from bot import worker

    settings = load_settings()
    for line in capabilities(settings):
        log.info(line)
    worker.run(settings)
    return 0


def _safe_url(settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)
