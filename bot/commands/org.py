"""`linkedup org export ID` and `linkedup org erase ID --yes` — an organisation's data, or its erasure.

ID is the organisation's number or its slug (`linkedup network show` lists both). `export` writes
JSON to standard output (or `--out FILE`); `erase` without `--yes` only prints what it would do
and exits with status 2, so nothing is ever erased by a mistyped command. See `privacy`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bot.settings import load_settings
from models.db import transaction
from privacy.erase import erase_organisation, erasure_plan
from privacy.export import export_organisation
from privacy.footprint import find_organisation


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("org", help="an organisation's data: export it as JSON, or erase it")
    actions = parser.add_subparsers(dest="org_action", required=True, metavar="ACTION")

    export = actions.add_parser("export", help="all the organisation's data as JSON")
    export.add_argument("organisation", metavar="ID", help="the organisation's number or slug")
    export.add_argument("--out", type=Path, help="write to this file instead of standard output")
    export.set_defaults(func=run_export)

    erase = actions.add_parser(
        "erase", help="erase the organisation's personal data, keeping anonymised counts for reports"
    )
    erase.add_argument("organisation", metavar="ID", help="the organisation's number or slug")
    erase.add_argument(
        "--yes", action="store_true", help="really erase (without it, only show what would go)"
    )
    erase.set_defaults(func=run_erase)


@needs_database
def run_export(args) -> int:
    context = build_context(load_settings())
    with transaction(context.session_factory) as session:
        data = export_organisation(session, find_organisation(session, args.organisation))
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
        print(f"Wrote {args.out} ({len(text.encode()):,} bytes)")
    else:
        sys.stdout.write(text)
    if data["sensitive_issues"]:
        print(
            f"Note: {len(data['sensitive_issues'])} safeguarding-sensitive issue(s) are included "
            f"({', '.join(data['sensitive_issues'])}); share those only with whoever raised them.",
            file=sys.stderr,
        )
    return 0


@needs_database
def run_erase(args) -> int:
    context = build_context(load_settings())
    with transaction(context.session_factory) as session:
        organisation = find_organisation(session, args.organisation)
        if not args.yes:
            plan = erasure_plan(session, organisation)
            print("This would erase:")
            print("\n".join(plan.lines()))
            raise CommandError("nothing was erased; run again with --yes to erase")
        report = erase_organisation(session, organisation, actor="linkedup org erase")
    print("Erased:")
    print("\n".join(report.plan.lines()))
    for what, count in report.scrubbed.items():
        print(f"  {what}: {count}")
    return 0
