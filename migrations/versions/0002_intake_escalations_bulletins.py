"""intake, escalations, bulletins, dashboard sign-in, open referral ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:43:51.075667
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column(
            "source",
            sa.Enum("slack", "feed", name="article_source", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="article_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("month", "link", name=op.f("uq_articles_month_link")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_link"), ["link"], unique=False)
        batch_op.create_index("ix_articles_month_status", ["month", "status"], unique=False)

    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "approved",
                "campaign_created",
                "content_set",
                "scheduled",
                "sent",
                name="bulletin_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("preview_text", sa.String(length=150), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("category_order", sa.JSON(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("compiled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("compile_version", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "send_mode",
            sa.Enum("now", "schedule", name="bulletin_send_mode", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("campaign_title", sa.String(length=100), nullable=True),
        sa.Column("campaign_id", sa.String(length=40), nullable=True),
        sa.Column("audience_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("create_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("send_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_step", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=40), nullable=True),
        sa.Column("performance_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_bulletins_campaign_id")),
        sa.UniqueConstraint("campaign_title", name=op.f("uq_bulletins_campaign_title")),
        sa.UniqueConstraint("month", name=op.f("uq_bulletins_month")),
    )
    op.create_table(
        "mailchimp_webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("fired_at", sa.String(length=32), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailchimp_webhook_events")),
        sa.UniqueConstraint("key", name=op.f("uq_mailchimp_webhook_events_key")),
    )
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_links")),
        sa.UniqueConstraint("nonce", name=op.f("uq_sign_in_links_nonce")),
    )
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_links_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_links_slack_user_id"), ["slack_user_id"], unique=False)

    op.create_table(
        "bulletin_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "subscribed",
                "unsubscribed",
                "cleaned",
                name="bulletin_contact_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bulletin_contacts_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_contacts")),
        sa.UniqueConstraint("email", name=op.f("uq_bulletin_contacts_email")),
    )
    with op.batch_alter_table("bulletin_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bulletin_contacts_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "bulletin_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.String(length=8), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emails_sent", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("hard_bounces", sa.Integer(), nullable=False),
        sa.Column("soft_bounces", sa.Integer(), nullable=False),
        sa.Column("unsubscribed", sa.Integer(), nullable=False),
        sa.Column("opens_total", sa.Integer(), nullable=False),
        sa.Column("unique_opens", sa.Integer(), nullable=False),
        sa.Column("open_rate", sa.Float(), nullable=False),
        sa.Column("proxy_excluded_opens", sa.Integer(), nullable=True),
        sa.Column("proxy_excluded_unique_opens", sa.Integer(), nullable=True),
        sa.Column("proxy_excluded_open_rate", sa.Float(), nullable=True),
        sa.Column("clicks_total", sa.Integer(), nullable=False),
        sa.Column("unique_clicks", sa.Integer(), nullable=False),
        sa.Column("unique_subscriber_clicks", sa.Integer(), nullable=False),
        sa.Column("click_rate", sa.Float(), nullable=False),
        sa.Column("clicks_per_unique_open", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_bulletin_reports_bulletin_id_bulletins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_reports")),
        sa.UniqueConstraint(
            "bulletin_id", "checkpoint", name=op.f("uq_bulletin_reports_bulletin_id_checkpoint")
        ),
    )
    with op.batch_alter_table("bulletin_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulletin_reports_bulletin_id"), ["bulletin_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "about",
            sa.Enum(
                "network",
                "bulletin",
                "hive",
                "service",
                "board",
                name="feedback_about",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("board_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reply_wanted", sa.Boolean(), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_by", sa.String(length=32), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_feedback_board_id_boards"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_feedback_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("reference", name=op.f("uq_feedback_reference")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_reply_queue", ["reply_wanted", "replied_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_slack_user_id"), ["slack_user_id"], unique=False)

    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("register", "join", name="join_request_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "declined",
                name="join_request_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_join_requests_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_join_requests_reference")),
    )
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_join_requests_slack_user_id"), ["slack_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_join_requests_status"), ["status"], unique=False)

    op.create_table(
        "return_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_return_reminders_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_reminders")),
        sa.UniqueConstraint(
            "organisation_id", "period", name=op.f("uq_return_reminders_organisation_id_period")
        ),
    )
    op.create_table(
        "link_clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("mailchimp_link_id", sa.String(length=40), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("total_clicks", sa.Integer(), nullable=False),
        sa.Column("unique_clicks", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_link_clicks_article_id_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["bulletin_reports.id"],
            name=op.f("fk_link_clicks_report_id_bulletin_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_clicks")),
    )
    with op.batch_alter_table("link_clicks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_clicks_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_clicks_report_id"), ["report_id"], unique=False)

    op.create_table(
        "waiting_list_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("number_waiting", sa.Integer(), nullable=False),
        sa.Column("new_referrals", sa.Integer(), nullable=False),
        sa.Column("median_wait_weeks", sa.Integer(), nullable=False),
        sa.Column("longest_wait_weeks", sa.Integer(), nullable=False),
        sa.Column(
            "capacity_status",
            sa.Enum(
                "has_capacity",
                "no_capacity",
                "waitlist_only",
                "assessment_required",
                name="capacity_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_waiting_list_returns_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_list_returns")),
        sa.UniqueConstraint("reference", name=op.f("uq_waiting_list_returns_reference")),
        sa.UniqueConstraint("service_id", "period", name=op.f("uq_waiting_list_returns_service_id_period")),
    )
    with op.batch_alter_table("waiting_list_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waiting_list_returns_period"), ["period"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "acknowledged",
                "responded",
                "reassigned",
                "escalated",
                "closed",
                name="escalation_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("ladder", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=32), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "accepted",
                "partly",
                "declined",
                name="escalation_outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("follow_up_date", sa.Date(), nullable=True),
        sa.Column(
            "next_step",
            sa.Enum(
                "remind_acknowledge",
                "acknowledge_overdue",
                "remind_respond",
                "respond_overdue",
                "alert_officer",
                "follow_up",
                name="escalation_next_step",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("officer_alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_channel", sa.String(length=80), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_escalations_board_id_boards"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_escalations_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["escalations.id"],
            name=op.f("fk_escalations_previous_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_board_state", ["board_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(
            "ix_escalations_next_step_at",
            ["next_step_at"],
            unique=False,
            sqlite_where=sa.text("next_step_at IS NOT NULL"),
            postgresql_where=sa.text("next_step_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_escalations_live_issue",
            ["issue_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('open', 'acknowledged', 'responded')"),
            postgresql_where=sa.text("state IN ('open', 'acknowledged', 'responded')"),
        )

    op.create_table(
        "escalation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("from_board", sa.String(length=200), nullable=True),
        sa.Column("to_board", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_events_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_escalation_events_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_events")),
    )
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_events_escalation_at", ["escalation_id", "at"], unique=False)
        batch_op.create_index("ix_escalation_events_issue_at", ["issue_id", "at"], unique=False)

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("affected_age_range", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("affected_group", sa.String(length=200), nullable=True))
        # Issues raised before this revision all came from Slack.
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="slack"))
        batch_op.add_column(sa.Column("source_link", sa.String(length=500), nullable=True))

    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("places_available", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("places_maximum", sa.Integer(), nullable=True))

    # Open Referral ids: existing rows get a fresh uuid4 each, then the column becomes required.
    for table in ("organisations", "services"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("uuid", sa.Uuid(), nullable=True))
        _fill_uuids(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("uuid", existing_type=sa.Uuid(), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_uuid"), ["uuid"])


def _fill_uuids(table_name: str) -> None:
    connection = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer()), sa.column("uuid", sa.Uuid()))
    ids = connection.execute(sa.select(table.c.id).where(table.c.uuid.is_(None))).scalars().all()
    for row_id in ids:
        connection.execute(table.update().where(table.c.id == row_id).values(uuid=uuid.uuid4()))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_services_uuid"), type_="unique")
        batch_op.drop_column("uuid")
        batch_op.drop_column("places_maximum")
        batch_op.drop_column("places_available")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisations_uuid"), type_="unique")
        batch_op.drop_column("uuid")

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("source_link")
        batch_op.drop_column("source")
        batch_op.drop_column("affected_group")
        batch_op.drop_column("affected_age_range")

    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_events_issue_at")
        batch_op.drop_index("ix_escalation_events_escalation_at")

    op.drop_table("escalation_events")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_escalations_live_issue",
            sqlite_where=sa.text("state IN ('open', 'acknowledged', 'responded')"),
            postgresql_where=sa.text("state IN ('open', 'acknowledged', 'responded')"),
        )
        batch_op.drop_index(
            "ix_escalations_next_step_at",
            sqlite_where=sa.text("next_step_at IS NOT NULL"),
            postgresql_where=sa.text("next_step_at IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_escalations_issue_id"))
        batch_op.drop_index("ix_escalations_board_state")

    op.drop_table("escalations")
    with op.batch_alter_table("waiting_list_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waiting_list_returns_period"))

    op.drop_table("waiting_list_returns")
    with op.batch_alter_table("link_clicks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_clicks_report_id"))
        batch_op.drop_index(batch_op.f("ix_link_clicks_category"))

    op.drop_table("link_clicks")
    op.drop_table("return_reminders")
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_requests_status"))
        batch_op.drop_index(batch_op.f("ix_join_requests_slack_user_id"))

    op.drop_table("join_requests")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_slack_user_id"))
        batch_op.drop_index("ix_feedback_reply_queue")

    op.drop_table("feedback")
    with op.batch_alter_table("bulletin_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulletin_reports_bulletin_id"))

    op.drop_table("bulletin_reports")
    with op.batch_alter_table("bulletin_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulletin_contacts_organisation_id"))

    op.drop_table("bulletin_contacts")
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_links_slack_user_id"))
        batch_op.drop_index(batch_op.f("ix_sign_in_links_expires_at"))

    op.drop_table("sign_in_links")
    op.drop_table("mailchimp_webhook_events")
    op.drop_table("bulletins")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_month_status")
        batch_op.drop_index(batch_op.f("ix_articles_link"))

    op.drop_table("articles")
