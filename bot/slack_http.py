"""The door of `/slack/events`: only signed requests, of a kind Slack sends, that parse, reach Bolt.

Bolt parses the body before it checks the signature, and its parser trusts what it reads: a form
field `payload` that is not JSON, or a JSON body that is a list, raised out of the adapter as a
500 with a stack trace — for anyone, signed or not. Its parser also treats any form body that
merely *contains* the word "payload" as an interactivity payload, so `/linkedup issue our payload
of referrals` arrived as an empty request and was dropped. And an unsigned request was logged by
Bolt with its whole body, which may be the text of a safeguarding concern.

So each request is checked here first, in this order, each failure a short JSON answer that says
what was wrong and never echoes the body:

- larger than `MAX_BODY` (Slack's largest payloads, a 100-block modal, are a few hundred KB): 413,
  counted while the body is read in `CHUNK`-sized pieces, so a chunked body (which declares no
  length) is never read much past the limit;
- signature missing, wrong or older than five minutes (a replay): 401;
- a content type Slack never sends: 415;
- JSON nested deeper than `MAX_DEPTH` (Python's parser recurses, and a signed payload a few
  thousand levels deep blew its stack as a 500): 400, found by counting brackets before parsing;
- a body that does not parse to a JSON object, or whose fields do not have the types Slack gives
  them (`view.state.values` not an object, an action's `value` not a string…): 400.

Only then is the Bolt request built, from our own parse of the body. Bolt checks the signature
again (cheap, and it keeps Socket Mode and direct dispatch safe).
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qsl

from flask import Request, Response, jsonify
from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024
CHUNK = 64 * 1024
# Slack's deepest payloads (rich text inside a modal's state) nest about a dozen levels.
MAX_DEPTH = 64
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class Refused(Exception):
    """The request is not let through; `response()` is what the sender is told."""

    def __init__(self, status: int, error: str, detail: str):
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail

    def response(self) -> tuple[Response, int]:
        return jsonify(error=self.error, detail=self.detail), self.status


def signed(verifier: SignatureVerifier, raw: str, request: Request) -> bool:
    """True when the request carries Slack's signature of this body, made in the last five minutes."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        return False
    try:
        int(timestamp)
    except ValueError:
        return False
    return verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)


