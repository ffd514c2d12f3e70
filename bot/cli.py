"""`linkedup` — the command line. Each area adds its sub-commands from its own module."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from bot.settings import SettingsError
from models.errors import DomainError

# Modules with an `add_commands(subparsers)` function, in the order help lists them.
COMMAND_MODULES = (
    "bot.commands.serve",
    "bot.commands.database",
    "bot.commands.network",
    "bot.commands.bulletin",
    "bot.commands.escalations",
    "bot.commands.report",
    "bot.commands.simulate",
    "bot.commands.org",
)


class CommandError(Exception):
    """A command cannot do what was asked; the message says why (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkedup", description="Linked-up bot: chat-ops for children's-services networks."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except (SettingsError, CommandError, DomainError) as exc:
        print(f"linkedup {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
