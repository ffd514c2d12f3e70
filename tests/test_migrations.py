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
