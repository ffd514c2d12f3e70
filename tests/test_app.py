"""The web app: health check, and running without Slack credentials."""

from __future__ import annotations

import logging

import yaml

from bot.app import create_app
from bot.paths import SLACK_MANIFEST
from bot.settings import load_settings
from handlers.ids import COMMAND, Shortcut
from models.db import make_engine
from tests.conftest import engine_url


def test_healthz_reports_database_and_integrations(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "slack": "enabled",
        "mailchimp": "disabled",
    }


def test_healthz_is_503_when_database_unreachable():
    settings = load_settings(_env_file=None, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    engine = make_engine(settings.database_url, connect_args={"connect_timeout": 2})
    response = create_app(settings, engine=engine).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_without_slack_credentials_app_starts_and_says_so(engine, caplog):
    settings = load_settings(_env_file=None, database_url=engine_url(engine))
    with caplog.at_level(logging.WARNING):
        app = create_app(settings, engine=engine)
    lines = [r.getMessage() for r in caplog.records if "Slack is disabled" in r.getMessage()]
    assert len(lines) == 1
    assert "SLACK_BOT_TOKEN" in lines[0] and "SLACK_SIGNING_SECRET" in lines[0]
    client = app.test_client()
    assert client.get("/healthz").get_json()["slack"] == "disabled"
    response = client.post("/slack/events", data="x=1")
    assert response.status_code == 503


def test_every_web_api_call_goes_to_slack_api_url(slack, slack_api):
    slack.command("help", user_id="U0ANYONE")
    assert slack_api.calls, "no call reached the fake"
    assert all(call.token == "xoxb-test-token" for call in slack_api.calls)


def test_manifest_matches_the_listeners():
    manifest = yaml.safe_load(SLACK_MANIFEST.read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == [COMMAND]
    callback_ids = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert Shortcut.RAISE_ISSUE.value in callback_ids
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "app_mentions:read"} <= scopes
    assert {"app_home_opened", "app_mention"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
