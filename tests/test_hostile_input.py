"""Hostile input at every Slack entry point: signatures, content types, sizes, malformed payloads,
other workspaces, views the bot did not open. Always a clear answer, never a 500 or a stack trace,
never a partial write.

Every request goes through the real app (`/slack/events`, signed as Slack signs). The entry points
are listed once (`ENTRY_POINTS`), and `test_every_listener_is_an_entry_point_here` checks that list
against the listeners the Bolt app really has, so a new button or modal cannot escape the suite.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest, BoltResponse

import handlers.bulletins
import handlers.dashboard
import handlers.escalations
import handlers.feedback
import handlers.home
import handlers.issues
import handlers.joining
import handlers.membership
import handlers.notices
import handlers.returns
import handlers.surveys  # noqa: F401  (each registers its `/linkedup` sub-commands on import)
from handlers.commands import SUBCOMMANDS
from handlers.ids import (
    AudienceAction,
    BulletinAction,
    BulletinView,
    EscalationAction,
    EscalationCallback,
    IntakeAction,
    IntakeCallback,
    NoticeAction,
    NoticeCallback,
    Shortcut,
    SurveyAction,
    SurveyCallback,
)
from models import EscalationState, Issue
from models.bulletins import BulletinState
from tests.intake_support import opened_view, receipt_of, submit
from tests.reliability_support import (
    EH_MEMBER,
    OFFICER,
    RAISER,
    build_world,
    escalation,
    table_counts,
)
from tests.slack_requests import (
    SIGNING_SECRET,
    TEAM_ID,
    block_actions_payload,
    event_body,
    fixture_json,
    interactive_body,
    new_trigger_id,
    signature,
    slash_command_body,
    view_submission_payload,
)

FORM = "application/x-www-form-urlencoded"
MEGABYTE = "x" * 1_000_000
GENERIC = "Something went wrong on our side"
# Tables a refused-but-answered request may still touch: the outbox (a refusal is told by DM), the
# delivery keys (opening a notice modal claims its trigger id) and sign-in links (`/linkedup
# dashboard` gives a member a link whatever else was typed). Nothing else may change.
BOOKKEEPING = {"outbox", "slack_deliveries", "sign_in_links"}
# The modals whose private metadata names what they act on (the others carry none that matters).
METADATA_CALLBACKS = {
    IntakeCallback.DECLINE_REASON,
    IntakeCallback.FEEDBACK_REPLY,
    BulletinView.SCHEDULE,
    BulletinView.REJECT_ARTICLE,
    *EscalationCallback,
}


@pytest.fixture
def world(db):
    return build_world(db)


def raw_post(
    app, body: str, *, content_type: str = FORM, timestamp: int | None = None, secret=SIGNING_SECRET
):
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
    }
    return app.test_client().post("/slack/events", data=body, headers=headers)


def assert_no_trace(response) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code != 500, text
    assert "Traceback" not in text and 'File "' not in text, text


def assert_clear(response) -> None:
    """Not a 500, no stack trace, and not the catch-all message that means an unexpected exception."""
    assert_no_trace(response)
    assert GENERIC not in response.get_data(as_text=True), response.get_data(as_text=True)


def unexpected_errors(caplog) -> list[str]:
    """Log lines of listeners that failed with an exception nobody expected (the catch-all path)."""
    return [
        r.getMessage() for r in caplog.records if r.name == "handlers.errors" and r.levelno >= logging.ERROR
    ]


# --- the door: signatures, content types, sizes ---------------------------------------------------


def test_unsigned_and_wrongly_signed_requests_are_refused_before_anything_reads_them(
    app, world, engine, caplog
):
    body = slash_command_body(f"history {world.sensitive_reference}", user_id=OFFICER)
    before = table_counts(engine)
    now = int(time.time())
    good = signature(SIGNING_SECRET, str(now), body)
    cases = {
        "no headers": {},
        "no signature": {"X-Slack-Request-Timestamp": str(now)},
        "wrong secret": {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature("x", str(now), body),
        },
        "not hex": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=zz"},
        "timestamp not a number": {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": good},
        "signature of another body": {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature(SIGNING_SECRET, str(now), body + "&x=1"),
        },
    }
    with caplog.at_level(logging.DEBUG):
        for name, headers in cases.items():
            response = app.test_client().post(
                "/slack/events", data=body, headers={"Content-Type": FORM, **headers}
            )
            assert response.status_code == 401, name
            assert response.get_json()["error"] == "invalid_signature", name
    assert table_counts(engine) == before
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert world.sensitive_reference not in logged, "an unsigned request's body must never be logged"


def test_a_replayed_request_is_refused_once_its_timestamp_is_stale(app, world, engine):
    """Replay: the very body and signature Slack sent, presented again later."""
    body = slash_command_body("status", user_id=RAISER)
    for age in (6 * 60, 3600, -6 * 60):  # five minutes either side is all Slack allows
        stale = int(time.time()) - age
        response = raw_post(app, body, timestamp=stale)
        assert response.status_code == 401, age
    fresh = raw_post(app, body)
    assert fresh.status_code == 200 and "Seacombe" in fresh.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content_type", "body", "status", "error"),
    [
        ("text/plain", "command=%2Flinkedup&text=help", 415, "unsupported_media_type"),
        ("multipart/form-data; boundary=x", "--x--", 415, "unsupported_media_type"),
        ("application/xml", "<command>/linkedup</command>", 415, "unsupported_media_type"),
        ("", "command=%2Flinkedup&text=help", 415, "unsupported_media_type"),
        (FORM, '{"command": "/linkedup"}', 400, "malformed_body"),
        ("application/json", "command=%2Flinkedup&text=help", 400, "malformed_body"),
        ("application/json", "[1, 2, 3]", 400, "malformed_body"),
        ("application/json", '"event"', 400, "malformed_body"),
        ("application/json", '{"event": ', 400, "malformed_body"),
        (FORM, "payload=%7Bnot-json", 400, "malformed_body"),
        (FORM, urlencode({"payload": "[1, 2]"}), 400, "malformed_body"),
        (FORM, urlencode({"payload": "null"}), 400, "malformed_body"),
        (FORM, urlencode({"payload": json.dumps({"type": "block_actions", "team": ["id"]})}), 400, None),
        ("application/json", json.dumps({"type": "event_callback", "event": "app_mention"}), 400, None),
    ],
)
def test_bodies_slack_would_never_send_are_refused_with_what_is_wrong(
    app, world, engine, content_type, body, status, error
):
    before = table_counts(engine)
    response = raw_post(app, body, content_type=content_type)
    assert_no_trace(response)
    assert response.status_code == status
    answer = response.get_json()
    assert answer["detail"]
    if error:
        assert answer["error"] == error
    assert table_counts(engine) == before


def test_a_body_over_two_megabytes_is_refused_unread(app, world, engine):
    body = slash_command_body("issue " + "x" * (3 * 1024 * 1024), user_id=RAISER)
    before = table_counts(engine)
    response = raw_post(app, body)
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"
    assert table_counts(engine) == before


def test_a_command_mentioning_the_word_payload_still_reaches_the_bot(slack, slack_api, world):
    """Bolt's parser read any form body containing "payload" as an interactivity payload and
    dropped the command; the door parses it properly."""
    response = slack.command("issue our payload of referrals doubled in October", user_id=RAISER)
    assert response.status_code == 200
    view = opened_view(slack_api)
    assert "payload of referrals doubled" in json.dumps(view)


# --- other workspaces ---------------------------------------------------------------------------------

OTHER_TEAM = "T0ELSEWHRE"


def test_a_command_from_another_workspace_is_refused_and_says_so(slack, slack_api, world, engine):
    before = table_counts(engine)
    response = slack.command(f"history {world.routine_reference}", user_id=OFFICER, team_id=OTHER_TEAM)
    assert response.status_code == 200
    assert response.get_json()["text"] == "Linked-up serves its own Slack workspace only; nothing was done."
    assert world.routine_reference not in response.get_data(as_text=True)
    assert table_counts(engine) == before
    assert slack.command("help", user_id=OFFICER).get_json()["text"].startswith("*Linked-up bot*")


def test_a_button_from_another_workspace_changes_nothing(slack, slack_api, db, world, engine):
    payload = block_actions_payload(
        user_id=EH_MEMBER,
        action_id=EscalationAction.ACKNOWLEDGE,
        value=str(world.routine_escalation_id),
        team_id=OTHER_TEAM,
    )
    before = table_counts(engine)
    response = slack.interact(payload)
    assert response.status_code == 403 and response.get_json() == {"error": "wrong_workspace"}
    assert escalation(db, world.routine_escalation_id).state == EscalationState.OPEN
    assert table_counts(engine) == before
    # The same press from our workspace is acknowledged.
    payload["team"]["id"] = payload["user"]["team_id"] = TEAM_ID
    assert slack.interact(payload).status_code == 200
    assert escalation(db, world.routine_escalation_id).state == EscalationState.ACKNOWLEDGED


def test_a_form_submitted_in_another_workspace_stores_nothing(slack, slack_api, db, world, engine):
    slack.command("issue The minibus insurance lapsed", user_id=RAISER)
    view = opened_view(slack_api)
    before = table_counts(engine)
    from tests.intake_support import submission

    payload = submission(view, user_id=RAISER, values={})
    payload["view"]["app_installed_team_id"] = OTHER_TEAM  # a modal opened through a Slack Connect channel
    assert slack.interact(payload).status_code == 403
    payload = submission(view, user_id=RAISER, values={})
    payload["team"]["id"] = payload["view"]["app_installed_team_id"] = OTHER_TEAM
    assert slack.interact(payload).status_code == 403
    assert table_counts(engine) == before
    receipt_of(submit(slack, view, user_id=RAISER, values={}))  # and from our workspace it is stored
    assert table_counts(engine)["issues"] == before["issues"] + 1


def test_an_event_from_another_workspace_is_ignored(slack, slack_api, world):
    event = copy.deepcopy(fixture_json("event_callback.app_mention.bolt-python.json")["event"])
    event.update({"user": RAISER, "text": "<@UBOT0000001> the van broke down", "channel": "C0NETWORK"})
    response = slack.event(event, team_id=OTHER_TEAM)
    assert response.status_code == 403
    assert not slack_api.of("chat.postEphemeral")
    assert slack.event(event).status_code == 200
    assert len(slack_api.of("chat.postEphemeral")) == 1


# --- views the bot did not open -----------------------------------------------------------------------


def _respond_values(answer: str = "We will keep the Saturday session open.") -> dict:
    return {
        "answer": {"value": {"type": "plain_text_input", "value": answer}},
        "outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "accepted"}}},
        "decline_reason": {"value": {"type": "plain_text_input", "value": None}},
        "follow_up_date": {"value": {"type": "datepicker", "selected_date": None}},
    }


def test_an_unknown_callback_id_stores_nothing(slack, world, engine):
    before = table_counts(engine)
    payload = view_submission_payload(
        user_id=OFFICER,
        callback_id="linkedup_issue_v0",
        values={"title": {"field": {"type": "plain_text_input", "value": "x"}}},
    )
    response = slack.interact(payload)
    assert response.status_code == 404 and response.get_json() == {"error": "unhandled request"}
    assert table_counts(engine) == before


def test_metadata_pointing_at_someone_elses_escalation_is_refused_on_submit(slack, db, world, engine):
    """The Early Help member's respond modal, its metadata edited to name the safeguarding item."""
    before = table_counts(engine)
    payload = view_submission_payload(
        user_id=EH_MEMBER,
        callback_id=EscalationCallback.RESPOND,
        values=_respond_values(),
        private_metadata=json.dumps({"escalation_id": world.sensitive_escalation_id}),
    )
    response = slack.interact(payload)
    assert_clear(response)
    [message] = response.get_json()["errors"].values()
    assert "Only members of the Wirral Safeguarding Children Board" in message
    assert escalation(db, world.sensitive_escalation_id).state == EscalationState.OPEN
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    "metadata",
    ["", "{not json", "[1]", "{}", '{"escalation_id": "abc"}', '{"escalation_id": null}',
     '{"escalation_id": 1e400}', '{"escalation_id": 123456789012345678901234567890}', '{"escalation_id": -1}',
     '{"escalation_id": [1]}', '{"escalation_id": "²"}'],
)  # fmt: skip
@pytest.mark.parametrize("callback", list(EscalationCallback))
def test_tampered_escalation_metadata_is_a_clear_error_and_changes_nothing(
    slack, db, world, engine, caplog, callback, metadata
):
    before = table_counts(engine)
    values = _respond_values() | {
        "board": {
            "value": {"type": "static_select", "selected_option": {"value": str(world.board_ids["ctb"])}}
        },
        "reason": {"value": {"type": "plain_text_input", "value": "It belongs with the trust board."}},
        "note": {"value": {"type": "plain_text_input", "value": "Still no date."}},
    }
    payload = view_submission_payload(
        user_id=OFFICER, callback_id=callback, values=values, private_metadata=metadata
    )
    response = slack.interact(payload)
    assert_clear(response)
    errors = response.get_json().get("errors")
    assert errors, response.get_json()
    assert not unexpected_errors(caplog)
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    "metadata",
    ["", "{not json", "[1]", "{}", '{"month": 202611}', '{"month": "2026-13"}', '{"month": "../../etc"}'],
)
def test_tampered_bulletin_schedule_metadata_is_a_clear_error(slack, db, world, engine, caplog, metadata):
    before = table_counts(engine)
    payload = view_submission_payload(
        user_id=OFFICER,
        callback_id=BulletinView.SCHEDULE,
        values={
            "date": {"value": {"type": "datepicker", "selected_date": "2030-01-07"}},
            "time": {"value": {"type": "static_select", "selected_option": {"value": "09:00"}}},
        },
        private_metadata=metadata,
    )
    response = slack.interact(payload)
    assert_clear(response)
    assert response.get_json().get("errors"), response.get_json()
    assert not unexpected_errors(caplog)
    assert table_counts(engine) == before


