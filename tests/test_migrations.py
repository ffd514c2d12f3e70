"""`alembic upgrade head` builds exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import models  # noqa: F401 - every table on the metadata
from models.base import Base
from models.schema import alembic_config, upgrade
from tests.conftest import drop_database, fresh_database


@pytest.fixture
def migrated(backend, tmp_path_factory):
    engine, schema = fresh_database(backend, tmp_path_factory)
    upgrade(engine)
    yield engine
    drop_database(engine, schema)


# The trigram search indexes exist only on PostgreSQL (`ddl_if`); SQLite cannot reflect expression
# indexes, so Alembic says it skips them there. On PostgreSQL they are compared like every other index.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_head_matches_models(migrated):
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"migrations and models disagree: {differences}"


def test_one_head_and_downgrade_to_base(migrated):
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    from alembic import command

    config = alembic_config()
    with migrated.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    from sqlalchemy import inspect

    remaining = set(inspect(migrated).get_table_names()) - {"alembic_version"}
    assert remaining == set()


def test_upgrade_keeps_rows_written_under_the_first_schema(backend, tmp_path_factory):
    """Rows from revision 0001 survive 0002: each organisation and service gets its own uuid."""
    from sqlalchemy import text

    engine, schema = fresh_database(backend, tmp_path_factory)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            for n in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO organisations (name, bulletin_consent, status, simulated, "
                        "created_at, updated_at) VALUES (:name, true, 'approved', false, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"name": f"Org {n}"},
                )
                connection.execute(
                    text(
                        "INSERT INTO services (organisation_id, name, category, created_at, updated_at) "
                        "VALUES (:org, 'Group', 'youth club', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"org": n},
                )
            connection.execute(
                text(
                    "INSERT INTO issues (reference, organisation_id, raised_by, title, description, "
                    "urgency, sensitive, publish_allowed, status, simulated, created_at, updated_at) "
                    "VALUES ('LU-2026-0001', 1, 'U1', 't', 'd', 'routine', false, false, 'received', "
                    "false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(engine)
        with engine.connect() as connection:
            for table in ("organisations", "services"):
                uuids = connection.execute(text(f"SELECT uuid FROM {table}")).scalars().all()
                assert len(uuids) == 2 and None not in uuids and len(set(uuids)) == 2
            assert connection.execute(text("SELECT source FROM issues")).scalar_one() == "slack"
    finally:
        drop_database(engine, schema)
