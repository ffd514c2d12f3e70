"""The first vertical slice: `/linkedup issue <text>` through signed requests."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from models import Issue, SlackDelivery
from tests import factories


def _issue_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Issue))


def test_member_raises_issue_and_gets_reference(slack, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()

    response = slack.command(
        "issue Waiting lists for domestic abuse programmes are growing", user_id="U0MEMBER01"
    )

    assert response.status_code == 200
    body = response.get_json()
    year = time.gmtime().tm_year
    assert f"LU-{year}-0001" in body["text"]
    issue = db.scalar(select(Issue))
    assert issue.reference == f"LU-{year}-0001"
    assert issue.description.startswith("Waiting lists for domestic abuse")
    assert issue.raised_by == "U0MEMBER01"
    assert issue.status.value == "received"


def test_references_are_sequential(slack, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    refs = []
    for n in range(3):
        body = slack.command(f"issue problem number {n}", user_id="U0MEMBER01").get_json()
        refs.append(body["text"])
    year = time.gmtime().tm_year
    for n, text in enumerate(refs, start=1):
        assert f"LU-{year}-{n:04d}" in text


def test_same_trigger_twice_stores_one_issue(slack, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    first = slack.command("issue Room hire costs doubled", user_id="U0MEMBER01", trigger_id="1111.2222.retry")
    second = slack.command(
        "issue Room hire costs doubled",
        user_id="U0MEMBER01",
        trigger_id="1111.2222.retry",
        headers={"X-Slack-Retry-Num": "1"},
    )
    assert first.get_json()["text"] == second.get_json()["text"]
    assert _issue_count(db) == 1
    assert db.scalar(select(func.count()).select_from(SlackDelivery)) == 1


def test_user_without_organisation_is_told_how_to_join(slack, db):
    response = slack.command("issue something", user_id="U0STRANGER")
    assert response.status_code == 200
    assert "/linkedup join" in response.get_json()["text"]
    assert _issue_count(db) == 0


def test_empty_issue_text_is_refused_clearly(slack, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    response = slack.command("issue   ", user_id="U0MEMBER01")
    assert response.status_code == 200
    assert "Describe the issue" in response.get_json()["text"]
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
