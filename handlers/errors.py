"""One error handler for every listener: typed domain errors become messages the user can act on.

Unknown errors get a short reference the user can quote; the stack trace goes to the log with it.
"""

from __future__ import annotations

import json
import logging
import uuid
from urllib.error import URLError

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, OperationalError

from models.errors import DomainError, ValidationError

log = logging.getLogger(__name__)

DATABASE_DOWN = (
    "Sorry — the Linked-up database is not answering just now, so *nothing was saved*. "
    "Please submit again in a minute."
)


SLACK_BUSY = (
    "Slack is busy just now and asked us to wait, so this could not be done and *nothing was saved*. "
    "Please try again in a minute."
)
SLACK_DOWN = (
    "Slack did not answer us in time, so this could not be done and *nothing was saved*. Please try again."
)


def _payload_type(request: BoltRequest) -> str:
    body = request.body or {}
    if body.get("command"):
        return "command"
    return str(body.get("type", ""))


def _text_response(text: str) -> BoltResponse:
    body = json.dumps({"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})


def _modal_errors(errors: dict[str, str]) -> BoltResponse:
    body = json.dumps({"response_action": "errors", "errors": errors})
    return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})


def first_input_block(request: BoltRequest) -> str | None:
    """The block id of the first input in the submitted view, to hang a form-wide error on."""
    view = (request.body or {}).get("view") or {}
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block.get("block_id"):
            return block["block_id"]
    return None


def describe(error: Exception, request: BoltRequest) -> BoltResponse:
    """The response for a listener error, by kind of error and kind of payload."""
    kind = _payload_type(request)
    if isinstance(error, ValidationError) and kind == "view_submission":
        return _modal_errors(error.errors)
    if isinstance(error, DomainError):
        text = str(error)
    elif isinstance(error, OperationalError | DBAPIError):
        ref = uuid.uuid4().hex[:8]
        log.error("database unavailable (ref %s, payload %s)", ref, request_id(request))
        text = f"{DATABASE_DOWN} (ref `{ref}`)"
    elif isinstance(error, SlackApiError | TimeoutError | URLError | ConnectionError):
        ref = uuid.uuid4().hex[:8]
        status = getattr(getattr(error, "response", None), "status_code", None)
        log.warning(
            "Slack did not do what a listener asked (ref %s, payload %s): %s %s",
            ref,
            request_id(request),
            type(error).__name__,
            status or "",
        )
        text = f"{SLACK_BUSY if status == 429 else SLACK_DOWN} (ref `{ref}`)"
    else:
        ref = uuid.uuid4().hex[:8]
        log.exception("listener failed (ref %s, payload %s)", ref, request_id(request), exc_info=error)
        text = f"Something went wrong on our side; nothing was saved. Quote ref `{ref}` if it recurs."
    if kind == "view_submission":
        block = first_input_block(request)
        if block:
            return _modal_errors({block: text[:2000]})
    return _text_response(text)


def request_id(request: BoltRequest) -> str:
    """An id for the log that identifies the payload without quoting its content."""
    body = request.body or {}
    return str(
        body.get("event_id")
        or body.get("trigger_id")
        or (body.get("view") or {}).get("id")
        or body.get("type")
        or "unknown"
    )


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, request: BoltRequest) -> BoltResponse:
        session = request.context.get("db")
        if session is not None:
            session.rollback()
        return describe(error, request)
