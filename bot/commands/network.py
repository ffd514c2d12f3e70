"""`linkedup network load|check|show|export` — the officer's way to change and inspect the network.

`load` is safe to repeat: an unchanged file changes nothing, and a file with any mistake is refused
whole (every problem printed with its line, exit status 2) leaving the running network as it was.
`export` writes what the database holds now (the dashboard's admin pages change it too) as a file that
`load` reads back unchanged.
People are the one thing a load does not take away unasked: members an organisation in the file no
longer lists are kept and named, with how to remove them (`--yes`: their dashboard sessions end and
what they raised stays with the organisation).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bot.settings import load_settings
from models.db import transaction
from network_file.describe import describe_network, format_network
from network_file.document import read_network
from network_file.export import export_text
from network_file.loader import load_path


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("network", help="load, check or show the network file (boards, themes…)")
    actions = parser.add_subparsers(dest="network_action", required=True, metavar="ACTION")

    load = actions.add_parser("load", help="load a network file into the database (idempotent)")
    load.add_argument("file", nargs="?", type=Path, help="the YAML network file (default: $NETWORK_FILE)")
    load.add_argument(
        "--yes",
        action="store_true",
        help="also remove members their organisation no longer lists (without it they are only named)",
    )
    load.set_defaults(func=run_load)

    check = actions.add_parser("check", help="validate a network file without touching the database")
    check.add_argument("file", nargs="?", type=Path, help="the YAML network file (default: $NETWORK_FILE)")
    check.set_defaults(func=run_check)

    show = actions.add_parser(
        "show", help="print the loaded network: boards, officers, themes, organisations"
    )
    show.add_argument("--json", action="store_true", help="machine-readable JSON")
    show.set_defaults(func=run_show)

    export = actions.add_parser(
        "export", help="write the network as it stands in the database as a network file (YAML)"
    )
    export.add_argument("file", type=Path, help="where to write it (`-` for standard output)")
    export.set_defaults(func=run_export)


def _file(args) -> Path:
    if args.file is not None:
        return args.file
    configured = load_settings().network_file
    if configured is None:
        raise CommandError("name a network file, or set NETWORK_FILE")
    return configured


@needs_database
def run_load(args) -> int:
    path = _file(args)
    context = build_context()
    try:
        with transaction(context.session_factory) as session:
            report = load_path(session, path, actor="cli", remove_leavers=args.yes)
    finally:
        context.engine.dispose()
    print(f"{path.name}: {report.summary()}")
    if report["members"].removed:
        print(
            f"Removed {len(report['members'].removed)} member(s) the file no longer lists: "
            f"{', '.join(report['members'].removed)} (dashboard sessions ended; what they raised is kept)."
        )
    if report.leavers_kept:
        print(
            f"{len(report.leavers_kept)} member(s) are no longer listed by their organisation and were kept: "
            f"{', '.join(report.leavers_kept)}. Run `linkedup network load {path} --yes` to remove them "
            "(their dashboard sessions end; what they raised stays with the organisation)."
        )
    return 0


def run_check(args) -> int:
    path = _file(args)
    document = read_network(path)
    counts = (
        (len(document.boards), "board"),
        (len(document.themes), "theme"),
        (len(document.organisations), "organisation"),
        (len(document.officers), "officer"),
    )
    print(f"{path.name}: valid — " + ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts))
    return 0


@needs_database
def run_show(args) -> int:
    context = build_context()
    try:
        with transaction(context.session_factory) as session:
            data = describe_network(session)
    finally:
        context.engine.dispose()
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else format_network(data))
    return 0


@needs_database
def run_export(args) -> int:
    """Write to a file beside the target and rename it into place, so an interrupted export never
    leaves half a network file where the officer keeps the whole one."""
    context = build_context()
    try:
        with transaction(context.session_factory) as session:
            text = export_text(session)
    finally:
        context.engine.dispose()
    if str(args.file) == "-":
        sys.stdout.write(text)
        return 0
    target = args.file
    if target.is_dir():
        raise CommandError(f"{target} is a folder; name the file to write, e.g. {target / 'network.yaml'}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CommandError(f"cannot write {target}: {exc.strerror}") from None
    print(f"{target}: the network as it stands now; load it with `linkedup network load {target}`.")
    return 0
