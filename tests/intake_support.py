"""Driving the intake forms as Slack does: take the view the bot opened, fill it, submit it.

`submit` builds `view.state.values` from the opened view's own blocks (each element's type,
its initial values, the options it offers), so a test submits exactly what the modal showed —
a renamed block or a missing option fails the test instead of passing silently.
"""

from __future__ import annotations

import copy
import uuid

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.outbox import deliver_due
from tests.slack_requests import (
    TEAM_ID,
    block_actions_payload,
    fixture_json,
    new_trigger_id,
    view_submission_payload,
)

SECTION_MAX = 3000


def opened_view(slack_api, index: int = -1) -> dict:
    calls = slack_api.of("views.open")
    assert calls, "no modal was opened"
    return calls[index]["view"]


def published_view(slack_api, index: int = -1) -> dict:
    calls = slack_api.of("views.publish")
    assert calls, "no Home tab was published"
    return calls[index]["view"]


def input_blocks(view: dict) -> dict[str, dict]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def _options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group["options"]
    return options


def _state(element: dict, raw: object, *, given: bool) -> dict:
    kind = element["type"]
    state: dict = {"type": kind}
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        state["value"] = raw if given else element.get("initial_value")
        if state["value"] == "":
            state["value"] = None
    elif kind in ("static_select", "radio_buttons", "external_select"):
        if not given:
            state["selected_option"] = element.get("initial_option")
        elif raw is None:
            state["selected_option"] = None
        elif kind == "external_select":
            state["selected_option"] = {"text": {"type": "plain_text", "text": str(raw)}, "value": str(raw)}
        else:
            found = [o for o in _options(element) if o["value"] == raw]
            # A value the modal does not offer can still be sent by a crafted request.
            state["selected_option"] = (
                found[0] if found else {"text": {"type": "plain_text", "text": "x"}, "value": raw}
            )
    elif kind == "checkboxes":
        if not given:
            state["selected_options"] = element.get("initial_options") or []
        else:
            wanted = set(
                raw
                if isinstance(raw, list | tuple)
                else [o["value"] for o in _options(element)]
                if raw
                else []
            )
            state["selected_options"] = [o for o in _options(element) if o["value"] in wanted]
    else:
        raise AssertionError(f"test support does not fill {kind}")
    return state


def fill(view: dict, values: dict[str, object]) -> dict:
    """`state.values` for `view`: the given raw values, the view's initial values elsewhere."""
    blocks = input_blocks(view)
    unknown = set(values) - set(blocks)
    assert not unknown, f"the modal has no fields {unknown}"
    state = {}
    for block_id, block in blocks.items():
        element = block["element"]
        state[block_id] = {
            element["action_id"]: _state(element, values.get(block_id), given=block_id in values)
        }
    return state


def submission(view: dict, *, user_id: str, values: dict[str, object], view_id: str | None = None) -> dict:
    payload = view_submission_payload(
        user_id=user_id,
        callback_id=view["callback_id"],
        values=fill(view, values),
        private_metadata=view.get("private_metadata", ""),
        view_id=view_id or f"V{uuid.uuid4().hex[:10].upper()}",
        blocks=copy.deepcopy(view["blocks"]),
    )
    payload["view"]["title"] = view["title"]
    return payload


def submit(
    slack, view: dict, *, user_id: str, values: dict[str, object], view_id: str | None = None, **kwargs
):
    return slack.interact(submission(view, user_id=user_id, values=values, view_id=view_id), **kwargs)


def errors_of(response) -> dict[str, str]:
    body = response.get_json()
    assert body and body.get("response_action") == "errors", f"expected inline errors, got {body}"
    return body["errors"]


def receipt_of(response) -> dict:
    body = response.get_json()
    assert body and body.get("response_action") == "update", f"expected a receipt, got {body}"
    return body["view"]


def view_text(view: dict) -> str:
    """All the text of a view's sections and context blocks, to search in."""
    parts = []
    for block in view.get("blocks", []):
        if block.get("text"):
            parts.append(block["text"]["text"])
        for element in block.get("elements", []) or []:
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                parts.append(element["text"])
    return "\n".join(parts)


