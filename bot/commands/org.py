"""`linkedup org export|erase ID` — an organisation's data, or its erasure; `linkedup org member add|remove
ID SLACK_ID` — one person joining or leaving it.

ID is the organisation's number or its slug (`linkedup network show` lists both). `export` writes
JSON to standard output (or `--out FILE`); `erase` without `--yes` only prints what it would do
and exits with status 2, so nothing is ever erased by a mistyped command. See `privacy`, and
`intake.membership` for members (a leaver's dashboard sessions end at once).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bot.settings import load_settings
from intake.membership import add_member, find_organisation, remove_from_organisation
from models.db import transaction
from privacy.erase import erase_organisation, erasure_plan
from privacy.export import export_organisation


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

    member = actions.add_parser("member", help="add a person to the organisation, or remove a leaver")
    member.add_argument("change", choices=("add", "remove"), help="add or remove")
    member.add_argument("organisation", metavar="ID", help="the organisation's number or slug")
    member.add_argument("person", metavar="SLACK_ID", help="the person's Slack member id (U…)")
    member.set_defaults(func=run_member)


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


@needs_database
def run_member(args) -> int:
    context = build_context(load_settings())
    change = add_member if args.change == "add" else remove_from_organisation
    try:
        with transaction(context.session_factory) as session:
            done = change(session, organisation=args.organisation, person=args.person, actor=None)
    finally:
        context.engine.dispose()
    if args.change == "add":
        state = "is now" if done.changed else "was already"
        print(f"{done.slack_user_id} {state} a member of {done.organisation}")
    elif done.changed:
        print(
            f"{done.slack_user_id} is no longer a member of {done.organisation} "
            f"({done.sessions_ended} dashboard session(s) ended); what they raised stays with it"
        )
    else:
        print(f"{done.slack_user_id} was not a member of {done.organisation}; nothing changed")
    return 0