def read_body(request: Request) -> str:
    """The body, read in bounded pieces and refused (413) as soon as it passes `MAX_BODY`."""
    too_large = Refused(413, "payload_too_large", f"Slack requests are at most {MAX_BODY} bytes")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise too_large
    stream, pieces, size = request.stream, [], 0
    while piece := stream.read(CHUNK):
        size += len(piece)
        if size > MAX_BODY:
            raise too_large
        pieces.append(piece)
    return b"".join(pieces).decode("utf-8", "replace")


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting_too_deep(raw: str, limit: int = MAX_DEPTH) -> bool:
    """True when JSON text opens more than `limit` arrays/objects inside one another.

    Brackets inside strings do not count; the text need not be valid JSON (the parser judges that).
    """
    if raw.count("[") + raw.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", raw)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _json(text: str, what: str) -> object:
    if nesting_too_deep(text):
        raise Refused(400, "malformed_body", f"{what} is nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text)
    except ValueError:
        raise Refused(400, "malformed_body", f"{what} is not JSON") from None


def parse(raw: str, mimetype: str) -> dict:
    """The request body as Slack meant it: a JSON event, an interactivity payload, or a command form."""
    if mimetype == JSON:
        body = _json(raw, "the body")
        if not isinstance(body, dict):
            raise Refused(400, "malformed_body", "the body is not a JSON object")
        return body
    if raw.startswith("{"):
        raise Refused(400, "malformed_body", f"a {FORM} body cannot be JSON")
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" not in form:
        return form  # a slash command (or an ssl_check)
    payload = _json(form["payload"], "the payload field")
    if not isinstance(payload, dict):
        raise Refused(400, "malformed_body", "the payload field is not a JSON object")
    return payload


def admit(request: Request, verifier: SignatureVerifier) -> BoltRequest:
    """The Bolt request for a signed, well-formed Slack request; `Refused` otherwise."""
    raw = read_body(request)
    if not signed(verifier, raw, request):
        log.warning("refused a Slack request with a missing, wrong or stale signature")
        raise Refused(401, "invalid_signature", "the request is not signed by Slack, or is too old")
    if request.mimetype not in (FORM, JSON):
        raise Refused(415, "unsupported_media_type", f"Slack sends {FORM} or {JSON}")
    body = parse(raw, request.mimetype)
    problem = shape_problem(body)
    if problem:
        log.warning("refused a malformed Slack payload: %s", problem[:200])
        raise Refused(400, "malformed_payload", problem)
    return bolt_request_for(raw, body, query=request.query_string.decode("utf-8"), headers=request.headers)


def bolt_request_for(raw: str, body: dict, *, query: str = "", headers=None) -> BoltRequest:
    """The Bolt request for a body already parsed (and shape-checked) by `parse`.

    Bolt reads ids out of many nested places while building the request's context (a message's
    user, the first authorization, an event's team…); a payload whose fields there have impossible
    types is refused here rather than failing inside Bolt.
    """
    try:
        # Built around our parse: Bolt's own would decode the body a second time (half a
        # millisecond for a modal's payload) and goes wrong on some bodies (see the module docstring).
        bolt_request = BoltRequest(body="", query=query, headers=headers)
        bolt_request.raw_body = raw  # what Bolt's signature check reads
        bolt_request.body = body
        bolt_request.context = build_context(BoltContext({}), body)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        log.warning("refused a Slack payload Bolt cannot read (%s)", type(exc).__name__)
        raise Refused(
            400, "malformed_payload", "the payload does not have the shape Slack gives it"
        ) from None
    return bolt_request


# --- the shape of a payload -----------------------------------------------------------------------
#
# Only the fields Bolt and our listeners read are checked, and only for their type, so that no real
# Slack payload (which carries many more fields) is ever refused. A payload that passes can be read
# with `body["user"]["id"]`, `body["actions"][0]["value"]`, `view["state"]["values"][b][a]` … without
# a TypeError, which is what turned crafted payloads into "something went wrong" before.

Check = tuple[type | tuple[type, ...], bool]  # expected type(s), required
STR, OPT_STR = (str, True), (str, False)
OBJ, OPT_OBJ = (dict, True), (dict, False)

TOP_LEVEL: dict[str, Check] = {
    "type": OPT_STR,
    # Interactive payloads carry these as objects (events carry theirs inside `event`).
    "team": ((dict, type(None)), False),
    "enterprise": ((dict, type(None)), False),
    "user": OPT_OBJ,
    "channel": OPT_OBJ,
    "container": OPT_OBJ,
    "message": OPT_OBJ,
    "view": OPT_OBJ,
    "state": OPT_OBJ,
    "event": OPT_OBJ,
    "actions": ((list,), False),
    "authorizations": ((list,), False),
    **{
        name: OPT_STR
        for name in (
            "trigger_id",
            "callback_id",
            "action_id",
            "block_id",
            "value",
            "response_url",
            "api_app_id",
            "token",
            "event_id",
            "command",
            "text",
            "user_id",
            "team_id",
            "channel_id",
            "message_ts",
            "challenge",
        )
    },
}
REQUIRED_BY_KIND: dict[str, tuple[str, ...]] = {
    "command": ("command", "user_id", "trigger_id", "text"),
    "block_actions": ("trigger_id",),
    "shortcut": ("callback_id", "trigger_id"),
    "message_action": ("callback_id", "trigger_id"),
    "block_suggestion": ("action_id", "value"),
    "event_callback": ("event", "event_id"),
    "url_verification": ("challenge",),
}
INTERACTIVE = (
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
)
ELEMENT_STATE: dict[str, Check] = {
    "type": OPT_STR,
    "value": ((str, type(None)), False),
    "selected_date": ((str, type(None)), False),
    "selected_time": ((str, type(None)), False),
    "selected_user": ((str, type(None)), False),
    "selected_channel": ((str, type(None)), False),
    "selected_conversation": ((str, type(None)), False),
    "selected_option": ((dict, type(None)), False),
    "selected_options": ((list, type(None)), False),
}
EVENT_FIELDS: dict[str, dict[str, Check]] = {
    "app_mention": {"user": STR, "channel": STR, "ts": STR, "text": OPT_STR, "thread_ts": OPT_STR},
    "app_home_opened": {"user": STR, "tab": OPT_STR, "channel": OPT_STR},
}


def _kind(body: dict) -> str:
    if "command" in body and "type" not in body:
        return "command"
    return str(body.get("type") or "")


def _fields(where: str, data: dict, rules: dict[str, Check]) -> str | None:
    for name, (types, required) in rules.items():
        if name not in data:
            if required:
                return f"{where}{name} is missing"
            continue
        if not isinstance(data[name], types):
            wanted = " or ".join(_type_name(t) for t in (types if isinstance(types, tuple) else (types,)))
            return f"{where}{name} must be {wanted}"
    return None


def _type_name(kind: type) -> str:
    return {str: "a string", dict: "an object", list: "a list", type(None): "null"}.get(kind, kind.__name__)


def _option(where: str, option: object) -> str | None:
    if not isinstance(option, dict):
        return f"{where} must be an object"
    if not isinstance(option.get("value", ""), str):
        return f"{where}.value must be a string"
    return None


def _element(where: str, element: object) -> str | None:
    if not isinstance(element, dict):
        return f"{where} must be an object"
    problem = _fields(f"{where}.", element, ELEMENT_STATE)
    if problem:
        return problem
    if element.get("selected_option") is not None:
        problem = _option(f"{where}.selected_option", element["selected_option"])
    for index, option in enumerate(element.get("selected_options") or []):
        problem = problem or _option(f"{where}.selected_options[{index}]", option)
    return problem


def _state(where: str, state: dict) -> str | None:
    values = state.get("values", {})
    if not isinstance(values, dict):
        return f"{where}.values must be an object"
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            return f"{where}.values.{block_id} must be an object"
        for action_id, element in actions.items():
            problem = _element(f"{where}.values.{block_id}.{action_id}", element)
            if problem:
                return problem
    return None


def _view(view: dict) -> str | None:
    problem = _fields(
        "view.",
        view,
        {
            "type": STR,  # Bolt tells workflow-step views apart by it
            "id": OPT_STR,
            "callback_id": OPT_STR,
            "private_metadata": OPT_STR,
            "team_id": ((str, type(None)), False),
            "app_installed_team_id": ((str, type(None)), False),
            "state": OPT_OBJ,
            "blocks": ((list,), False),
        },
    )
    if problem:
        return problem
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict):
            return f"view.blocks[{index}] must be an object"
    return _state("view.state", view["state"]) if "state" in view else None


