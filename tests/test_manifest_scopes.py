"""The Slack app asks for exactly the scopes its code needs: every Web API method the bot calls is
looked up in a method → scope table, and the manifest's bot scopes must equal what those methods
(plus the slash command, shortcut and subscribed events) require. A new call with no row in the
table fails here, and so does a scope nothing uses (the manifest asked for `channels:read`,
`groups:read` and `users:read`, which no code called)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# The packages that run against the real Slack (simulation/ and tests/ talk to fakes).
PRODUCTION = ("bot", "handlers", "escalations", "bulletins", "intake", "models", "reporting", "privacy")

# Slack's documented required bot scope for each method we call (none for views.* and auth.test).
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "conversations.open": {"im:write"},
    "files.upload_v2": {"files:write"},  # files.getUploadURLExternal + files.completeUploadExternal
    "views.open": set(),
    "views.publish": set(),
    "views.update": set(),
    "auth.test": set(),
    "users.info": {"users:read"},  # people's names, looked up once and cached
}
# The outbox's own method names (`models.outbox.enqueue(method=…)`) and the calls `bot.outbox.send` makes.
OUTBOX_METHODS: dict[str, set[str]] = {
    "dm": {"chat.postMessage"},  # posted with the user id as the channel: no conversations.open
    "email": set(),  # not Slack: GOV.UK Notify or SMTP (`bot.email`)
    "files.upload": {"conversations.open", "files.upload_v2"},
}
EVENT_SCOPES = {"app_mention": {"app_mentions:read"}, "app_home_opened": set()}

CLIENT_CALL = re.compile(r"\bclient\.([a-z]+)_([A-Za-z0-9_]+)\(")
METHOD_LITERAL = re.compile(
    r"\"((?:chat|views|conversations|files|users|reactions|pins|auth|team)\.[A-Za-z0-9_]+)\""
)
OUTBOX_LITERAL = re.compile(r"method\s*=\s*\"([a-z.A-Z_]+)\"")
NOT_WEB_API = {"api_call", "set_config"}


def methods_called() -> set[str]:
    found: set[str] = set()
    for package in PRODUCTION:
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text()
            for family, name in CLIENT_CALL.findall(text):
                if f"{family}_{name}" not in NOT_WEB_API:
                    found.add(f"{family}.{name}")
            found.update(METHOD_LITERAL.findall(text))
            for method in OUTBOX_LITERAL.findall(text):
                found.update(OUTBOX_METHODS.get(method, {method}))
    found -= set(OUTBOX_METHODS)
    return found


def manifest() -> dict:
    return yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())


def test_every_method_the_code_calls_has_a_known_scope():
    unknown = methods_called() - set(METHOD_SCOPES)
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {sorted(unknown)}"


def test_the_manifest_asks_for_exactly_the_scopes_the_code_needs():
    app = manifest()
    needed = set().union(*(METHOD_SCOPES[method] for method in methods_called()))
    if app["features"].get("slash_commands") or app["features"].get("shortcuts"):
        needed.add("commands")
    for event in app["settings"]["event_subscriptions"]["bot_events"]:
        needed |= EVENT_SCOPES[event]
    assert set(app["oauth_config"]["scopes"]["bot"]) == needed


def test_the_scan_sees_the_calls_it_must():
    assert {"chat.postMessage", "chat.update", "views.open", "conversations.open"} <= methods_called()
