"""The App Home tab, `/linkedup status` and `/linkedup help`, including Slack's limits at scale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.home_view import MESSAGE_TEXT_BUDGET
from handlers.ids import IntakeAction
from models import (
    Feedback,
    FeedbackAbout,
    Issue,
    IssueStatus,
    JoinRequest,
    Member,
    OrganisationStatus,
    RequestKind,
)
from models.base import utcnow
from models.returns import CapacityStatus, WaitingListReturn, last_complete_month, london_today
from tests import factories
from tests.intake_support import (
    action,
    assert_message_within_limits,
    assert_view_within_limits,
    buttons,
    home_opened,
    published_view,
    view_text,
)

MEMBER = "U0MEMBER01"
OFFICER = "U0OFFICER1"


def _issue(db, org, n: int, *, status=IssueStatus.RECEIVED, sensitive=False, raised_by=MEMBER, days_old=0):
    issue = Issue(
        reference=f"LU-2026-{n:04d}",
        organisation=org,
        raised_by=raised_by,
        title=f"Issue number {n} about something that matters to families in Wirral " + "x" * 40,
        description="d",
        status=status,
        sensitive=sensitive,
        created_at=utcnow() - timedelta(days=days_old),
    )
    db.add(issue)
    return issue


@pytest.fixture
def big_organisation(db):
    """60 services (half with a return for last month) and 200 open issues, plus an officer's queues."""
    org = factories.organisation(db, "Wirral Big Charity " + "y" * 150, members=(MEMBER,))
    period = last_complete_month(london_today())
    for n in range(60):
        service = factories.service(db, org, f"Service {n:02d} " + "z" * 150)
        if n % 2:
            db.add(
                WaitingListReturn(
                    reference=f"LU-2026-R{n:03d}",
                    service=service,
                    period=period,
                    number_waiting=n,
                    new_referrals=1,
                    median_wait_weeks=2,
                    longest_wait_weeks=9,
                    capacity_status=CapacityStatus.NO_CAPACITY,
                    submitted_by=MEMBER,
                )
            )
    for n in range(1, 201):
        _issue(db, org, n, days_old=n)
    _issue(db, org, 201, status=IssueStatus.CLOSED)
    factories.officer(db, OFFICER)
    for n in range(30):
        pending = factories.organisation(
            db,
            f"Pending applicant {n:02d} " + "p" * 150,
            members=(f"U0PEND{n:04d}",),
            status=OrganisationStatus.PENDING,
        )
        factories.service(db, pending, "Only service")
        db.add(
            JoinRequest(
                reference=f"LU-2026-J{n:03d}",
                kind=RequestKind.REGISTER,
                slack_user_id=f"U0PEND{n:04d}",
                organisation=pending,
            )
        )
        db.add(
            Feedback(
                reference=f"LU-2026-F{n:03d}",
                slack_user_id=f"U0PEND{n:04d}",
                about=FeedbackAbout.NETWORK,
                rating=3,
                comment="c" * 3000,
                reply_wanted=True,
            )
        )
    db.commit()
    return org


def _blocks_with_text(view: dict) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b.get("type") == "section" and b.get("text")]


def test_member_home_shows_the_organisation_and_the_three_forms(slack, slack_api, db):
    org = factories.organisation(db, "Seacombe Young Carers", members=(MEMBER,))
    service = factories.service(db, org, "Young carers group")
    _issue(db, org, 1, days_old=3)
    _issue(db, org, 2, status=IssueStatus.ANSWERED)
    _issue(db, org, 3, status=IssueStatus.CLOSED)
    db.add(
        WaitingListReturn(
            reference="LU-2026-0099",
            service=service,
            period=last_complete_month(london_today()),
            number_waiting=7,
            new_referrals=2,
            median_wait_weeks=3,
            longest_wait_weeks=8,
            capacity_status=CapacityStatus.HAS_CAPACITY,
            submitted_by=MEMBER,
        )
    )
    db.commit()

    home_opened(slack, user_id=MEMBER)
    [call] = slack_api.of("views.publish")
    assert call["user_id"] == MEMBER
    view = call["view"]
    assert view["type"] == "home"
    assert_view_within_limits(view)
    assert view["blocks"][0]["text"]["text"] == "Seacombe Young Carers"
    assert [b["action_id"] for b in buttons(view)] == [
        IntakeAction.OPEN_ISSUE_FORM,
        IntakeAction.OPEN_RETURN_FORM,
        IntakeAction.OPEN_FEEDBACK_FORM,
    ]
    text = view_text(view)
    assert "*Open issues* (2)" in text
    assert "`LU-2026-0001`" in text and "*received*" in text and "3 days" in text
    assert "`LU-2026-0002`" in text and "*answered*" in text
    assert "LU-2026-0003" not in text, "closed issues are not open items"
    assert "*Young carers group*" in text and "7 waiting" in text and "all services sent" in text


def test_the_messages_tab_publishes_nothing(slack, slack_api, db):
    home_opened(slack, user_id=MEMBER, tab="messages")
    assert slack_api.of("views.publish") == []


def test_someone_new_is_invited_to_register(slack, slack_api, db):
    home_opened(slack, user_id="U0STRANGER")
    view = published_view(slack_api)
    assert_view_within_limits(view)
    assert [b["action_id"] for b in buttons(view)] == [
        IntakeAction.OPEN_JOIN_FORM,
        IntakeAction.OPEN_FEEDBACK_FORM,
    ]


