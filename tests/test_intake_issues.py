"""Raising issues end to end: the modal, the shortcut, @-mentions, retries and database failures."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from handlers.errors import DATABASE_DOWN
from handlers.ids import IntakeAction, IntakeCallback, Shortcut
from models import AuditLog, Escalation, Issue, OrganisationStatus, ReferenceCounter
from tests import factories
from tests.intake_support import (
    action,
    assert_view_within_limits,
    buttons,
    deliver,
    dms_to,
    errors_of,
    input_blocks,
    mention,
    message_shortcut,
    opened_view,
    receipt_of,
    submit,
    view_text,
)

MEMBER = "U0MEMBER01"


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(Issue))


@pytest.fixture
def network(db):
    """An approved organisation with a member, and themes with keywords."""
    org = factories.organisation(db, members=(MEMBER,))
    board = factories.board(
        db, slug="cjcg", name="Children's Joint Commissioning Group", channel="C0CJCG0001"
    )
    themes = {
        "safeguarding": factories.theme(db, keywords=("safeguarding", "domestic abuse", "exploitation")),
        "funding": factories.theme(
            db,
            slug="funding",
            name="Funding and commissioning",
            board=board,
            keywords=("funding", "grant", "room hire"),
        ),
        "mental-health": factories.theme(
            db, slug="mental-health", name="Emotional health", keywords=("camhs", "mental health", "anxiety")
        ),
    }
    db.commit()
    return org, themes


def test_command_text_prefills_the_form_with_the_suggested_theme(slack, slack_api, db, network):
    _, themes = network
    response = slack.command(
        "issue Our room hire costs have doubled since April. Groups may close.", user_id=MEMBER
    )
    assert response.status_code == 200
    view = opened_view(slack_api)
    assert view["callback_id"] == IntakeCallback.ISSUE
    assert_view_within_limits(view)
    fields = input_blocks(view)
    assert fields["title"]["element"]["initial_value"] == "Our room hire costs have doubled since April."
    theme = fields["theme"]["element"]
    assert theme["initial_option"]["value"] == str(themes["funding"].id)
    assert theme["initial_option"]["text"]["text"] == "Funding and commissioning (suggested)"
    assert "Suggested from your words" in fields["theme"]["hint"]["text"]
    assert [o["value"] for o in fields["urgency"]["element"]["options"]] == ["routine", "soon", "urgent"]


def test_every_field_is_stored_and_the_receipt_carries_the_reference(
    slack, slack_api, db, session_factory, network
):
    _, themes = network
    slack.command("issue", user_id=MEMBER)
    view = opened_view(slack_api)
    response = submit(
        slack,
        view,
        user_id=MEMBER,
        values={
            "title": "Young carers miss school trips",
            "description": "Young carers cannot join residential trips because nobody covers their caring.",
            "theme": str(themes["safeguarding"].id),
            "urgency": "soon",
            "affected_age_range": "12-15",
            "affected_group": "young carers",
            "sensitive": True,
            "publish_allowed": True,
        },
    )
    receipt = receipt_of(response)
    assert receipt["callback_id"] == IntakeCallback.RECEIPT
    assert_view_within_limits(receipt)
    year = time.gmtime().tm_year
    text = view_text(receipt)
    assert f"*LU-{year}-0001*" in text and "Young carers miss school trips" in text
    assert "only the safeguarding board sees it" in text

    db.expire_all()
    issue = db.scalar(select(Issue))
    assert (issue.title, issue.urgency.value, issue.affected_age_range, issue.affected_group) == (
        "Young carers miss school trips",
        "soon",
        "12-15",
        "young carers",
    )
    assert issue.theme_id == themes["safeguarding"].id
    assert issue.sensitive is True
    assert issue.publish_allowed is False, "a sensitive issue is never published"
    audit = db.scalar(select(AuditLog).where(AuditLog.entity_id == issue.reference))
    assert audit.action == "issue.raised"

    assert deliver(session_factory, slack_api) == 1
    [dm] = dms_to(slack_api, MEMBER)
    assert f"LU-{year}-0001" in dm["text"]


def test_an_empty_theme_takes_the_suggestion(slack, slack_api, db, network):
    _, themes = network
    slack.command("issue", user_id=MEMBER)
    receipt = receipt_of(
        submit(
            slack,
            opened_view(slack_api),
            user_id=MEMBER,
            values={
                "title": "Rising anxiety",
                "description": "More referrals to CAMHS for anxiety in year 7.",
            },
        )
    )
    assert "Emotional health (suggested from your words)" in view_text(receipt)
    assert db.scalar(select(Issue.theme_id)) == themes["mental-health"].id


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"description": None}, "description", "Enter a description"),
        ({"description": "   "}, "description", "Enter a description"),
        ({"description": "x" * 3001}, "description", "3000 characters"),
        ({"title": "t" * 151}, "title", "150 characters"),
        ({"theme": "99999"}, "theme", "no longer in the network"),
        ({"urgency": "whenever"}, "urgency", "Choose how urgent"),
        ({"affected_age_range": "0-99"}, "affected_age_range", "Choose the age range"),
        ({"affected_group": "g" * 201}, "affected_group", "200 characters"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_stored(
    slack, slack_api, db, network, values, field, message
):
    slack.command("issue Something is wrong with room bookings", user_id=MEMBER)
    errors = errors_of(submit(slack, opened_view(slack_api), user_id=MEMBER, values=values))
    assert field in errors and message in errors[field]
    assert _count(db) == 0
    assert db.scalar(select(func.count()).select_from(ReferenceCounter)) == 0, "no reference is used up"


def test_double_submit_and_slack_retries_store_one_issue(slack, slack_api, db, network):
    slack.command("issue Transport to the Hive stops at 6pm", user_id=MEMBER)
    view = opened_view(slack_api)
    first = receipt_of(submit(slack, view, user_id=MEMBER, values={}, view_id="V0DOUBLE"))
    second = receipt_of(submit(slack, view, user_id=MEMBER, values={}, view_id="V0DOUBLE"))
    third = receipt_of(
        submit(slack, view, user_id=MEMBER, values={}, view_id="V0DOUBLE", headers={"X-Slack-Retry-Num": "2"})
    )
    assert view_text(first) == view_text(second) == view_text(third)
    assert _count(db) == 1


def test_message_shortcut_prefills_from_the_message_and_keeps_its_link(slack, slack_api, db, network):
    message_shortcut(
        slack,
        user_id=MEMBER,
        callback_id=Shortcut.RAISE_ISSUE,
        text="<@U0ALICE> says the <https://example.org/grants|small grants fund> closed &amp; nobody knew",
        channel="C0NETWORK",
        ts="1700000123.000400",
    )
    view = opened_view(slack_api)
    fields = input_blocks(view)
    assert fields["description"]["element"]["initial_value"] == (
        "@U0ALICE says the small grants fund (https://example.org/grants) closed & nobody knew"
    )
    link = "https://wirral-linkedup.slack.com/archives/C0NETWORK/p1700000123000400"
    assert link in view_text(view)
    receipt_of(submit(slack, view, user_id=MEMBER, values={"title": "Small grants fund closed"}))
    issue = db.scalar(select(Issue))
    assert (issue.source, issue.source_link) == ("message", link)


def test_shortcut_from_someone_not_registered_explains_how_to_join(slack, slack_api, db, network):
    message_shortcut(
        slack, user_id="U0STRANGER", callback_id=Shortcut.RAISE_ISSUE, text="hello", channel="C1", ts="1.2"
    )
    notice = opened_view(slack_api)
    assert notice["callback_id"] == IntakeCallback.NOTICE
    assert "/linkedup join" in view_text(notice)
    assert [b["action_id"] for b in buttons(notice)] == [IntakeAction.OPEN_JOIN_FORM]


def test_mention_answers_with_a_button_that_opens_the_prefilled_form(slack, slack_api, db, network):
    mention(
        slack,
        user_id=MEMBER,
        text="<@UBOT0000001> The youth bus is cancelled from May",
        ts="1700000200.000100",
    )
    [offer] = slack_api.of("chat.postEphemeral")
    assert (offer["channel"], offer["user"]) == ("C0NETWORK", MEMBER)
    [button] = buttons(offer["blocks"])
    assert button["action_id"] == IntakeAction.RAISE_FROM_MENTION
    assert json.loads(button["value"])["t"] == "The youth bus is cancelled from May"

    action(
        slack,
        user_id=MEMBER,
        action_id=IntakeAction.RAISE_FROM_MENTION,
        value=button["value"],
        channel_id="C0NETWORK",
    )
    view = opened_view(slack_api)
    assert (
        input_blocks(view)["description"]["element"]["initial_value"] == "The youth bus is cancelled from May"
    )
    receipt_of(submit(slack, view, user_id=MEMBER, values={}))
    issue = db.scalar(select(Issue))
    assert issue.source == "mention"
    assert issue.source_link.endswith("/archives/C0NETWORK/p1700000200000100")


def test_a_retried_mention_event_is_answered_once(slack, slack_api, db, network):
    for retry in ("", "1", "2"):
        headers = {"X-Slack-Retry-Num": retry} if retry else None
        response = mention(
            slack, user_id=MEMBER, text="<@UBOT0000001> help", event_id="Ev0SAMEMENTION", headers=headers
        )
        assert response.status_code == 200
    assert len(slack_api.of("chat.postEphemeral")) == 1


def test_pending_organisation_issue_is_kept_and_not_routed(slack, slack_api, db):
    factories.organisation(
        db, "New Ferry Parents Group", members=("U0PENDING1",), status=OrganisationStatus.PENDING
    )
    db.commit()
    slack.command("issue Our hall is closing", user_id="U0PENDING1")
    view = opened_view(slack_api)
    assert "awaiting the officer's approval" in view_text(view)
    receipt = receipt_of(submit(slack, view, user_id="U0PENDING1", values={}))
    assert "goes to a board once the organisation is approved" in view_text(receipt)
    issue = db.scalar(select(Issue))
    assert issue.organisation.status == OrganisationStatus.PENDING
    assert db.scalar(select(func.count()).select_from(Escalation)) == 0


def test_declined_organisation_cannot_raise(slack, slack_api, db):
    factories.organisation(db, "Declined Group", members=("U0DECLINED",), status=OrganisationStatus.DECLINED)
    db.commit()
    text = slack.command("issue anything", user_id="U0DECLINED").get_json()["text"]
    assert "declined" in text and "/linkedup join" in text
    assert not slack_api.of("views.open")


def test_database_down_during_submission_says_nothing_was_saved(
    slack, slack_api, db, network, settings, backend, tmp_path
):
    """The database is unreachable when the form is sent: the modal stays open with the error."""
    from bot.app import create_app
    from models.db import make_engine
    from tests.slack_requests import SlackClient

    slack.command("issue The food bank referral route changed", user_id=MEMBER)
    view = opened_view(slack_api)
    if backend == "sqlite":
        dead = make_engine(f"sqlite:///{tmp_path}/missing-directory/linkedup.db")
    else:
        dead = make_engine(
            "postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 2}
        )
    down = SlackClient(create_app(settings, engine=dead).test_client())

    errors = errors_of(submit(down, view, user_id=MEMBER, values={}, view_id="V0DBDOWN"))
    [message] = errors.values()
    assert next(iter(errors)) == "title", (
        "the error hangs on the first field, so the typed text stays in the modal"
    )
    assert DATABASE_DOWN.split("—")[0] in message and "nothing was saved" in message
    assert _count(db) == 0

    # Submitting the same modal again once the database is back stores it (nothing was claimed).
    receipt_of(submit(slack, view, user_id=MEMBER, values={}, view_id="V0DBDOWN"))
    assert _count(db) == 1


def test_database_failing_mid_transaction_rolls_everything_back(slack, slack_api, db, network, engine):
    slack.command("issue Waiting lists for counselling are long", user_id=MEMBER)
    view = opened_view(slack_api)

    def fail_on_issue_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ISSUES"):
            raise OperationalError(
                statement, parameters, Exception("server closed the connection unexpectedly")
            )

    event.listen(engine, "before_cursor_execute", fail_on_issue_insert)
    try:
        errors = errors_of(submit(slack, view, user_id=MEMBER, values={}, view_id="V0MIDFAIL"))
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_issue_insert)
    assert "nothing was saved" in next(iter(errors.values()))
    assert _count(db) == 0
    assert db.scalar(select(func.count()).select_from(ReferenceCounter)) == 0, (
        "the reference number is not used up"
    )
    receipt = receipt_of(submit(slack, view, user_id=MEMBER, values={}, view_id="V0MIDFAIL"))
    assert f"LU-{time.gmtime().tm_year}-0001" in view_text(receipt)


def test_issue_form_with_a_hundred_and_twenty_themes_stays_within_limits(slack, slack_api, db):
    factories.organisation(db, members=(MEMBER,))
    for n in range(120):
        factories.theme(
            db, slug=f"t{n}", name=f"A theme with a deliberately long name number {n:03d} " + "x" * 60
        )
    db.commit()
    slack.command("issue theme number 119", user_id=MEMBER)
    view = opened_view(slack_api)
    assert_view_within_limits(view)
    options = input_blocks(view)["theme"]["element"]["options"]
    assert len(options) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in options)


def test_concurrent_deliveries_of_one_submission_store_one_issue(slack, slack_api, db, network, app, backend):
    """Two deliveries of the same modal at the same moment (a retry racing the original)."""
    import threading

    from tests.intake_support import submission
    from tests.slack_requests import SlackClient

    slack.command("issue Youth workers' pay has been frozen", user_id=MEMBER)
    payload = submission(opened_view(slack_api), user_id=MEMBER, values={}, view_id="V0RACE")
    barrier = threading.Barrier(4)
    answers = []

    def deliver_once():
        client = SlackClient(app.test_client())
        barrier.wait()
        answers.append(client.interact(payload).get_json())

    threads = [threading.Thread(target=deliver_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count(db) == 1
    receipts = [a for a in answers if a.get("response_action") == "update"]
    refused = [a for a in answers if a.get("response_action") == "errors"]
    assert receipts and len(receipts) + len(refused) == 4
    assert len({json.dumps(r["view"]["blocks"]) for r in receipts}) == 1, "every receipt names the same issue"
    # PostgreSQL waits on the unique key and answers with the first issue; SQLite may refuse the
    # loser with "nothing was saved, submit again" — never a second issue either way.
    if backend == "postgresql":
        assert not refused
    assert all("nothing was saved" in next(iter(a["errors"].values())) for a in refused)
