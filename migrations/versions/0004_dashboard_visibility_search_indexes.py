"""dashboard indexes at a million issues: boards' issue ids, live and awaiting escalations, covering
issue indexes (with `sensitive`), trigram search (PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "state IN ('open', 'acknowledged', 'responded')"
AWAITING = "state IN ('open', 'acknowledged')"
TRIGRAM_COLUMNS = ("title", "description", "reference")
TRIGRAM_EXTENSION_LOCK = 7_341_211  # the key models.issues.ensure_trigram_extension uses


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_board_issue", ["board_id", "issue_id"], unique=False)
        batch_op.create_index(
            "ix_escalations_live",
            ["issue_id", "board_id"],
            unique=False,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
        batch_op.create_index(
            "ix_escalations_awaiting_due",
            ["acknowledge_by", "id", "state", "respond_by", "issue_id"],
            unique=False,
            sqlite_where=sa.text(AWAITING),
            postgresql_where=sa.text(AWAITING),
        )

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index("ix_issues_id_status_sensitive", ["id", "status", "sensitive"], unique=False)
        batch_op.create_index(
            "ix_issues_status_theme_sensitive", ["status", "theme_id", "id", "sensitive"], unique=False
        )
        batch_op.drop_index("ix_issues_status_theme")

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # pg_trgm lives in `public`, installed once per database; its operator classes are put on the
        # search path for this transaction so the indexes can name them whatever schema holds the tables.
        bind.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": TRIGRAM_EXTENSION_LOCK})
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        schema = bind.scalar(
            sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
        )
        bind.execute(
            sa.text("SELECT set_config('search_path', current_setting('search_path') || ', ' || :s, true)"),
            {"s": schema},
        )
        for column in TRIGRAM_COLUMNS:
            op.execute(
                f"CREATE INDEX ix_issues_{column}_trgm ON issues USING gin (lower({column}) gin_trgm_ops)"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in reversed(TRIGRAM_COLUMNS):
            op.execute(f"DROP INDEX ix_issues_{column}_trgm")

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index("ix_issues_status_theme", ["status", "theme_id", "id"], unique=False)
        batch_op.drop_index("ix_issues_status_theme_sensitive")
        batch_op.drop_index("ix_issues_id_status_sensitive")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_awaiting_due")
        batch_op.drop_index("ix_escalations_live")
        batch_op.drop_index("ix_escalations_board_issue")
