"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

`--db sqlite|postgresql|all` picks the backends (default all). PostgreSQL tests use a schema of
their own per test session (so parallel runs never see each other's rows) and skip when the
server is down — except with CI=true, where a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from models.base import Base
from models.db import make_engine, make_session_factory

PG_URL = os.environ.get("LINKEDUP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")

pytest_plugins = ["tests.fakes.slack_api", "tests.fakes.mailchimp_api"]


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        default=os.environ.get("LINKEDUP_TEST_DB", "all"),
        choices=["sqlite", "postgresql", "all"],
        help="database backends for database tests (default: all)",
    )


def selected_backends(config) -> list[str]:
    choice = config.getoption("--db")
    return list(BACKENDS) if choice == "all" else [choice]


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", selected_backends(metafunc.config), scope="session")


def _postgres_engine(tmp_schema: str) -> Engine | None:
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{tmp_schema}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {exc}")
        return None
    admin.dispose()
    return make_engine(PG_URL, connect_args={"options": f"-csearch_path={tmp_schema}"})


@pytest.fixture(scope="session")
def engine(backend, tmp_path_factory) -> Iterator[Engine]:
    """A database with the current schema on the backend, shared by the session's tests of that backend."""
    eng, schema = fresh_database(backend, tmp_path_factory)
    # Tables come from the models here; tests/test_migrations.py proves Alembic builds the same.
    Base.metadata.create_all(eng)
    yield eng
    drop_database(eng, schema)


def fresh_database(backend: str, tmp_path_factory) -> tuple[Engine, str | None]:
    """An empty database: a SQLite file, or a new PostgreSQL schema named for this process."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "linkedup-test.db"
        return make_engine(f"sqlite:///{path}"), None
    schema = f"lu_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    eng = _postgres_engine(schema)
    if eng is None:
        pytest.skip("PostgreSQL not reachable (start it, or run with --db sqlite)")
    return eng, schema


def drop_database(eng: Engine, schema: str | None) -> None:
    eng.dispose()
    if schema:
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def session_factory(engine):
    """A session factory on an emptied database: each test starts from no rows."""
    _empty_tables(engine)
    return make_session_factory(engine)


@pytest.fixture
def db(session_factory) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.rollback()
    session.close()


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def settings(engine, slack_api):
    """Settings for an app whose Slack Web API is the local fake."""
    from bot.settings import load_settings
    from tests.slack_requests import SIGNING_SECRET

    return load_settings(
        _env_file=None,
        database_url=engine_url(engine),
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
    )


@pytest.fixture
def app(settings, engine, session_factory):
    from bot.app import create_app

    flask_app = create_app(settings, engine=engine)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def slack(app):
    """Signed Slack requests into the app."""
    from tests.slack_requests import SlackClient

    return SlackClient(app.test_client())
