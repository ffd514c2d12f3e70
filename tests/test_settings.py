"""Settings: defaults, and a malformed value stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in [
        "DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "MAILCHIMP_API_KEY",
        "MAILCHIMP_SERVER_PREFIX",
        "MAILCHIMP_LIST_ID",
        "MAILCHIMP_API_URL",
        "MAILCHIMP_WEBHOOK_SECRET",
        "NETWORK_FILE",
        "TIMEZONE",
        "SECRET_KEY",
    ]:
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_credentials():
    settings = load_settings()
    assert settings.database_url == "sqlite:///linkedup.db"
    assert settings.timezone == "Europe/London"
    assert not settings.slack_enabled
    assert settings.missing_mailchimp() == [
        "MAILCHIMP_API_KEY",
        "MAILCHIMP_SERVER_PREFIX",
        "MAILCHIMP_LIST_ID",
    ]
    assert settings.slack_base_url == "https://slack.com/api/"


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "SLACK_APP_TOKEN"),
        ("SLACK_API_URL", "not-a-url", "SLACK_API_URL"),
        ("MAILCHIMP_API_KEY", "keywithoutprefix", "MAILCHIMP_API_KEY"),
        ("MAILCHIMP_API_URL", "ftp:/x", "MAILCHIMP_API_URL"),
        ("TIMEZONE", "Mars/Olympus_Mons", "TIMEZONE"),
    ],
)
def test_malformed_value_names_the_variable(monkeypatch, variable, value, fragment):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert fragment in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_heroku_postgres_url_gets_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example:5432/linkedup")
    assert load_settings().database_url.startswith("postgresql+psycopg://u:p@db.example")


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=s\n")
    settings = load_settings()
    assert settings.slack_enabled
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-dotenv"


def test_secrets_are_not_in_repr(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(load_settings())


def test_cli_reports_bad_setting_and_exits_2(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("TIMEZONE", "Nowhere/Special")
    assert main(["db", "current"]) == 2
    assert "TIMEZONE" in capsys.readouterr().err
