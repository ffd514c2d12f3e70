"""`/linkedup issue [text]` through signed requests: the command opens the form, sending it stores."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from models import Issue, SlackDelivery
from tests import factories
from tests.intake_support import input_blocks, opened_view, receipt_of, submit, view_text


def _issue_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Issue))


def test_member_raises_issue_and_gets_reference(slack, slack_api, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()

    response = slack.command(
        "issue Waiting lists for domestic abuse programmes are growing", user_id="U0MEMBER01"
    )

    assert response.status_code == 200
    view = opened_view(slack_api)
    fields = input_blocks(view)
    assert fields["description"]["element"]["initial_value"].startswith("Waiting lists for domestic abuse")
    assert _issue_count(db) == 0, "the command opens the form; nothing is stored before it is sent"

    receipt = receipt_of(submit(slack, view, user_id="U0MEMBER01", values={}))
    year = time.gmtime().tm_year
    assert f"LU-{year}-0001" in view_text(receipt)
    issue = db.scalar(select(Issue))
    assert issue.reference == f"LU-{year}-0001"
    assert issue.description.startswith("Waiting lists for domestic abuse")
    assert issue.raised_by == "U0MEMBER01"
    assert issue.status.value == "received"
    assert issue.source == "command"


def test_references_are_sequential(slack, slack_api, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    refs = []
    for n in range(3):
        slack.command(f"issue problem number {n}", user_id="U0MEMBER01")
        refs.append(
            view_text(receipt_of(submit(slack, opened_view(slack_api), user_id="U0MEMBER01", values={})))
        )
    year = time.gmtime().tm_year
    for n, text in enumerate(refs, start=1):
        assert f"LU-{year}-{n:04d}" in text


def test_same_trigger_twice_opens_and_stores_once(slack, slack_api, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    first = slack.command("issue Room hire costs doubled", user_id="U0MEMBER01", trigger_id="1111.2222.retry")
    second = slack.command(
        "issue Room hire costs doubled",
        user_id="U0MEMBER01",
        trigger_id="1111.2222.retry",
        headers={"X-Slack-Retry-Num": "1"},
    )
    assert first.status_code == second.status_code == 200
    assert len(slack_api.of("views.open")) == 1, "a retried command must not open a second modal"
    view = opened_view(slack_api)
    for retry in range(2):
        submit(
            slack,
            view,
            user_id="U0MEMBER01",
            values={},
            view_id="V0SAMEVIEW",
            headers={"X-Slack-Retry-Num": str(retry)},
        )
    assert _issue_count(db) == 1
    assert (
        db.scalar(select(func.count()).select_from(SlackDelivery).where(SlackDelivery.kind == "issue")) == 1
    )


def test_user_without_organisation_is_told_how_to_join(slack, slack_api, db):
    response = slack.command("issue something", user_id="U0STRANGER")
    assert response.status_code == 200
    assert "/linkedup join" in response.get_json()["text"]
    assert not slack_api.of("views.open")
    assert _issue_count(db) == 0


def test_issue_without_text_opens_the_empty_form(slack, slack_api, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    response = slack.command("issue   ", user_id="U0MEMBER01")
    assert response.status_code == 200
    fields = input_blocks(opened_view(slack_api))
    assert "initial_value" not in fields["description"]["element"]
    assert _issue_count(db) == 0


def test_help_lists_commands_and_unknown_gets_help(slack):
    help_text = slack.command("help", user_id="U0ANYONE").get_json()["text"]
    assert "/linkedup issue" in help_text
    unknown = slack.command("frobnicate", user_id="U0ANYONE").get_json()["text"]
    assert "I don't know `/linkedup frobnicate`" in unknown
    assert "/linkedup issue" in unknown


def test_bad_signature_is_401_and_stores_nothing(slack, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    from tests.slack_requests import signed_headers, slash_command_body

    body = slash_command_body("issue forged", user_id="U0MEMBER01")
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded", secret="not-the-secret")
    response = slack.flask.post("/slack/events", data=body, headers=headers)
    assert response.status_code == 401
    assert _issue_count(db) == 0


def test_stale_timestamp_is_401(slack, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    from tests.slack_requests import slash_command_body

    body = slash_command_body("issue old request", user_id="U0MEMBER01")
    response = slack.post(
        body, content_type="application/x-www-form-urlencoded", timestamp=int(time.time()) - 301
    )
    assert response.status_code == 401
    assert _issue_count(db) == 0


def test_bolt_auth_test_went_to_the_fake(slack, slack_api):
    slack.command("help", user_id="U0ANYONE")
    assert slack_api.of("auth.test"), "Bolt's auth.test must reach SLACK_API_URL"
