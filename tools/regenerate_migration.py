"""Autogenerate the next Alembic revision against a scratch SQLite database at head.

Usage: python tools/regenerate_migration.py REV_ID "message"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from models.db import make_engine
from models.schema import alembic_config, upgrade


def main() -> None:
    rev_id, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
        upgrade(make_engine(url))
        command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main()
