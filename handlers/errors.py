"""One error handler for every listener: typed domain errors become messages the user can act on.

Listeners raise (`models.errors`) and never answer a refusal themselves; `describe` is the one
place that decides how the person hears it. A modal's bad input comes back inline on its field;
a command gets an ephemeral reply in the HTTP answer. A button or shortcut has no reply that
Slack shows, so the explanation is sent: beside the button as an ephemeral message (to the
person alone), or — for listeners registered with `refuse_in_modal`, which were about to open a
form — in a small notice modal in place of the form. Unknown errors get a short reference the
user can quote; the stack trace goes to the log with it.
"""

from __future__ import annotations

import json
import logging
import uuid
from urllib.error import URLError

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, OperationalError

from handlers.blockkit import mrkdwn
from handlers.forms import notice_view
from models.errors import DomainError, NotRegistered, ValidationError
from models.wording import Wording

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


NO_REPLY = frozenset({"block_actions", "shortcut", "message_action"})  # Slack shows no HTTP answer
REFUSE_IN_MODAL = "refuse_in_modal"


def refuse_in_modal(context: BoltContext, next) -> None:
    """Listener middleware for buttons that open a form: a refusal is explained in a modal instead."""
    context[REFUSE_IN_MODAL] = True
    next()


def describe(error: Exception, request: BoltRequest, client: WebClient | None = None) -> BoltResponse:
    """The response for a listener error, by kind of error and kind of payload.

    For a button or shortcut (no answer Slack would show), the explanation is sent with `client`.
    """
    kind = _payload_type(request)
    if isinstance(error, ValidationError) and kind == "view_submission":
        return _modal_errors(error.errors)
    text = explain(error, request)
    if kind == "view_submission":
        block = first_input_block(request)
        if block:
            plain = str(error) if isinstance(error, DomainError) else text  # a form's errors are plain text
            return _modal_errors({block: plain[:2000]})
    if kind in NO_REPLY and client is not None:
        tell(client, request, error, text)
        return BoltResponse(status=200, body="")
    return _text_response(text)


def explain(error: Exception, request: BoltRequest) -> str:
    """What the person is told about `error` (logging what the operator needs, with a reference)."""
    if isinstance(error, DomainError):
        # Refusals name organisations, boards and titles people typed: through the one escaping door.
        text = mrkdwn(error.args[0] if error.args and isinstance(error.args[0], Wording) else str(error))
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
    return text


def tell(client: WebClient, request: BoltRequest, error: Exception, text: str) -> None:
    """Explain a refused button or shortcut to the person who pressed it, and to nobody else.

    A listener that was opening a form (a shortcut, or one registered with `refuse_in_modal`) shows
    a notice modal in its place, offering to join when the person is not registered; any other
    button gets an ephemeral message where it was pressed (a DM when there is no channel).
    """
    body = request.body or {}
    if _payload_type(request) != "block_actions" or request.context.get(REFUSE_IN_MODAL):
        view = notice_view(text, offer_join=isinstance(error, NotRegistered))
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except Exception:  # nothing was done; an explanation that cannot be shown only goes to the log
            log.warning("could not show a notice: %s", text, exc_info=True)
        return
    whisper(client, body, f":no_entry: {text}" if isinstance(error, DomainError) else text)


def whisper(client: WebClient, body: dict, text: str) -> None:
    """Say something to the person who pressed a button, and to nobody else (ephemeral, or a DM).

    Never raises: it is the last thing a listener does, and a lost message must not undo the work.
    """
    user = (body.get("user") or {}).get("id")
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)
    except Exception:  # the action itself is done (or refused); the message only goes to the log
        log.warning("could not tell %s: %s", user, text, exc_info=True)


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
    def on_error(error: Exception, request: BoltRequest, client: WebClient) -> BoltResponse:
        session = request.context.get("db")
        if session is not None:
            session.rollback()
        return describe(error, request, client)
