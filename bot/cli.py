"""`linkedup` — the command line. Each area adds its sub-commands from its own module."""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.settings import SettingsError, load_settings
from models.errors import DomainError

# Modules with an `add_commands(subparsers)` function, in the order help lists them.
COMMAND_MODULES = (
    "bot.commands.serve",
    "bot.commands.database",
    "bot.commands.network",
    "bot.commands.bulletin",
    "bot.commands.escalations",
    "bot.commands.report",
    "bot.commands.survey",
    "bot.commands.notice",
    "bot.commands.meeting",
    "bot.commands.simulate",
    "bot.commands.org",
    "bot.commands.sign_in",
    "bot.commands.doctor",
)


class CommandError(Exception):
    """A command cannot do what was asked; the message says why (exit status 2)."""


def no_tables(database_url: str) -> str:
    """The one sentence for a database that is missing or was never migrated."""
    return (
        f"The database at {_where(database_url)} has no tables yet: run `linkedup db upgrade` "
        "(or `linkedup serve --demo` for the demo)"
    )


def _where(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


def missing_sqlite_file(database_url: str) -> bool:
    """True for a SQLite file that does not exist (opening it would leave an empty file behind)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).exists()


def require_database(database_url: str) -> None:
    if missing_sqlite_file(database_url):
        raise CommandError(no_tables(database_url))


def needs_database(run):
    """For a command that works on an existing database: when there is none yet, say so in one sentence
    instead of creating an empty SQLite file and failing on its first query."""

    @functools.wraps(run)
    def guarded(args) -> int:
        require_database(load_settings().database_url)
        return run(args)

    return guarded


def is_missing_table(error: DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's undefined_table (SQLSTATE 42P01)."""
    return "no such table" in str(error.orig) or getattr(error.orig, "sqlstate", None) == "42P01"


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
    except KeyboardInterrupt:  # Ctrl-C on `serve` or `worker` is how a person stops them, not a crash
        return 130
    except DBAPIError as exc:
        if not is_missing_table(exc):
            raise
        print(f"linkedup {args.command}: {no_tables(load_settings().database_url)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # `python -m bot.cli` runs this file as __main__: use the importable module, whose CommandError
    # is the one the commands raise.
    from bot.cli import main as cli_main

    sys.exit(cli_main())
