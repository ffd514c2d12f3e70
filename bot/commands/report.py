"""`linkedup report --quarter 2026Q3 --out DIR` (or `--year 2026`) — the report to the Children's Trust Board.

Writes the report as HTML and PDF, with a CSV per table of the underlying data, and prints the
files written. Beside them goes `report-edits.yaml`: the key achievements drafted from the figures,
the board meetings held (to mark which the sector's representative attended) and the recommendations.
The officer edits it and runs the report again with `--edits FILE` to export her version.
"""

from __future__ import annotations

from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bot.settings import load_settings
from models.db import transaction
from models.errors import ValidationError


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write the quarterly board report (HTML, PDF and CSVs of the figures)"
    )
    span = parser.add_mutually_exclusive_group(required=True)
    span.add_argument("--quarter", help="the quarter, e.g. 2026Q3")
    span.add_argument("--year", help="the calendar year, e.g. 2026")
    parser.add_argument("--out", required=True, type=Path, help="directory to write the files into")
    parser.add_argument(
        "--edits",
        type=Path,
        help="the officer's edits (key achievements, attendance, recommendations): a report-edits.yaml "
        "written by an earlier run, edited",
    )
    parser.set_defaults(func=run_report)


@needs_database
def run_report(args) -> int:
    from bot.commands.doctor import PDF_NEEDS_PANGO, pango_available
    from bot.report import write_report
    from reporting.board_report.edits import FILE_NAME, parse_edits
    from reporting.board_report.report import build_board_report, parse_quarter
    from reporting.periods import parse_period

    try:
        if args.quarter is not None:
            quarter = parse_quarter(args.quarter)
        else:
            quarter = parse_period(args.year, field_name="year")
            if quarter.noun != "year":
                raise ValidationError({"year": f"{args.year!r} is not a year: write it like 2026."})
        if args.edits is not None and not args.edits.is_file():
            raise ValidationError({"edits": f"--edits {args.edits}: no such file."})
        edits = None
        if args.edits is not None:
            try:
                edits = parse_edits(args.edits.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                raise ValidationError({"edits": f"--edits {args.edits}: save it as UTF-8 text."}) from None
    except ValidationError as exc:
        raise CommandError(next(iter(exc.errors.values()))) from None
    if args.out.exists() and not args.out.is_dir():
        raise CommandError(f"--out {args.out} exists and is not a directory")
    settings = load_settings()
    context = build_context(settings, mail=False)  # it sends and signs nothing
    with transaction(context.session_factory) as session:
        report = build_board_report(session, quarter, edits=edits)
    pdf = pango_available()
    if not pdf:
        print(f"No PDF this time: {PDF_NEEDS_PANGO}. The HTML and CSVs are written.")
    paths = write_report(report, args.out, tz=settings.tz, pdf=pdf)
    edits_path = args.out / FILE_NAME
    if args.edits is None or args.edits.resolve() != edits_path.resolve():
        if edits_path.exists() and args.edits is None:
            edits_path = args.out / f"drafted-{FILE_NAME}"  # never overwrite the officer's edits
        edits_path.write_text(report.edits_file, encoding="utf-8")
        paths.append(edits_path)
    print(f"Board report for {quarter.label}: {len(paths)} files in {args.out}")
    for path in paths:
        print(f"  {path.name}  ({path.stat().st_size:,} bytes)")
    return 0
