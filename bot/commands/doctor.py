"""`linkedup doctor` — what this installation has and lacks, and how to get the missing parts.

Two optional parts live outside Python: Pango (WeasyPrint needs it to draw the board report's PDF)
and Chromium (only the browser test uses it). Neither stops the bot, so a newcomer otherwise learns
of them from a traceback; doctor names them, with the database, its schema revision and which
integrations are configured, and prints the install line for Debian/Ubuntu and macOS.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bot.cli import missing_sqlite_file, no_tables
from bot.settings import load_settings

INSTALL_PANGO = (
    "Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango"
)
INSTALL_CHROMIUM = "Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install --cask chromium"
PDF_NEEDS_PANGO = f"PDFs need Pango, which is not installed ({INSTALL_PANGO})"


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the database, the integrations and the optional system parts (Pango, Chromium)"
    )
    parser.set_defaults(func=run_doctor)


def pango_available() -> bool:
    """Whether WeasyPrint can load Pango (it raises OSError on import when the library is missing)."""
    try:
        import weasyprint  # noqa: F401
    except (OSError, ImportError):
        return False
    return True


def chromium_path() -> str | None:
    """The Chromium the browser test would use: LINKEDUP_CHROMIUM, /usr/bin/chromium or one on PATH."""
    configured = os.environ.get("LINKEDUP_CHROMIUM", "/usr/bin/chromium")
    if Path(configured).exists():
        return configured
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


def database_line(database_url: str) -> str:
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.commands.database import schema_revision
    from bot.runtime import build_context

    shown = make_url(database_url).render_as_string(hide_password=True)
    if missing_sqlite_file(database_url):
        return f"Database: {no_tables(database_url)}"
    context = build_context()
    try:
        revision = schema_revision(context)
        tables = inspect(context.engine).get_table_names()
    except SQLAlchemyError as exc:  # doctor reports what is wrong instead of failing on it
        return f"Database: {shown} cannot be opened ({type(exc).__name__}: {exc})"
    finally:
        context.engine.dispose()
    if revision is None:
        return f"Database: {no_tables(database_url)}" if not tables else f"Database: {shown}, not migrated"
    return f"Database: {shown}, schema revision {revision}"


def report_lines() -> list[str]:
    from bot.commands.serve import capabilities

    settings = load_settings()
    lines = [database_line(settings.database_url), *capabilities(settings)]
    if pango_available():
        lines.append("Pango (PDF board reports, WeasyPrint): present")
    else:
        lines.append(f"Pango (PDF board reports, WeasyPrint): MISSING — {INSTALL_PANGO}")
    chromium = chromium_path()
    if chromium:
        lines.append(f"Chromium (the browser test only): present at {chromium}")
    else:
        lines.append(f"Chromium (the browser test only): missing — {INSTALL_CHROMIUM}")
    return lines


def run_doctor(args) -> int:
    for line in report_lines():
        print(line)
    return 0
