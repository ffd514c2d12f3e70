"""`linkedup meeting attendance BOARD [DATE yes|no|unknown]` — whether the sector's representative
attended a board meeting, recorded once for every report.

The board report's "Boards the sector is represented on" counts the meetings each board held from the
calendar; who went is a fact only the officer knows. Recorded here (or on the dashboard's report
page) it is stored with the meeting (`models.attendance`) and every report after reads it; a report's
`report-edits.yaml` can still say otherwise for that report. Without DATE the command lists the
board's meetings of the last twelve months and what is recorded for each.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.cli import CommandError, needs_database
from bot.settings import load_settings
from models.db import make_engine, make_session_factory, transaction

ANSWERS = {"yes": True, "no": False, "unknown": None}
LISTED_DAYS = 366


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("meeting", help="record board meetings' attendance for the board report")
    commands = parser.add_subparsers(dest="meeting_command", required=True, metavar="COMMAND")
    attendance = commands.add_parser(
        "attendance",
        help="list a board's meetings with attendance, or record whether the sector's representative went",
    )
    attendance.add_argument("board", metavar="BOARD", help="the board's slug, short name or name, e.g. ctb")
    attendance.add_argument("day", metavar="DATE", nargs="?", help="the meeting's date, e.g. 2026-07-14")
    attendance.add_argument(
        "answer", metavar="yes|no|unknown", nargs="?", help="attended, did not, or forget what was recorded"
    )
    attendance.set_defaults(func=run_attendance)


def _words(attended: bool | None) -> str:
    return {True: "attended", False: "did not attend", None: "not recorded"}[attended]


@needs_database
def run_attendance(args) -> int:
    from models.attendance import record_attendance
    from models.base import utcnow
    from reporting.meetings import find_board, held_meetings, meetings_on
    from reporting.periods import LONDON

    if args.day is not None and args.answer is None:
        raise CommandError(f"say whether the representative attended: {args.board} {args.day} yes|no|unknown")
    day = None
    if args.day is not None:
        try:
            day = date.fromisoformat(args.day.strip())
        except ValueError:
            raise CommandError(f"{args.day!r} is not a date like 2026-07-14") from None
    answer = None if args.answer is None else args.answer.strip().lower()
    if answer is not None and answer not in ANSWERS:
        raise CommandError(f"{args.answer!r}: answer yes, no or unknown")
    # The database alone: nothing is sent, so no mail or signing set-up (and none of its warnings).
    engine = make_engine(load_settings().database_url)
    now = utcnow()
    try:
        with transaction(make_session_factory(engine)) as session:
            board = find_board(session, args.board)
            if board is None:
                raise CommandError(f"no board called {args.board!r}: `linkedup network show` lists them")
            if day is None:
                held = held_meetings(session, board, since=now - timedelta(days=LISTED_DAYS), until=now)
                print(f"{board.name}: meetings held in the last twelve months")
                for each in held:
                    when = each.meeting.starts_at.astimezone(LONDON)
                    print(f"  {when:%a %-d %B %Y, %H:%M}  {_words(each.attended)}")
                if not held:
                    print("  none in the calendar")
                else:
                    unrecorded = [each for each in held if each.attended is None]
                    example = (unrecorded or held)[-1].meeting.starts_at.astimezone(LONDON).date()
                    print(f"Record one with: linkedup meeting attendance {board.slug} {example} yes")
                return 0
            meetings = [m for m in meetings_on(session, board, day) if m.starts_at <= now]
            if not meetings:
                raise CommandError(
                    f"{board.name} held no meeting on {day:%-d %B %Y} by the calendar: "
                    f"`linkedup meeting attendance {board.slug}` lists the meetings it held"
                )
            for meeting in meetings:
                changed = record_attendance(session, meeting, ANSWERS[answer], actor="cli")
                when = meeting.starts_at.astimezone(LONDON)
                if ANSWERS[answer] is None:
                    outcome = "attendance no longer recorded" if changed else "no attendance was recorded"
                else:
                    state = "recorded" if changed else "already recorded"
                    outcome = f"the sector's representative {_words(ANSWERS[answer])} ({state})"
                print(f"{board.name}, {when:%A %-d %B %Y, %H:%M}: {outcome}.")
    finally:
        engine.dispose()
    return 0