def test_issue_form_metadata_cannot_plant_a_link_or_a_source(slack, slack_api, db, world):
    slack.command("issue Parents cannot reach the new family hub", user_id=RAISER)
    view = opened_view(slack_api)
    view = {**view, "private_metadata": json.dumps({"source": "admin", "link": "javascript:alert(1)"})}
    receipt_of(submit(slack, view, user_id=RAISER, values={}))
    db.expire_all()
    stored = db.query(Issue).order_by(Issue.id.desc()).first()
    assert stored.source_link is None and stored.source == "command"


# --- every entry point, fed malformed and oversized payloads ---------------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    """One way into the bot, and a well-formed payload for it (the mutations start from this)."""

    name: str
    kind: str  # command | view | action | options | shortcut | event
    build: Callable[[object], object]  # world → payload (dict), or command text (str)


def _text_state(**blocks: str) -> dict:
    return {block: {"field": {"type": "plain_text_input", "value": value}} for block, value in blocks.items()}


def _option_state(**blocks: str) -> dict:
    return {
        block: {"field": {"type": "static_select", "selected_option": {"value": value}}}
        for block, value in blocks.items()
    }


def _view(callback: str, values: Callable[[object], dict], metadata: Callable[[object], dict] | None = None):
    def build(world) -> dict:
        return view_submission_payload(
            user_id=OFFICER,
            callback_id=callback,
            values=values(world),
            private_metadata=json.dumps(metadata(world)) if metadata else "",
        )

    return build