def _actions(actions: list) -> str | None:
    if not actions:
        return "actions must not be empty"
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        if not isinstance(action, dict):
            return f"{where} must be an object"
        problem = _fields(f"{where}.", action, {"action_id": STR, "block_id": OPT_STR, "value": OPT_STR})
        problem = problem or _element(where, {k: v for k, v in action.items() if k in ELEMENT_STATE})
        if problem:
            return problem
    return None


def shape_problem(body: dict) -> str | None:
    """What is wrong with the payload's shape, in a few words (None when it can be read safely)."""
    problem = _fields("", body, TOP_LEVEL)
    if problem:
        return problem
    kind = _kind(body)
    for name in REQUIRED_BY_KIND.get(kind, ()):
        if name not in body:
            return f"{name} is missing"
    if kind in INTERACTIVE:
        user = body.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            return "user.id is missing"
    if kind in ("view_submission", "view_closed"):
        if "view" not in body:
            return "view is missing"
        problem = _fields("view.", body["view"], {"id": STR, "callback_id": STR})
        if problem:
            return problem
    if "view" in body:
        problem = _view(body["view"])
    if not problem and "actions" in body:
        problem = _actions(body["actions"])
    if not problem and "state" in body:
        problem = _state("state", body["state"])
    if not problem and isinstance(body.get("team"), dict):
        problem = _fields("team.", body["team"], {"id": OPT_STR})
    if not problem and isinstance(body.get("user"), dict):
        problem = _fields("user.", body["user"], {"id": OPT_STR, "team_id": OPT_STR})
    if not problem and isinstance(body.get("channel"), dict):
        problem = _fields("channel.", body["channel"], {"id": OPT_STR})
    if not problem:
        for index, authorization in enumerate(body.get("authorizations") or []):
            if not isinstance(authorization, dict):
                return f"authorizations[{index}] must be an object"
    if not problem and "event" in body:
        event = body["event"]
        problem = _fields("event.", event, {"type": STR})
        problem = problem or _fields("event.", event, EVENT_FIELDS.get(event.get("type"), {}))
    if not problem and "message" in body:
        problem = _fields("message.", body["message"], {"text": OPT_STR, "ts": OPT_STR, "thread_ts": OPT_STR})
    return problem
