"""`linkedup simulate` — play a plausible period of the demo network so its dashboard has a history.

The engine is `simulation.simulate_year` (the domain, on a frozen clock; simulated Slack and
Mailchimp at the ports). This command only chooses the database, runs it and prints the network's
health figures. It refuses a database holding real records, so it can never pollute a live network.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bot.cli import CommandError, require_database
from bot.runtime import build_context
from bot.settings import load_demo_settings, load_settings


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate", help="play a simulated year of the demo network (for trying the dashboard)"
    )
    parser.add_argument("--months", type=int, default=12, help="how many months to play (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same year (default 0)")
    parser.add_argument(
        "--start",
        type=_date,
        default=None,
        help="first simulated day, YYYY-MM-DD (default: so that the period ends today)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use ./linkedup-demo.db (unless DATABASE_URL is set; recorded in .env) with the demo network "
        "loaded, as `linkedup serve --demo` does",
    )
    parser.set_defaults(func=run_simulate)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def run_simulate(args) -> int:
    from bot.commands.serve import announce_written, prepare_demo
    from simulation import simulate_year

    if not 1 <= args.months <= 36:
        raise CommandError(f"--months: between 1 and 36, not {args.months}")
    if args.demo:
        settings, written = load_demo_settings()
        announce_written(written)
    else:
        settings = load_settings()
        require_database(settings.database_url)
    context = build_context(settings)
    try:
        if args.demo:
            prepare_demo(context)
        started = time.perf_counter()
        figures = simulate_year(context.session_factory, months=args.months, seed=args.seed, start=args.start)
        elapsed = time.perf_counter() - started
    finally:
        context.engine.dispose()
    activity = figures.activity
    print(
        f"Simulated {args.months} month{'s' if args.months != 1 else ''} (seed {args.seed}) "
        f"in {elapsed:.1f} s: "
        f"{activity.get('issues raised', 0)} issues, {activity.get('waiting-list returns', 0)} waiting-list "
        f"returns, {activity.get('bulletins sent', 0)} bulletins, "
        f"{activity.get('organisations registered', 0)} organisations joined."
    )
    for line in figures.lines():
        print(line)
    return 0
