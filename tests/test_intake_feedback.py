"""Feedback end to end: the form, its errors, and the officer's reply queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.ids import IntakeAction, IntakeCallback
from models import Feedback, FeedbackAbout
from tests import factories
from tests.intake_support import (
    action,
    assert_view_within_limits,
    buttons,
    deliver,
    dms_to,
    errors_of,
    home_opened,
    input_blocks,
    opened_view,
    published_view,
    receipt_of,
    submit,
    view_text,
)

MEMBER = "U0MEMBER01"
OFFICER = "U0OFFICER1"


@pytest.fixture
def boards(db):
    org = factories.organisation(db, "Hive Friends", members=(MEMBER,))
    found = [
        factories.board(db, "ctb", "Children's Trust Board", channel="C0CTB00001"),
        factories.board(db, "hive", "The Hive Youth Zone", channel="C0HIVE0001"),
    ]
    factories.officer(db, OFFICER)
    db.commit()
    return org, found


def _give(slack, slack_api, values, *, user=MEMBER, view_id=None, **kwargs):
    slack.command("feedback", user_id=user)
    return submit(slack, opened_view(slack_api), user_id=user, values=values, view_id=view_id, **kwargs)


def test_feedback_form_offers_the_network_and_its_boards(slack, slack_api, db, boards):
    slack.command("feedback", user_id=MEMBER)
    view = opened_view(slack_api)
    assert view["callback_id"] == IntakeCallback.FEEDBACK
    assert_view_within_limits(view)
    groups = input_blocks(view)["about"]["element"]["option_groups"]
    assert [o["value"] for o in groups[0]["options"]] == ["network", "bulletin", "hive", "service"]
    assert [o["text"]["text"] for o in groups[1]["options"]] == [
        "Children's Trust Board",
        "The Hive Youth Zone",
    ]
    assert [o["value"] for o in input_blocks(view)["rating"]["element"]["options"]] == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]


def test_feedback_is_stored_with_a_reference(slack, slack_api, db, session_factory, boards):
    org, found = boards
    receipt = receipt_of(
        _give(
            slack,
            slack_api,
            {
                "about": f"board:{found[0].id}",
                "rating": "2",
                "comment": "Papers arrive too late to read.",
                "reply_wanted": True,
            },
        )
    )
    row = db.scalar(select(Feedback))
    assert (row.about, row.board_id, row.rating, row.reply_wanted, row.organisation_id) == (
        FeedbackAbout.BOARD,
        found[0].id,
        2,
        True,
        org.id,
    )
    assert f"*{row.reference}*: 2/5 about Children's Trust Board" in view_text(receipt)
    deliver(session_factory, slack_api)
    assert row.reference in dms_to(slack_api, MEMBER)[0]["text"]


def test_anyone_in_the_workspace_may_give_feedback(slack, slack_api, db, boards):
    receipt_of(_give(slack, slack_api, {"about": "hive", "rating": "5"}, user="U0YOUTHWKR"))
    row = db.scalar(select(Feedback))
    assert row.organisation_id is None and row.about == FeedbackAbout.HIVE and row.comment is None


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"about": None, "rating": "3"}, "about", "Choose what your feedback is about"),
        ({"about": "board:99999", "rating": "3"}, "about", "not in the network"),
        ({"about": "the moon", "rating": "3"}, "about", "Choose what your feedback is about"),
        ({"about": "bulletin", "rating": None}, "rating", "Enter a rating"),
        ({"about": "bulletin", "rating": "9"}, "rating", "cannot be more than 5"),
        ({"about": "bulletin", "rating": "0"}, "rating", "Choose a rating from 1 to 5"),
        ({"about": "service", "rating": "4"}, "subject", "Enter which service"),
        ({"about": "bulletin", "rating": "4", "comment": "c" * 3001}, "comment", "3000 characters"),
    ],
)
def test_bad_feedback_is_refused_on_its_field(slack, slack_api, db, boards, values, field, message):
    errors = errors_of(_give(slack, slack_api, values))
    assert message in errors[field], errors
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_double_submitted_feedback_is_stored_once(slack, slack_api, db, boards):
    slack.command("feedback", user_id=MEMBER)
    view = opened_view(slack_api)
    for retry in ("", "1"):
        headers = {"X-Slack-Retry-Num": retry} if retry else None
        receipt_of(
            submit(
                slack,
                view,
                user_id=MEMBER,
                values={"about": "network", "rating": "4"},
                view_id="V0FB2X",
                headers=headers,
            )
        )
    assert db.scalar(select(func.count()).select_from(Feedback)) == 1


def test_the_officer_replies_from_the_triage_queue(slack, slack_api, db, session_factory, boards):
    receipt_of(
        _give(
            slack,
            slack_api,
            {
                "about": "service",
                "subject": "Holiday club",
                "rating": "1",
                "comment": "Closed without notice",
                "reply_wanted": True,
            },
        )
    )
    receipt_of(_give(slack, slack_api, {"about": "bulletin", "rating": "5"}))  # no reply wanted: not queued
    row = db.scalar(select(Feedback).where(Feedback.reply_wanted.is_(True)))

    home_opened(slack, user_id=OFFICER)
    home = published_view(slack_api)
    assert "*Feedback awaiting a reply* (1)" in view_text(home)
    [reply] = [b for b in buttons(home) if b["action_id"] == IntakeAction.REPLY_TO_FEEDBACK]
    assert reply["value"] == str(row.id)

    action(slack, user_id="U0NOTOFFCR", action_id=reply["action_id"], value=reply["value"], view=home)
    assert "Only the development officer" in view_text(opened_view(slack_api))

    action(slack, user_id=OFFICER, action_id=reply["action_id"], value=reply["value"], view=home)
    modal = opened_view(slack_api)
    assert modal["callback_id"] == IntakeCallback.FEEDBACK_REPLY
    assert_view_within_limits(modal)
    assert "Closed without notice" in view_text(modal)
    assert "reply" in errors_of(submit(slack, modal, user_id=OFFICER, values={"reply": None}))
    submit(slack, modal, user_id=OFFICER, values={"reply": "Thank you — the club reopens on Monday."})
    db.expire_all()
    assert db.get(Feedback, row.id).replied_by == OFFICER
    assert "*Feedback awaiting a reply*: none" in view_text(published_view(slack_api))

    deliver(session_factory, slack_api)
    [answer] = [m for m in dms_to(slack_api, MEMBER) if "Reply to your feedback" in m["text"]]
    assert "the club reopens on Monday" in answer["text"] and row.reference in answer["text"]