def action(
    slack,
    *,
    user_id: str,
    action_id: str,
    value: str = "",
    view: dict | None = None,
    channel_id: str = "D0OFFICER",
    message_ts: str = "1700000000.000100",
    trigger_id: str | None = None,
    **kwargs,
):
    """Click a button: in a message (default) or in a view (Home tab or modal)."""
    container = None
    if view is not None:
        container = {"type": "view", "view_id": view.get("id", "VHOME")}
        view = {"id": "VHOME", "type": "home", "hash": "1.h", **view}
    payload = block_actions_payload(
        user_id=user_id,
        action_id=action_id,
        value=value,
        channel_id=channel_id,
        message_ts=message_ts,
        trigger_id=trigger_id or new_trigger_id(),
        container=container,
        view=view,
    )
    return slack.interact(payload, **kwargs)


def buttons(view_or_blocks: dict | list) -> list[dict]:
    blocks = view_or_blocks["blocks"] if isinstance(view_or_blocks, dict) else view_or_blocks
    found = []
    for block in blocks:
        if block.get("type") == "actions":
            found += block["elements"]
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def message_shortcut(slack, *, user_id: str, callback_id: str, text: str, channel: str, ts: str, **kwargs):
    payload = copy.deepcopy(fixture_json("message_action.bolt-python.payload.json"))
    payload["team"] = {"id": TEAM_ID, "domain": "wirral-linkedup"}
    payload["user"] = {"id": user_id, "name": user_id.lower()}
    payload["channel"] = {"id": channel, "name": "linked-up"}
    payload["callback_id"] = callback_id
    payload["trigger_id"] = new_trigger_id()
    payload["message_ts"] = ts
    payload["message"].update({"text": text, "ts": ts, "user": "U0AUTHOR01", "team": TEAM_ID})
    return slack.interact(payload, **kwargs)


def mention(
    slack, *, user_id: str, text: str, channel: str = "C0NETWORK", ts: str = "1700000001.000200", **kwargs
):
    event = copy.deepcopy(fixture_json("event_callback.app_mention.bolt-python.json")["event"])
    event.update(
        {"user": user_id, "text": text, "channel": channel, "ts": ts, "event_ts": ts, "team": TEAM_ID}
    )
    return slack.event(event, **kwargs)


def home_opened(slack, *, user_id: str, tab: str = "home", **kwargs):
    event = copy.deepcopy(fixture_json("event_callback.app_home_opened.bolt-python.json")["event"])
    event.update({"user": user_id, "tab": tab, "channel": "D0HOME"})
    return slack.event(event, **kwargs)


def suggestion(slack, *, user_id: str, action_id: str, query: str, view: dict, block_id: str):
    """A `block_suggestion` (an external select asking for options as the person types)."""
    payload = {
        "type": "block_suggestion",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID},
        "container": {"type": "view", "view_id": "V0SUGGEST"},
        "api_app_id": "A0LINKEDUP",
        "token": "verification_token",
        "action_id": action_id,
        "block_id": block_id,
        "value": query,
        "team": {"id": TEAM_ID, "domain": "wirral-linkedup"},
        "view": {**view, "id": "V0SUGGEST", "team_id": TEAM_ID, "state": {"values": {}}},
    }
    return slack.interact(payload)


def deliver(session_factory, slack_api) -> int:
    """Send what the outbox holds to the Slack fake, as the worker does."""
    return deliver_due(session_factory, WebClient(base_url=slack_api.base_url, token="xoxb-test"))


def dms_to(slack_api, user: str) -> list[dict]:
    """Messages the fake received for `user`'s DM channel (the fake names it D + user id)."""
    channel = "D" + user[1:]
    return [call.args for call in slack_api.of("chat.postMessage") if call.args.get("channel") == channel]


def assert_view_within_limits(view: dict) -> None:
    """Slack's limits for a modal or Home tab, as the SDK validates them, plus section text length."""
    View(**copy.deepcopy(view)).to_dict()  # ≤ 100 blocks, title ≤ 24, every block and element
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        if block.get("type") == "section" and block.get("text"):
            assert len(block["text"]["text"]) <= SECTION_MAX


def assert_message_within_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= 50, f"{len(blocks)} blocks in a message"
    for raw in blocks:
        block = Block.parse(copy.deepcopy(raw))
        assert block is not None, raw
        block.to_dict()
        if raw.get("type") == "section" and raw.get("text"):
            assert len(raw["text"]["text"]) <= SECTION_MAX
