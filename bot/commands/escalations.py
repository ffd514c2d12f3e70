"""`linkedup agenda`, `linkedup sweep` and `linkedup calendar` — the escalation ladder from a shell."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from escalations.agenda import draft_agenda, render_text
from escalations.calendar import build_calendar
from escalations.working_days import LONDON
from models.base import utcnow


def add_commands(subparsers) -> None:
    agenda = subparsers.add_parser(
        "agenda", help="draft the issues-and-challenges agenda for the next meeting"
    )
    agenda.add_argument(
        "--since", help="count items raised since this date (YYYY-MM-DD; default: last meeting)"
    )
    agenda.set_defaults(func=run_agenda)

    sweep = subparsers.add_parser("sweep", help="run the escalation deadline sweep once, now")
    sweep.set_defaults(func=run_sweep_command)

    calendar = subparsers.add_parser("calendar", help="write the board calendar as iCalendar (.ics)")
    calendar.add_argument("--board", help="one board's meetings (its slug)")
    calendar.add_argument("-o", "--output", type=Path, help="write to FILE instead of standard output")
    calendar.set_defaults(func=run_calendar)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=LONDON)
    except ValueError:
        raise CommandError(f"--since: not a date like 2026-05-01: {value!r}") from None


@needs_database
def run_agenda(args) -> int:
    since = _since(args.since)
    context = build_context()
    try:
        with context.session_factory() as session:
            print(render_text(draft_agenda(session, now=utcnow(), since=since)))
    finally:
        context.engine.dispose()
    return 0


@needs_database
def run_sweep_command(args) -> int:
    from bot.escalation_jobs import run_sweep

    context = build_context()
    try:
        report = run_sweep(context.session_factory)
    finally:
        context.engine.dispose()
    print(f"sweep: {report.summary()}")
    return 0


@needs_database
def run_calendar(args) -> int:
    context = build_context()
    try:
        with context.session_factory() as session:
            try:
                data = build_calendar(session, now=utcnow(), board_slug=args.board)
            except LookupError:
                raise CommandError(f"there is no board {args.board!r}") from None
    finally:
        context.engine.dispose()
    if args.output:
        args.output.write_bytes(data)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(data.decode())
    return 0