def test_the_home_buttons_open_the_forms(slack, slack_api, db):
    org = factories.organisation(db, "Seacombe Young Carers", members=(MEMBER,))
    factories.service(db, org)
    db.commit()
    home = {"blocks": []}
    for action_id, callback in (
        (IntakeAction.OPEN_ISSUE_FORM, "linkedup_issue"),
        (IntakeAction.OPEN_RETURN_FORM, "linkedup_waiting_return"),
        (IntakeAction.OPEN_FEEDBACK_FORM, "linkedup_feedback"),
    ):
        action(slack, user_id=MEMBER, action_id=action_id, view=home)
        assert slack_api.of("views.open")[-1]["view"]["callback_id"] == callback


def test_sensitive_issues_show_only_to_whoever_raised_them(slack, slack_api, db):
    org = factories.organisation(db, "Seacombe Young Carers", members=(MEMBER, "U0COLLEAG1"))
    _issue(db, org, 1, sensitive=True, raised_by="U0COLLEAG1")
    _issue(db, org, 2)
    db.commit()
    home_opened(slack, user_id=MEMBER)
    assert "LU-2026-0001" not in view_text(published_view(slack_api))
    home_opened(slack, user_id="U0COLLEAG1")
    assert "LU-2026-0001" in view_text(published_view(slack_api))
    status = slack.command("status", user_id=MEMBER).get_json()
    assert "LU-2026-0001" not in str(status["blocks"])


def test_sixty_services_and_two_hundred_issues_stay_within_limits_and_page(
    slack, slack_api, db, big_organisation
):
    home_opened(slack, user_id=MEMBER)
    view = published_view(slack_api)
    assert_view_within_limits(view)
    text = view_text(view)
    assert "*Open issues* (200) · page 1 of 10" in text
    assert "30 of 60 services still to send" in text and "page 1 of 3" in text
    assert "LU-2026-0001`" in text and "LU-2026-0021`" not in text

    older = next(
        b
        for b in buttons(view)
        if b["action_id"] == IntakeAction.HOME_PAGE_NEXT and b["value"].startswith("issues=2")
    )
    action(slack, user_id=MEMBER, action_id=older["action_id"], value=older["value"], view=view)
    page_two = published_view(slack_api)
    assert_view_within_limits(page_two)
    assert "page 2 of 10" in view_text(page_two) and "LU-2026-0021`" in view_text(page_two)
    last = next(
        b
        for b in buttons(page_two)
        if b["action_id"] == IntakeAction.HOME_PAGE_NEXT and "services=2" in b["value"]
    )
    action(slack, user_id=MEMBER, action_id=last["action_id"], value="issues=99;services=99", view=page_two)
    clamped = published_view(slack_api)
    assert_view_within_limits(clamped)
    assert "page 10 of 10" in view_text(clamped) and "page 3 of 3" in view_text(clamped)


def test_the_officer_triage_stays_within_limits_and_summarises(slack, slack_api, db, big_organisation):
    home_opened(slack, user_id=OFFICER)
    view = published_view(slack_api)
    assert_view_within_limits(view)
    text = view_text(view)
    assert "*Applications to approve* (30)" in text and "…and 22 more" in text
    assert "*New issues with no board yet* (200)" in text
    assert "*Feedback awaiting a reply* (30)" in text
    assert "waiting-list returns* (31)" in text, "the big organisation and the 30 pending ones miss a return"
    assert all(len(section) <= 3000 for section in _blocks_with_text(view))


def test_an_officer_who_is_also_a_member_sees_both(slack, slack_api, db, big_organisation):
    officer = db.scalar(select(Member).where(Member.slack_user_id == OFFICER))
    officer.organisation = big_organisation
    db.commit()
    home_opened(slack, user_id=OFFICER)
    view = published_view(slack_api)
    assert_view_within_limits(view)
    assert "*Open issues* (200)" in view_text(view) and "Officer triage" in str(view["blocks"])


def test_status_lists_open_items_with_reference_state_and_age(slack, slack_api, db, big_organisation):
    body = slack.command("status", user_id=MEMBER).get_json()
    assert body["response_type"] == "ephemeral"
    assert_message_within_limits(body["blocks"])
    text = str(body["blocks"])
    assert "`LU-2026-0001`" in text and "*received*" in text and "1 day" in text
    assert "…and 175 more" in text
    total = sum(len(b["text"]["text"]) for b in body["blocks"] if b.get("text"))
    total += sum(len(e["text"]) for b in body["blocks"] for e in b.get("elements", []) if "text" in e)
    assert total <= MESSAGE_TEXT_BUDGET, "Slack refuses messages with too much text in their blocks"
    assert "30 of 60 services still to send" in text


def test_status_for_the_officer_counts_the_queues(slack, db, big_organisation):
    text = slack.command("status", user_id=OFFICER).get_json()["text"]
    assert "30 applications to approve" in text and "200 new issues with no board yet" in text


def test_status_without_an_organisation_guides_to_join(slack, db):
    assert "/linkedup join" in slack.command("status", user_id="U0STRANGER").get_json()["text"]


def test_help_lists_every_intake_command_and_unknown_gets_help(slack):
    text = slack.command("help", user_id="U0ANYONE").get_json()["text"]
    for usage in ("issue [what is happening]", "waiting", "feedback", "join", "status", "help"):
        assert f"`/linkedup {usage}`" in text
    unknown = slack.command("wibble", user_id="U0ANYONE").get_json()["text"]
    assert "I don't know `/linkedup wibble`" in unknown and "`/linkedup waiting`" in unknown
