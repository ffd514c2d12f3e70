"""dashboard and sweep indexes, simulated flags on articles and bulletins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:41:46.012527
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_started_at", ["started_at"], unique=False)
        batch_op.create_index(
            "ix_escalations_state_acknowledge_by", ["state", "acknowledge_by"], unique=False
        )
        batch_op.create_index("ix_escalations_state_respond_by", ["state", "respond_by"], unique=False)

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index("ix_issues_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_issues_status_theme", ["status", "theme_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index("ix_issues_status_theme")
        batch_op.drop_index("ix_issues_created_id")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_state_respond_by")
        batch_op.drop_index("ix_escalations_state_acknowledge_by")
        batch_op.drop_index("ix_escalations_started_at")
