"""Requests into `/slack/events` built and signed exactly as Slack sends them.

Bodies are form-encoded for commands and interactivity (`payload=<JSON>`), JSON for events; the
signature is `v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM_ID = "T0LINKEDUP"


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str, *, content_type: str, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
    }


def fixture_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def new_trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def slash_command_body(
    text: str,
    *,
    user_id: str,
    trigger_id: str | None = None,
    channel_id: str = "C0NETWORK",
    command: str = "/linkedup",
    team_id: str = TEAM_ID,
) -> str:
    """A slash command form body with every field Slack sends (from Slack's own example)."""
    return urlencode(
        {
            "token": "verification_token",
            "team_id": team_id,
            "team_domain": "linkedup",
            "channel_id": channel_id,
            "channel_name": "linked-up",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0LINKEDUP",
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/{team_id}/1/abc",
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interactive_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def view_submission_payload(
    *,
    user_id: str,
    callback_id: str,
    values: dict,
    private_metadata: str = "",
    view_id: str = "V0TEST",
    trigger_id: str | None = None,
    blocks: list | None = None,
    team_id: str = TEAM_ID,
) -> dict:
    """A view_submission shaped like Slack's (from the bolt-python fixture), with our values."""
    payload = copy.deepcopy(fixture_json("view_submission.bolt-python.payload.json"))
    payload["team"]["id"] = team_id
    payload["user"] = {
        "id": user_id,
        "username": user_id.lower(),
        "name": user_id.lower(),
        "team_id": team_id,
    }
    payload["trigger_id"] = trigger_id or new_trigger_id()
    view = payload["view"]
    view.update(
        {
            "id": view_id,
            "team_id": team_id,
            "app_installed_team_id": team_id,
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
        }
    )
    view["blocks"] = (
        blocks
        if blocks is not None
        else [
            {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": block_id},
                "element": {"type": "plain_text_input", "action_id": next(iter(actions))},
            }
            for block_id, actions in values.items()
        ]
    )
    return payload


def block_actions_payload(
    *,
    user_id: str,
    action_id: str,
    value: str = "",
    block_id: str = "actions",
    channel_id: str = "C0BOARD",
    message_ts: str = "1700000000.000100",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    container: dict | None = None,
    view: dict | None = None,
) -> dict:
    payload = copy.deepcopy(fixture_json("block_actions.bolt-python.payload.json"))
    payload["team"]["id"] = team_id
    payload["user"] = {
        "id": user_id,
        "username": user_id.lower(),
        "name": user_id.lower(),
        "team_id": team_id,
    }
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": action_id},
            "value": value,
            "action_ts": f"{time.time():.6f}",
        }
    ]
    payload["container"] = container or {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel_id, "name": "board"}
    if view is not None:
        payload["view"] = view
        payload.pop("channel", None)
        payload.pop("message", None)
    else:
        payload.setdefault("message", {"type": "message", "ts": message_ts, "text": "card"})
        payload["message"]["ts"] = message_ts
    return payload


def event_body(event: dict, *, event_id: str | None = None, team_id: str = TEAM_ID) -> str:
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": team_id,
            "api_app_id": "A0LINKEDUP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "UBOT0000001", "is_bot": True}],
        }
    )


class SlackClient:
    """Posts signed requests into the app's `/slack/events` through Flask's test client."""

    def __init__(self, flask_client, secret: str = SIGNING_SECRET):
        self.flask = flask_client
        self.secret = secret

    def post(
        self,
        body: str,
        *,
        content_type: str,
        headers: dict | None = None,
        timestamp: int | None = None,
    ):
        all_headers = signed_headers(body, content_type=content_type, secret=self.secret, timestamp=timestamp)
        all_headers.update(headers or {})
        return self.flask.post("/slack/events", data=body, headers=all_headers)

    def command(
        self,
        text: str,
        *,
        user_id: str,
        trigger_id: str | None = None,
        headers: dict | None = None,
        **kwargs,
    ):
        body = slash_command_body(text, user_id=user_id, trigger_id=trigger_id, **kwargs)
        return self.post(body, content_type="application/x-www-form-urlencoded", headers=headers)

    def interact(self, payload: dict, **kwargs):
        return self.post(
            interactive_body(payload), content_type="application/x-www-form-urlencoded", **kwargs
        )

    def event(self, event: dict, **kwargs):
        headers = kwargs.pop("headers", None)
        return self.post(event_body(event, **kwargs), content_type="application/json", headers=headers)
