"""Targeted notices through Slack itself: signed slash command, the compose modal and its inline errors,
the confirmation showing who it reaches, the DM card's buttons, and the App Home sections."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.ids import NoticeAction, NoticeCallback, NoticeField
from models import NoticeRecipient
from tests import factories
from tests.intake_support import (
    action,
    deliver,
    dms_to,
    errors_of,
    home_opened,
    opened_view,
    published_view,
    receipt_of,
    view_text,
)
from tests.slack_requests import view_submission_payload

OFFICER = "U0OFFICER1"
NURSE, NURSE_2, COUNSELLOR, STRANGER = "U0NURSE001", "U0NURSE002", "U0COUNS001", "U0STRANGE1"


@pytest.fixture
def world(db):
    factories.officer(db, OFFICER)
    nursery = factories.organisation(db, "Little Steps Nursery", members=(NURSE, NURSE_2))
    factories.service(db, nursery, "Stay and play", category="early years", min_age=0, max_age=4)
    minds = factories.organisation(db, "Moreton Minds", members=(COUNSELLOR,))
    factories.service(db, minds, "Counselling", category="mental health", min_age=11, max_age=25)
    db.commit()


def state(values: dict) -> dict:
    """The compose modal's `state.values` as Slack sends it, for the fields given."""
    out = {}
    for block_id, value in values.items():
        if block_id in (NoticeField.KIND, NoticeField.REACH):
            element = {"type": "static_select", "selected_option": {"value": value}}
        elif block_id in (NoticeField.CATEGORIES, NoticeField.AUDIENCE, NoticeField.ACKNOWLEDGEMENT):
            element = {"type": "checkboxes", "selected_options": [{"value": v} for v in value]}
        elif block_id in (NoticeField.DEADLINE, NoticeField.SEND_AT):
            element = {"type": "datetimepicker", "selected_date_time": int(value.timestamp())}
        else:
            element = {"type": "plain_text_input", "value": value}
        out[block_id] = {NoticeAction.VALUE: element}
    return out


def submit(slack, view: dict, user: str, values: dict):
    payload = view_submission_payload(
        user_id=user,
        callback_id=view["callback_id"],
        values=state(values),
        private_metadata=view.get("private_metadata", ""),
        view_id=f"V{uuid.uuid4().hex[:10].upper()}",
        blocks=copy.deepcopy(view["blocks"]),
    )
    return slack.interact(payload)


GOOD = {
    NoticeField.KIND: "safeguarding",
    NoticeField.TITLE: "Sentinel notice <!channel>",
    NoticeField.BODY: "Unsafe sleeping products: https://example.org/sentinel & more",
    NoticeField.AGES: "0-5",
    NoticeField.ACKNOWLEDGEMENT: ["required"],
}


def test_an_officer_composes_confirms_and_the_audience_acknowledges(
    app, slack, slack_api, db, session_factory, world
):
    deadline = datetime.now(UTC) + timedelta(days=3)
    slack.command("notice", user_id=OFFICER)
    compose = opened_view(slack_api)
    assert compose["callback_id"] == NoticeCallback.COMPOSE
    assert {"ages", "categories", "title", "body"} <= {b.get("block_id") for b in compose["blocks"]}

    errors = errors_of(submit(slack, compose, OFFICER, {**GOOD, NoticeField.AGES: "babies"}))
    assert "e.g. 0-5" in errors["ages"] and "deadline" in errors
    errors = errors_of(
        submit(slack, compose, OFFICER, {**GOOD, NoticeField.AGES: "30-40", NoticeField.DEADLINE: deadline})
    )
    assert "Nobody matches" in errors["audience"]

    confirm = receipt_of(submit(slack, compose, OFFICER, {**GOOD, NoticeField.DEADLINE: deadline}))
    assert "2 people in 1 organisation serving ages 0–5" in view_text(confirm)
    assert "&lt;!channel&gt;" in view_text(confirm)
    assert dms_to(slack_api, NURSE) == [], "nothing goes before the sender confirms"
    done = receipt_of(submit(slack, confirm, OFFICER, {}))
    assert "on its way to 2 people" in view_text(done)
    deliver(session_factory, slack_api)
    [card] = [m for m in dms_to(slack_api, NURSE) if m.get("blocks")]
    assert "&lt;!channel&gt;" in card["text"] and dms_to(slack_api, COUNSELLOR) == []

    home_opened(slack, user_id=NURSE)
    assert "Notices to acknowledge" in view_text(published_view(slack_api))
    home_opened(slack, user_id=OFFICER)
    assert "Your notices" in view_text(published_view(slack_api))

    notice_id = _button_value(card)
    action(slack, user_id=NURSE, action_id=NoticeAction.ACKNOWLEDGE, value=notice_id, channel_id="D0NURSE001")
    action(
        slack, user_id=STRANGER, action_id=NoticeAction.ACKNOWLEDGE, value=notice_id, channel_id="D0STRANGE1"
    )
    said = {c["user"]: c["text"] for c in slack_api.of("chat.postEphemeral")}
    assert "read and understood" in said[NURSE] and "not sent to you" in said[STRANGER]
    db.expire_all()
    acknowledged = db.scalars(
        select(NoticeRecipient.slack_user_id).where(NoticeRecipient.acknowledged_at.is_not(None))
    )
    assert acknowledged.all() == [NURSE]


def _button_value(card: dict) -> str:
    for block in card["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == NoticeAction.ACKNOWLEDGE:
                return element["value"]
    raise AssertionError("no Read and understood button")


def test_someone_who_may_not_send_is_told_why(app, slack, slack_api, db, world):
    response = slack.command("notice", user_id=NURSE)
    assert "Only the development officer" in response.get_json()["text"]
    assert slack_api.of("views.open") == []


def test_a_scheduled_notice_says_when_it_will_go(app, slack, slack_api, db, world):
    """The sender reads the day and time it goes, where it said "at the time you chose"."""
    from escalations.working_days import describe

    send_at = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    slack.command("notice", user_id=OFFICER)
    compose = opened_view(slack_api)
    deadline = send_at + timedelta(days=3)
    values = {**GOOD, NoticeField.SEND_AT: send_at, NoticeField.DEADLINE: deadline}
    confirm = receipt_of(submit(slack, compose, OFFICER, values))
    done = view_text(receipt_of(submit(slack, confirm, OFFICER, {})))
    assert f"goes to 2 people in 1 organisation serving ages 0–5 on {describe(send_at)}" in done
    assert dms_to(slack_api, NURSE) == [], "nothing goes before its time"
