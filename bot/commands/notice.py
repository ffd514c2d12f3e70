"""`linkedup notice list` and `linkedup notice report ID [--csv FILE]`: notices from a terminal.

The report's figures are `reporting.notices.delivery_report`'s, the same the dashboard page and the
quarterly report use, so the three always agree.
"""

from __future__ import annotations

from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from models.errors import DomainError
from reporting.notices import delivery_report, notices_of, report_csv


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("notice", help="targeted notices: list them, a notice's delivery report")
    actions = parser.add_subparsers(dest="notice_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the latest notices with their figures")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    listing.set_defaults(func=run_list)
    report = actions.add_parser("report", help="a notice's delivery report; --csv writes one row a person")
    report.add_argument("notice", metavar="ID", help="the notice's number")
    report.add_argument("--csv", type=Path, help="write the report to this CSV file")
    report.set_defaults(func=run_report)


def _id(text: str) -> int:
    if not text.isdigit():
        raise CommandError(f"A notice is named by its number (see `linkedup notice list`), not {text!r}.")
    return int(text)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


@needs_database
def run_list(args) -> int:
    context = build_context()
    try:
        with context.session_factory() as session:
            notices = notices_of(session, None, limit=max(1, args.limit))
            if not notices:
                print("No notices yet. Officers send them with /linkedup notice in Slack.")
            for notice in notices:
                line = f"{notice.id:>5}  {notice.kind.label:<20} {notice.status.value:<9} {notice.title}"
                if notice.sent_at is not None:
                    t = delivery_report(session, notice.id).totals
                    line += f"\n       {t.sent} of {t.people} delivered, {t.failed} failed"
                    if notice.requires_acknowledgement:
                        line += f", {t.acknowledged} acknowledged ({_percent(t.acknowledged, t.people)})"
                    if t.places or t.waiting:
                        line += f", {t.places} places, {t.waiting} waiting"
                print(line)
    finally:
        context.engine.dispose()
    return 0


@needs_database
def run_report(args) -> int:
    context = build_context()
    try:
        with context.session_factory() as session:
            try:
                report = delivery_report(session, _id(args.notice))
            except DomainError as refused:
                raise CommandError(str(refused)) from None
            if args.csv:
                args.csv.write_text(report_csv(report, tz=context.settings.tz), encoding="utf-8", newline="")
                print(f"Wrote {len(report.people)} rows to {args.csv}.")
                return 0
            n, t = report.notice, report.totals
            print(f"Notice {n.id}: {n.title} ({n.kind.label}), to {n.audience_summary}")
            print(f"  people {t.people}, sent {t.sent}, failed {t.failed}, queued {t.queued}, ", end="")
            print(f"acknowledged {t.acknowledged}, places {t.places}, waiting {t.waiting}")
            for organisation, tally in report.organisations:
                print(
                    f"  {organisation}: {tally.people} people, {tally.sent} sent, {tally.failed} failed, "
                    f"{tally.acknowledged} acknowledged, {tally.places} places, {tally.waiting} waiting"
                )
    finally:
        context.engine.dispose()
    return 0
