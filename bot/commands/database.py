"""`linkedup db upgrade|current` — the release phase runs `db upgrade` before new code serves."""

from __future__ import annotations

from alembic import command
from alembic.runtime.migration import MigrationContext

from bot.cli import missing_sqlite_file, no_tables
from bot.runtime import build_context
from bot.settings import load_settings
from models.schema import upgrade


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("db", help="database schema (Alembic migrations)")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    up = actions.add_parser("upgrade", help="migrate the database to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=run_upgrade)
    current = actions.add_parser("current", help="print the schema revision of the database")
    current.set_defaults(func=run_current)


def run_upgrade(args) -> int:
    context = build_context(mail=False)  # a schema change: nothing sent or signed
    upgrade(context.engine, args.revision)
    print(f"database at {schema_revision(context)} ({context.engine.url.render_as_string()})")
    return 0


def run_current(args) -> int:
    settings = load_settings()
    if missing_sqlite_file(settings.database_url):
        print(no_tables(settings.database_url))
        return 0
    print(schema_revision(build_context(settings, mail=False)) or "empty (run `linkedup db upgrade`)")
    return 0


def schema_revision(context) -> str | None:
    with context.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


__all__ = ["add_commands", "command"]