def _action(action_id: str, value: Callable[[object], str], *, home: bool = False):
    def build(world) -> dict:
        view = {"type": "home", "state": {"values": {}}} if home else None
        return block_actions_payload(user_id=OFFICER, action_id=action_id, value=value(world), view=view)

    return build


ESCALATION_VALUES = {
    EscalationCallback.RESPOND: lambda w: (
        _text_state(answer="We will fund it.", decline_reason="")
        | {"outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "accepted"}}}}
    ),
    EscalationCallback.REASSIGN: lambda w: (
        _option_state(board=str(w.board_ids["ctb"])) | _text_state(reason="Trust board")
    ),
    EscalationCallback.ESCALATE: lambda w: _text_state(reason="Needs the next board"),
    EscalationCallback.NOT_SATISFIED: lambda w: _text_state(note="Still no date"),
    EscalationCallback.ROUTE: lambda w: _option_state(board="eh") | _text_state(reason=""),
    EscalationCallback.THEME: lambda w: _option_state(theme="1"),
}


def _entry_points() -> list[EntryPoint]:
    points = [
        EntryPoint(f"/linkedup {name}", "command", lambda w, name=name: f"{name} LU-2026-0001 eh")
        for name in sorted(SUBCOMMANDS)
    ]
    points.append(EntryPoint("/linkedup (unknown)", "command", lambda w: "frobnicate"))
    views = {
        IntakeCallback.ISSUE: _view(IntakeCallback.ISSUE, lambda w: _text_state(title="T", description="D")),
        IntakeCallback.JOIN: _view(
            IntakeCallback.JOIN, lambda w: _text_state(name="New group", contact_email="a@example.org")
        ),
        IntakeCallback.WAITING_RETURN: _view(
            IntakeCallback.WAITING_RETURN,
            lambda w: (
                _option_state(service=str(w.service_id), period="2026-01", capacity_status="has_capacity")
                | _text_state(
                    number_waiting="3", new_referrals="1", median_wait_weeks="2", longest_wait_weeks="4"
                )
            ),
        ),
        IntakeCallback.FEEDBACK: _view(
            IntakeCallback.FEEDBACK,
            lambda w: _option_state(about="network", rating="4") | _text_state(comment="ok"),
        ),
        IntakeCallback.DECLINE_REASON: _view(
            IntakeCallback.DECLINE_REASON,
            lambda w: _text_state(reason="No"),
            lambda w: {"request": w.join_request_id},
        ),
        IntakeCallback.FEEDBACK_REPLY: _view(
            IntakeCallback.FEEDBACK_REPLY,
            lambda w: _text_state(reply="Thanks"),
            lambda w: {"feedback": w.feedback_id},
        ),
        BulletinView.ARTICLE: _view(
            BulletinView.ARTICLE,
            lambda w: (
                _text_state(title="A", link="https://example.org/a", summary="S")
                | _option_state(category="vacancies", month=w.month)
            ),
        ),
        BulletinView.SCHEDULE: _view(
            BulletinView.SCHEDULE,
            lambda w: {
                "date": {"value": {"type": "datepicker", "selected_date": "2030-01-07"}},
                "time": {"value": {"type": "static_select", "selected_option": {"value": "09:00"}}},
            },
            lambda w: {"month": w.month},
        ),
        BulletinView.REJECT_ARTICLE: _view(
            BulletinView.REJECT_ARTICLE,
            lambda w: _text_state(reason="Out of area"),
            lambda w: {"article": w.article_id},
        ),
        SurveyCallback.CREATE: _view(
            SurveyCallback.CREATE,
            lambda w: (
                _text_state(title="Have your say", questions="rating: Useful?\nlong: Why? (optional)")
                | {"closes": {"field": {"type": "datepicker", "selected_date": "2030-01-07"}}}
            ),
        ),
        SurveyCallback.CONFIRM: _view(SurveyCallback.CONFIRM, lambda w: {}, lambda w: {"survey": 1}),
        NoticeCallback.COMPOSE: _view(
            NoticeCallback.COMPOSE,
            lambda w: (
                _option_state(kind="general", reach="every_member")
                | _text_state(title="Room bookings", body="The hall is closed on Friday.", ages="0-5")
            ),
        ),
        NoticeCallback.CONFIRM: _view(NoticeCallback.CONFIRM, lambda w: {}, lambda w: {"notice": 1}),
        SurveyCallback.ANSWER: _view(
            SurveyCallback.ANSWER,
            lambda w: {"q1": {"field": {"type": "radio_buttons", "selected_option": {"value": "3"}}}},
            lambda w: {"survey": 1, "page": 1, "pages": 1, "token": "t"},
        ),
    }
    for callback, values in ESCALATION_VALUES.items():
        metadata = (
            (lambda w: {"reference": w.triage_issue_id})
            if callback == EscalationCallback.ROUTE
            else (lambda w: {"escalation_id": w.routine_escalation_id})
        )
        views[callback] = _view(callback, values, metadata)
    points += [EntryPoint(f"view {callback}", "view", build) for callback, build in views.items()]
    values = {
        IntakeAction.OPEN_ISSUE_FORM: lambda w: "",
        IntakeAction.OPEN_RETURN_FORM: lambda w: "",
        IntakeAction.OPEN_FEEDBACK_FORM: lambda w: "",
        IntakeAction.OPEN_JOIN_FORM: lambda w: "",
        IntakeAction.RAISE_FROM_MENTION: lambda w: json.dumps({"c": "C0NETWORK", "ts": "1.2", "t": "text"}),
        IntakeAction.APPROVE_REQUEST: lambda w: str(w.join_request_id),
        IntakeAction.DECLINE_REQUEST: lambda w: str(w.join_request_id),
        IntakeAction.REPLY_TO_FEEDBACK: lambda w: str(w.feedback_id),
        IntakeAction.HOME_PAGE_PREVIOUS: lambda w: "issues=1;services=1",
        IntakeAction.HOME_PAGE_NEXT: lambda w: "issues=2;services=1",
        IntakeAction.ADD_SERVICE: lambda w: "",
        BulletinAction.APPROVE_ARTICLE: lambda w: str(w.article_id),
        BulletinAction.REJECT_ARTICLE: lambda w: str(w.article_id),
        BulletinAction.SCHEDULE: lambda w: w.month,
        BulletinAction.SEND_NOW: lambda w: w.month,
        BulletinAction.RETRY: lambda w: f"{w.month}:now",
        BulletinAction.PREVIEW_LINK: lambda w: "",
        BulletinAction.COMPILE: lambda w: w.month,
        BulletinAction.RESCHEDULE: lambda w: w.month,
        BulletinAction.SEND_NOW_INSTEAD: lambda w: w.month,
        BulletinAction.CANCEL_SCHEDULE: lambda w: w.month,
        EscalationAction.ROUTE: lambda w: str(w.triage_issue_id),
        SurveyAction.ANSWER: lambda w: "1",
        SurveyAction.PREVIEW: lambda w: "1",
        SurveyAction.OPEN: lambda w: "1",
        NoticeAction.ACKNOWLEDGE: lambda w: "1",
        NoticeAction.REQUEST_PLACE: lambda w: "1",
        NoticeAction.COMPOSE: lambda w: "",
        NoticeAction.OPEN_LINK: lambda w: "",
    }
    for action in EscalationAction:
        values.setdefault(action, lambda w: str(w.routine_escalation_id))
    home = {IntakeAction.HOME_PAGE_PREVIOUS, IntakeAction.HOME_PAGE_NEXT}
    points += [
        EntryPoint(f"action {action}", "action", _action(action, value, home=action in home))
        for action, value in values.items()
    ]
    points += [
        EntryPoint(f"options {action}", "options", lambda w, action=action: _suggestion(action, "Sea"))
        for action in (
            IntakeAction.PICK_ORGANISATION,
            IntakeAction.PICK_SERVICE,
            AudienceAction.PICK_ORGANISATIONS,
        )
    ]
    points.append(
        EntryPoint(f"shortcut {Shortcut.RAISE_ISSUE}", "shortcut", lambda w: _shortcut("The van broke"))
    )
    points.append(
        EntryPoint("event app_mention", "event", lambda w: _mention("<@UBOT0000001> the van broke"))
    )
    points.append(EntryPoint("event app_home_opened", "event", lambda w: _home_opened()))
    return points


def _suggestion(action_id: str, query: str) -> dict:
    return {
        "type": "block_suggestion",
        "user": {"id": RAISER, "username": "raiser", "name": "raiser", "team_id": TEAM_ID},
        "container": {"type": "view", "view_id": "V0SUGGEST"},
        "api_app_id": "A0LINKEDUP",
        "token": "verification_token",
        "action_id": action_id,
        "block_id": "service" if action_id == IntakeAction.PICK_SERVICE else "existing_organisation",
        "value": query,
        "team": {"id": TEAM_ID, "domain": "wirral-linkedup"},
        "view": {"id": "V0SUGGEST", "type": "modal", "team_id": TEAM_ID, "state": {"values": {}}},
    }


def _shortcut(text: str) -> dict:
    payload = copy.deepcopy(fixture_json("message_action.bolt-python.payload.json"))
    payload["team"] = {"id": TEAM_ID, "domain": "wirral-linkedup"}
    payload["user"] = {"id": RAISER, "name": "raiser"}
    payload["channel"] = {"id": "C0NETWORK", "name": "linked-up"}
    payload["callback_id"] = Shortcut.RAISE_ISSUE
    payload["trigger_id"] = new_trigger_id()
    payload["message"].update({"text": text, "ts": "1.2", "user": "U0AUTHOR01", "team": TEAM_ID})
    return payload


def _mention(text: str) -> dict:
    event = copy.deepcopy(fixture_json("event_callback.app_mention.bolt-python.json")["event"])
    event.update(
        {
            "user": RAISER,
            "text": text,
            "channel": "C0NETWORK",
            "ts": "1.2",
            "event_ts": "1.2",
            "team": TEAM_ID,
        }
    )
    return json.loads(event_body(event))


def _home_opened() -> dict:
    event = copy.deepcopy(fixture_json("event_callback.app_home_opened.bolt-python.json")["event"])
    event.update({"user": RAISER, "tab": "home", "channel": "D0HOME"})
    return json.loads(event_body(event))


ENTRY_POINTS = _entry_points()


def _encode(point: EntryPoint, payload) -> tuple[str, str]:
    """The HTTP body and content type Slack would use for this kind of payload."""
    if point.kind == "command":
        return payload, FORM
    if point.kind == "event":
        return json.dumps(payload), "application/json"
    return interactive_body(payload), FORM


def _command_mutations(text: str) -> dict[str, Callable[[str], str]]:
    def body(command_text: str | None, **changes) -> str:
        fields = dict(
            token="t", team_id=TEAM_ID, team_domain="linkedup", channel_id="C0NETWORK", channel_name="lu",
            user_id=RAISER, user_name="r", command="/linkedup", text=command_text, api_app_id="A0LINKEDUP",
            response_url="https://hooks.slack.com/commands/T/1/abc", trigger_id=new_trigger_id(),
        )  # fmt: skip
        fields.update(changes)
        return urlencode({k: v for k, v in fields.items() if v is not None})

    return {
        "a megabyte of text": lambda _: body(text + " " + MEGABYTE),
        "control characters": lambda _: body(text + " \x00\x07\x1b[31m\u202e"),
        "no user": lambda _: body(text, user_id=None),
        "no trigger id": lambda _: body(text, trigger_id=None),
        "no text": lambda _: body(None),
        "another command": lambda _: body(text, command="/linkedup-admin"),
    }


def _interactive_mutations(point: EntryPoint) -> dict[str, Callable[[dict], dict]]:
    def set_path(payload: dict, path: tuple, value) -> dict:
        payload = copy.deepcopy(payload)
        target = payload
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
        return payload

    mutations: dict[str, Callable[[dict], dict]] = {
        "no user": lambda p: set_path(p, ("user",), _DELETE),
        "user is a list": lambda p: set_path(p, ("user",), ["U0"]),
        "user id is a number": lambda p: set_path(p, ("user", "id"), 42),
        "team is a list": lambda p: set_path(p, ("team",), ["id"]),
        "trigger id is a number": lambda p: set_path(p, ("trigger_id",), 7),
        "type unknown": lambda p: set_path(p, ("type",), "block_actions_v9"),
    }
    if point.kind == "view":
        mutations |= {
            "no view": lambda p: set_path(p, ("view",), _DELETE),
            "view is a string": lambda p: set_path(p, ("view",), "V0"),
            "state values a list": lambda p: set_path(p, ("view", "state", "values"), ["x"]),
            "block state a string": lambda p: _each_block(p, lambda actions: "x"),
            "element state a list": lambda p: _each_element(p, lambda element: ["x"]),
            "value an object": lambda p: _each_element(p, lambda e: {**e, "value": {"$gt": ""}}),
            "selected option a string": lambda p: _each_element(p, lambda e: {**e, "selected_option": "x"}),
            "selected option value a number": lambda p: _each_element(
                p, lambda e: {**e, "selected_option": {"value": 12}}
            ),
            "selected options not a list": lambda p: _each_element(
                p, lambda e: {**e, "selected_options": "a"}
            ),
            "a megabyte in one field": lambda p: _first_element(
                p, lambda e: {"type": "plain_text_input", "value": MEGABYTE}
            ),
            "5,000 characters in every field": lambda p: _each_element(
                p, lambda e: {"type": "plain_text_input", "value": "é" * 5000}
            ),
            "every field empty": lambda p: _each_element(
                p, lambda e: {"type": "plain_text_input", "value": None}
            ),
            "every choice a strange number": lambda p: _each_select(p, "²"),
            "every choice a huge number": lambda p: _each_select(p, "9" * 5000),
            "every choice negative": lambda p: _each_select(p, "-1"),
            "metadata a number": lambda p: set_path(p, ("view", "private_metadata"), 5),
            "blocks not a list": lambda p: set_path(p, ("view", "blocks"), {"a": 1}),
            "blocks of strings": lambda p: set_path(p, ("view", "blocks"), ["input"]),
        }
    if point.kind == "view" and point.name.split(" ", 1)[1] in METADATA_CALLBACKS:
        mutations |= {
            "metadata not json": lambda p: set_path(p, ("view", "private_metadata"), "{x"),
            "metadata empty": lambda p: set_path(p, ("view", "private_metadata"), ""),
            "metadata a megabyte": lambda p: set_path(
                p, ("view", "private_metadata"), json.dumps({"x": MEGABYTE})
            ),
        }
    if point.kind == "action":
        mutations |= {
            "no actions": lambda p: set_path(p, ("actions",), _DELETE),
            "empty actions": lambda p: set_path(p, ("actions",), []),
            "action a string": lambda p: set_path(p, ("actions",), ["x"]),
            "action id missing": lambda p: set_path(p, ("actions", 0, "action_id"), _DELETE),
            "value an object": lambda p: set_path(p, ("actions", 0, "value"), {"id": 1}),
            "value a megabyte": lambda p: set_path(p, ("actions", 0, "value"), MEGABYTE),
            "value not an id": lambda p: set_path(p, ("actions", 0, "value"), "{bad"),
            "value of nothing": lambda p: set_path(p, ("actions", 0, "value"), "999999999"),
            "value a huge number": lambda p: set_path(p, ("actions", 0, "value"), "9" * 5000),
            "value a strange number": lambda p: set_path(p, ("actions", 0, "value"), "²"),
            "value negative": lambda p: set_path(p, ("actions", 0, "value"), "-1"),
            "container a string": lambda p: set_path(p, ("container",), "message"),
            "channel a list": lambda p: set_path(p, ("channel",), ["C0"]),
        }
    if point.kind == "options":
        mutations |= {
            "query a megabyte": lambda p: set_path(p, ("value",), MEGABYTE),
            "query an object": lambda p: set_path(p, ("value",), {"q": 1}),
            "query wildcard": lambda p: set_path(p, ("value",), "%_\\'\""),
            "no query": lambda p: set_path(p, ("value",), _DELETE),
        }
    if point.kind == "shortcut":
        mutations |= {
            "no message": lambda p: set_path(p, ("message",), _DELETE),
            "message a string": lambda p: set_path(p, ("message",), "hello"),
            "message text a megabyte": lambda p: set_path(p, ("message", "text"), MEGABYTE),
            "message text a number": lambda p: set_path(p, ("message", "text"), 5),
            "no callback id": lambda p: set_path(p, ("callback_id",), _DELETE),
        }
    if point.kind == "event":
        mutations = {
            "no event": lambda p: set_path(p, ("event",), _DELETE),
            "event a string": lambda p: set_path(p, ("event",), "app_mention"),
            "event user an object": lambda p: set_path(p, ("event", "user"), {"id": RAISER}),
            "event channel a number": lambda p: set_path(p, ("event", "channel"), 5),
            "event text a megabyte": lambda p: set_path(p, ("event", "text"), MEGABYTE),
            "no event id": lambda p: set_path(p, ("event_id",), _DELETE),
            "authorizations a string": lambda p: set_path(p, ("authorizations",), "T0"),
            "authorizations of strings": lambda p: set_path(p, ("authorizations",), ["T0"]),
        }
    return mutations


_DELETE = object()


def _each_block(payload: dict, change) -> dict:
    payload = copy.deepcopy(payload)
    values = payload["view"]["state"]["values"]
    for block_id in list(values):
        values[block_id] = change(values[block_id])
    return payload


def _each_select(payload: dict, value: str) -> dict:
    """Every select's chosen value replaced (selects carry ids and choices; text fields are left)."""

    def change(element: dict) -> dict:
        if "selected_option" in element:
            return {**element, "selected_option": {"value": value}}
        return element

    return _each_element(payload, change)


def _first_element(payload: dict, change) -> dict:
    payload = copy.deepcopy(payload)
    for actions in payload["view"]["state"]["values"].values():
        for action_id in list(actions):
            actions[action_id] = change(actions[action_id])
            return payload
    return payload


def _each_element(payload: dict, change) -> dict:
    payload = copy.deepcopy(payload)
    for actions in payload["view"]["state"]["values"].values():
        for action_id in list(actions):
            actions[action_id] = change(actions[action_id])
    return payload


def test_every_listener_is_an_entry_point_here(app):
    """Each listener the Bolt app has is matched by one of ENTRY_POINTS' payloads (and each
    sub-command is in the list): a new button, modal or event cannot escape this suite."""
    bolt = app.extensions["linkedup"].bolt
    world = _FakeWorld()
    requests = []
    for point in ENTRY_POINTS:
        body, content_type = _encode(point, _payload(point, world))
        requests.append(BoltRequest(body=body, headers={"content-type": [content_type]}))
    unmatched = [
        listener.ack_function.__name__
        for listener in bolt._listeners
        if not any(listener.matches(req=request, resp=BoltResponse(status=200)) for request in requests)
    ]
    assert unmatched == []
    assert {p.name.split(" ", 1)[1] for p in ENTRY_POINTS if p.kind == "command"} >= set(SUBCOMMANDS)


class _FakeWorld:
    """Ids for building payloads without a database (only the shapes matter for matching)."""

    def __getattr__(self, name: str):
        if name == "board_ids":
            return {"eh": 1, "ctb": 2, "hwb": 3, "wscb": 4}
        if name == "month":
            return "2026-11"
        return 1


def _payload(point: EntryPoint, world):
    built = point.build(world)
    if point.kind == "command":
        return slash_command_body(built, user_id=OFFICER)
    return built


@pytest.mark.parametrize("point", ENTRY_POINTS, ids=lambda p: p.name)
def test_malformed_and_oversized_payloads_get_a_clear_answer_and_write_nothing(
    app, db, world, engine, caplog, point
):
    """Each mutation of a well-formed payload: answered (not a 500, no stack trace, not the
    catch-all error), nothing written but bookkeeping, and no listener failed unexpectedly."""
    base = _payload(point, world)
    if point.kind == "command":
        mutations = _command_mutations(point.build(world))
    else:
        mutations = _interactive_mutations(point)
    caplog.set_level(logging.WARNING)
    problems = []
    tried = 0
    for name, mutate in mutations.items():
        mutated = mutate(base)
        if mutated == base:
            continue  # nothing to change in this payload (a form with no selects, say)
        tried += 1
        before = table_counts(engine)
        body, content_type = _encode(point, mutated)
        response = raw_post(app, body, content_type=content_type)
        text = response.get_data(as_text=True)
        after = table_counts(engine)
        changed = {table for table in after if after[table] != before[table]}
        if response.status_code not in (200, 400, 403, 404):
            problems.append(f"{name}: HTTP {response.status_code} {text[:200]}")
        elif "Traceback" in text or 'File "' in text or GENERIC in text:
            problems.append(f"{name}: {text[:200]}")
        elif not changed <= BOOKKEEPING or (response.status_code != 200 and changed):
            problems.append(f"{name}: HTTP {response.status_code} but wrote to {sorted(changed)}")
        failed = unexpected_errors(caplog)
        if failed:
            problems.append(f"{name}: a listener failed: {failed}")
            caplog.clear()
    assert tried
    assert problems == []


def test_the_well_formed_payloads_are_accepted(app, world):
    """The control group: the unmutated payloads are not refused by the door or the workspace check."""
    for point in ENTRY_POINTS:
        body, content_type = _encode(point, _payload(point, world))
        response = raw_post(app, body, content_type=content_type)
        assert_no_trace(response)
        assert response.status_code in (200, 404), (point.name, response.get_data(as_text=True))
        if response.status_code == 404:
            pytest.fail(f"{point.name} matched no listener")


def test_a_bulletin_month_the_officer_did_not_compile_cannot_be_approved(slack, db, world, engine):
    """A Send-now button naming some other month (a crafted value) is refused, nothing approved."""
    from models import Bulletin

    payload = block_actions_payload(user_id=OFFICER, action_id=BulletinAction.SEND_NOW, value="2031-01")
    before = table_counts(engine)
    assert slack.interact(payload).status_code == 200
    db.expire_all()
    assert {b.month: b.state for b in db.query(Bulletin)} == {world.month: BulletinState.DRAFT}
    after = table_counts(engine)
    assert {t for t in after if after[t] != before[t]} <= BOOKKEEPING
