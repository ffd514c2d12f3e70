"""Joining end to end: register or ask to join, the officer's card, approve, decline with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.ids import IntakeAction, IntakeCallback
from intake.service_entries import MAX_SERVICES_PER_FORM
from models import (
    AuditLog,
    Issue,
    JoinRequest,
    Member,
    Organisation,
    OrganisationStatus,
    OutboxMessage,
    RequestKind,
    RequestStatus,
    Service,
)
from tests import factories
from tests.intake_support import (
    action,
    assert_message_within_limits,
    assert_view_within_limits,
    buttons,
    deliver,
    dms_to,
    errors_of,
    fill,
    opened_view,
    published_view,
    receipt_of,
    submit,
    suggestion,
    view_text,
)
from tests.slack_requests import block_actions_payload

APPLICANT = "U0APPLY001"
OFFICER = "U0OFFICER1"

REGISTRATION = {
    "name": "Birkenhead Young Carers",
    "scheme": "GB-SC",
    "identifier": "sc 012345",
    "contact_email": "Hello@BirkenheadCarers.org.uk",
    "bulletin_consent": True,
    "service_1_name": "Young carers group",
    "service_1_category": "young carers",
    "service_1_ages": "8-18",
    "service_1_places": "5/20",
}
SECOND_SERVICE = {
    "service_2_name": "Holiday club",
    "service_2_category": "play",
    "service_2_ages": "5-11",
    "service_2_places": "0/30",
}


@pytest.fixture
def officer(db):
    factories.officer(db, OFFICER)
    db.commit()
    return OFFICER


def _register(slack, slack_api, values=None, *, user=APPLICANT, view_id=None):
    """Fill the join form, pressing "Add another service" for each further service given."""
    values = values or {**REGISTRATION, **SECOND_SERVICE}
    slack.command("join", user_id=user)
    view = opened_view(slack_api)
    groups = max([int(key.split("_")[1]) for key in values if key.startswith("service_")], default=1)
    for _ in range(groups - 1):
        view = _add_service(slack, slack_api, view, user=user)
    return submit(slack, view, user_id=user, values=values, view_id=view_id)


def _add_service(slack, slack_api, view: dict, *, user: str, typed: dict | None = None) -> dict:
    payload = block_actions_payload(
        user_id=user, action_id=IntakeAction.ADD_SERVICE, value="",
        view={**view, "id": "V0JOINFORM", "hash": "h1", "state": {"values": fill(view, typed or {})}},
    )  # fmt: skip
    slack.interact(payload)
    (update,) = slack_api.of("views.update")[-1:]
    assert update["view_id"] == "V0JOINFORM" and update["hash"] == "h1"
    return update["view"]


def test_join_opens_a_form_within_slack_limits(slack, slack_api, db):
    slack.command("join", user_id=APPLICANT)
    view = opened_view(slack_api)
    assert view["callback_id"] == IntakeCallback.JOIN
    assert_view_within_limits(view)
    schemes = {o["value"] for o in view["blocks"][5]["element"]["options"]}
    assert schemes == {"GB-CHC", "GB-SC", "GB-NIC", "GB-COH"}


def test_registration_is_stored_pending_and_the_officer_gets_a_card(
    slack, slack_api, db, session_factory, officer
):
    receipt = receipt_of(_register(slack, slack_api))
    text = view_text(receipt)
    assert "Birkenhead Young Carers* (GB-SC-SC012345) with 2 services" in text

    organisation = db.scalar(select(Organisation).where(Organisation.name == "Birkenhead Young Carers"))
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.org_identifier == "GB-SC-SC012345"
    assert organisation.contact_email == "Hello@birkenheadcarers.org.uk"
    assert organisation.bulletin_consent is True
    services = {
        s.name: (s.category, s.min_age, s.max_age, s.places_available, s.places_maximum)
        for s in organisation.services
    }
    assert services == {
        "Young carers group": ("young carers", 8, 18, 5, 20),
        "Holiday club": ("play", 5, 11, 0, 30),
    }
    member = db.scalar(select(Member).where(Member.slack_user_id == APPLICANT))
    assert member.organisation_id == organisation.id
    request = db.scalar(select(JoinRequest))
    assert (request.kind, request.status) == (RequestKind.REGISTER, RequestStatus.PENDING)
    assert (
        db.scalar(select(AuditLog.action).where(AuditLog.entity == "organisation"))
        == "organisation.registered"
    )

    assert deliver(session_factory, slack_api) == 2  # the officer's card and the applicant's receipt
    [card] = dms_to(slack_api, OFFICER)
    assert_message_within_limits(card["blocks"])
    assert "New organisation to approve" in card["blocks"][0]["text"]["text"]
    assert "Young carers group (5/20 places); Holiday club (0/30 places)" in card["blocks"][0]["text"]["text"]
    assert [b["action_id"] for b in buttons(card["blocks"])] == [
        IntakeAction.APPROVE_REQUEST,
        IntakeAction.DECLINE_REQUEST,
    ]
    [receipt_dm] = dms_to(slack_api, APPLICANT)
    assert request.reference in receipt_dm["text"]


def test_a_pending_organisation_can_already_raise_issues(slack, slack_api, db, officer):
    receipt_of(_register(slack, slack_api))
    slack.command("issue Our hall's rent has gone up", user_id=APPLICANT)
    receipt = receipt_of(submit(slack, opened_view(slack_api), user_id=APPLICANT, values={}))
    assert "awaits the officer's approval" in view_text(receipt)
    assert db.scalar(select(Issue.reference)) in view_text(receipt)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": None}, "name", "Enter your organisation's name"),
        ({"name": "n" * 201}, "name", "200 characters"),
        ({"scheme": "GB-CHC", "identifier": "12345"}, "identifier", "6 or 7 digits"),
        ({"scheme": "GB-SC", "identifier": "SC12"}, "identifier", "SC followed by 6 digits"),
        ({"scheme": "GB-NIC", "identifier": "NIC1"}, "identifier", "5 or 6 digits"),
        ({"scheme": "GB-COH", "identifier": "ZZ123456"}, "identifier", "8 characters"),
        ({"scheme": None, "identifier": "1234567"}, "identifier", "Choose which register"),
        ({"scheme": "GB-COH", "identifier": "GB-CHC-1234567"}, "identifier", "but you chose Companies House"),
        ({"contact_email": "hello at example"}, "contact_email", "is not an email address"),
        ({"contact_email": None}, "contact_email", "Enter a contact email"),
        ({"service_1_category": None}, "service_1_category", "Choose the service's category"),
        ({"service_1_name": None}, "service_1_name", "Give this service a name"),
        ({"service_1_places": "30/20"}, "service_1_places", "more than the maximum of 20"),
        ({"service_1_ages": "teens"}, "service_1_ages", "8-18, 16+ or all ages"),
        ({"service_2_name": "young carers GROUP"}, "service_2_name", "listed twice"),
    ],
)
def test_bad_registrations_are_refused_on_their_field(slack, slack_api, db, officer, changes, field, message):
    errors = errors_of(_register(slack, slack_api, {**REGISTRATION, **changes}))
    assert message in errors[field]
    assert db.scalar(select(func.count()).select_from(Organisation)) == 0
    assert db.scalar(select(func.count()).select_from(JoinRequest)) == 0
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_name_or_number_already_registered_is_refused(slack, slack_api, db, officer):
    factories.organisation(db, "Birkenhead Young Carers", members=(), org_identifier="GB-CHC-1234567")
    db.commit()
    errors = errors_of(_register(slack, slack_api, {**REGISTRATION, "name": "birkenhead young carers"}))
    assert "already registered" in errors["name"]
    errors = errors_of(
        _register(
            slack, slack_api, {**REGISTRATION, "name": "Other", "scheme": "GB-CHC", "identifier": "1234567"}
        )
    )
    assert errors["identifier"] == "GB-CHC-1234567 is already registered to Birkenhead Young Carers."


def test_choosing_an_existing_organisation_and_registering_one_is_refused(slack, slack_api, db, officer):
    org = factories.organisation(db, "Seacombe Youth Club", members=())
    db.commit()
    errors = errors_of(_register(slack, slack_api, {**REGISTRATION, "existing_organisation": str(org.id)}))
    assert "not both" in errors["name"]


def test_double_submit_stores_one_application_and_one_card(slack, slack_api, db, session_factory, officer):
    slack.command("join", user_id=APPLICANT)
    view = opened_view(slack_api)
    for retry in ("", "1"):
        headers = {"X-Slack-Retry-Num": retry} if retry else None
        receipt_of(
            submit(
                slack, view, user_id=APPLICANT, values=REGISTRATION, view_id="V0JOINTWICE", headers=headers
            )
        )
    assert db.scalar(select(func.count()).select_from(Organisation)) == 1
    assert db.scalar(select(func.count()).select_from(JoinRequest)) == 1
    deliver(session_factory, slack_api)
    assert len(dms_to(slack_api, OFFICER)) == 1


def test_officer_approves_from_the_card(slack, slack_api, db, session_factory, officer):
    receipt_of(_register(slack, slack_api))
    deliver(session_factory, slack_api)
    [card] = dms_to(slack_api, OFFICER)
    approve = buttons(card["blocks"])[0]
    for _ in range(2):  # a second click changes nothing and tells no one twice
        action(
            slack,
            user_id=OFFICER,
            action_id=approve["action_id"],
            value=approve["value"],
            channel_id="D0OFFICER1",
        )
    db.expire_all()
    assert db.scalar(select(Organisation.status)) == OrganisationStatus.APPROVED
    assert db.scalar(select(JoinRequest.decided_by)) == OFFICER

    deliver(session_factory, slack_api)
    [update] = [call.args for call in slack_api.of("chat.update")]
    assert update["channel"] == "D0OFFICER1"
    assert buttons(update["blocks"]) == [] and "Approved by <@U0OFFICER1>" in str(update["blocks"])
    decisions = [m for m in dms_to(slack_api, APPLICANT) if "approved as a member" in m["text"]]
    assert len(decisions) == 1


def test_someone_else_cannot_approve(slack, slack_api, db, session_factory, officer):
    receipt_of(_register(slack, slack_api))
    request = db.scalar(select(JoinRequest))
    action(slack, user_id="U0INTRUDER", action_id=IntakeAction.APPROVE_REQUEST, value=f"{request.id}:message")
    notice = opened_view(slack_api)
    assert "Only the development officer" in view_text(notice)
    db.expire_all()
    assert db.scalar(select(Organisation.status)) == OrganisationStatus.PENDING


def test_officer_declines_with_a_reason_sent_to_the_applicant(slack, slack_api, db, session_factory, officer):
    receipt_of(_register(slack, slack_api))
    request = db.scalar(select(JoinRequest))
    action(
        slack,
        user_id=OFFICER,
        action_id=IntakeAction.DECLINE_REQUEST,
        value=f"{request.id}:message",
        channel_id="D0OFFICER1",
        message_ts="1700000555.000100",
    )
    modal = opened_view(slack_api)
    assert modal["callback_id"] == IntakeCallback.DECLINE_REASON
    assert_view_within_limits(modal)
    assert "reason" in errors_of(submit(slack, modal, user_id=OFFICER, values={"reason": "  "}))
    response = submit(
        slack, modal, user_id=OFFICER, values={"reason": "Please register with the Charity Commission first."}
    )
    assert response.status_code == 200 and not response.get_data()
    db.expire_all()
    assert db.scalar(select(Organisation.status)) == OrganisationStatus.DECLINED
    assert db.scalar(select(JoinRequest.reason)) == "Please register with the Charity Commission first."

    deliver(session_factory, slack_api)
    [decision] = [m for m in dms_to(slack_api, APPLICANT) if "was not approved" in m["text"]]
    assert "Please register with the Charity Commission first." in decision["text"]
    [update] = [call.args for call in slack_api.of("chat.update")]
    assert (update["channel"], update["ts"]) == ("D0OFFICER1", "1700000555.000100")

    text = slack.command("issue anything", user_id=APPLICANT).get_json()["text"]
    assert "declined" in text


def test_a_declined_organisation_may_apply_again(slack, slack_api, db, officer):
    receipt_of(_register(slack, slack_api))
    request = db.scalar(select(JoinRequest))
    action(slack, user_id=OFFICER, action_id=IntakeAction.DECLINE_REQUEST, value=f"{request.id}:message")
    submit(slack, opened_view(slack_api), user_id=OFFICER, values={"reason": "Missing services"})
    again = {"service_1_name": "Drop-in", "service_1_category": "youth club", "service_1_ages": "11-18"}
    receipt_of(_register(slack, slack_api, {**REGISTRATION, **again, "service_1_places": "3/10"}))
    db.expire_all()
    organisation = db.scalar(select(Organisation))
    assert organisation.status == OrganisationStatus.PENDING
    assert db.scalar(select(func.count()).select_from(JoinRequest)) == 2


def test_asking_to_join_an_existing_organisation_waits_for_the_officer(
    slack, slack_api, db, session_factory, officer
):
    org = factories.organisation(db, "Seacombe Youth Club", members=("U0MEMBER01",))
    factories.organisation(db, "Closed Club", members=(), status=OrganisationStatus.DECLINED)
    db.commit()
    slack.command("join", user_id=APPLICANT)
    view = opened_view(slack_api)

    options = suggestion(
        slack,
        user_id=APPLICANT,
        action_id=IntakeAction.PICK_ORGANISATION,
        query="club",
        view=view,
        block_id="existing_organisation",
    ).get_json()["options"]
    assert [o["text"]["text"] for o in options] == ["Seacombe Youth Club"]

    receipt = receipt_of(
        submit(slack, view, user_id=APPLICANT, values={"existing_organisation": str(org.id)})
    )
    assert "join *Seacombe Youth Club*" in view_text(receipt)
    assert db.scalar(select(Member).where(Member.slack_user_id == APPLICANT)) is None

    waiting = slack.command("issue Something", user_id=APPLICANT).get_json()["text"]
    assert "waiting for the development officer's approval" in waiting

    deliver(session_factory, slack_api)
    [card] = dms_to(slack_api, OFFICER)
    assert "asks to join *Seacombe Youth Club*" in card["blocks"][0]["text"]["text"]
    approve = buttons(card["blocks"])[0]
    action(slack, user_id=OFFICER, action_id=approve["action_id"], value=approve["value"])
    member = db.scalar(select(Member).where(Member.slack_user_id == APPLICANT))
    assert member.organisation_id == org.id
    slack.command("issue Something", user_id=APPLICANT)
    assert opened_view(slack_api)["callback_id"] == IntakeCallback.ISSUE


def test_a_member_is_told_they_already_belong(slack, slack_api, db):
    factories.organisation(db, "Seacombe Youth Club", members=("U0MEMBER01",))
    db.commit()
    text = slack.command("join", user_id="U0MEMBER01").get_json()["text"]
    assert "already a member of Seacombe Youth Club" in text
    assert not slack_api.of("views.open")


def test_officer_approves_from_the_home_tab_and_it_refreshes(slack, slack_api, db, officer):
    receipt_of(_register(slack, slack_api))
    request = db.scalar(select(JoinRequest))
    from tests.intake_support import home_opened

    home_opened(slack, user_id=OFFICER)
    home = published_view(slack_api)
    approve = next(b for b in buttons(home) if b["action_id"] == IntakeAction.APPROVE_REQUEST)
    assert approve["value"] == f"{request.id}:home"
    action(slack, user_id=OFFICER, action_id=approve["action_id"], value=approve["value"], view=home)
    refreshed = published_view(slack_api)
    assert len(slack_api.of("views.publish")) == 2
    assert "*Applications to approve*: none" in view_text(refreshed)
    db.expire_all()
    assert db.scalar(select(Organisation.status)) == OrganisationStatus.APPROVED
    assert db.scalar(select(func.count()).select_from(Service)) == 2


def test_notice_button_turns_into_the_join_form(slack, slack_api, db):
    from handlers.ids import Shortcut
    from tests.intake_support import message_shortcut

    message_shortcut(
        slack, user_id=APPLICANT, callback_id=Shortcut.RAISE_ISSUE, text="hi", channel="C1", ts="1.2"
    )
    notice = opened_view(slack_api)
    [join] = buttons(notice)
    action(
        slack,
        user_id=APPLICANT,
        action_id=join["action_id"],
        view={**notice, "id": "V0NOTICE", "type": "modal"},
    )
    [update] = slack_api.of("views.update")
    assert update["view_id"] == "V0NOTICE"
    assert update["view"]["callback_id"] == IntakeCallback.JOIN


def test_add_another_service_keeps_what_was_typed_and_stops_at_the_cap(slack, slack_api, db):
    slack.command("join", user_id=APPLICANT)
    view = opened_view(slack_api)
    typed = {"name": "Wallasey Play", "service_1_name": "Stay and play", "service_1_category": "play"}
    view = _add_service(slack, slack_api, view, user=APPLICANT, typed=typed)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["service_1_name"]["element"]["initial_value"] == "Stay and play"
    assert blocks["service_1_category"]["element"]["initial_option"]["value"] == "play"
    assert blocks["name"]["element"]["initial_value"] == "Wallasey Play"
    assert "service_2_name" in blocks and "initial_value" not in blocks["service_2_name"]["element"]
    for _ in range(MAX_SERVICES_PER_FORM + 2):  # pressing past the cap adds nothing more
        if "add_service" not in {b.get("block_id") for b in view["blocks"]}:
            break
        view = _add_service(slack, slack_api, view, user=APPLICANT)
    names = [b for b in view["blocks"] if b.get("block_id", "").endswith("_name") and b["block_id"] != "name"]
    assert len(names) == MAX_SERVICES_PER_FORM
    assert f"the most one form takes ({MAX_SERVICES_PER_FORM})" in view_text(view)
    assert_view_within_limits(view)


@pytest.mark.parametrize("approve", [True, False])
def test_the_decision_itself_tells_the_applicant_once_in_its_transaction(
    slack, slack_api, db, session_factory, officer, approve
):
    """The listener makes one domain call: deciding queues the applicant's message with the decision,
    so a decision rolled back tells no one and a replayed one tells no one twice."""
    from handlers.escalation_views import RENDERER as CARDS
    from handlers.intake_views import RENDERER
    from intake.joining import approve_and_route_held, decide_request
    from models.base import utcnow
    from models.outbox import OutboxMessage

    receipt_of(_register(slack, slack_api))
    request_id = db.scalar(select(JoinRequest.id))

    def decide():
        if approve:
            return approve_and_route_held(
                db, request_id=request_id, officer=OFFICER, now=utcnow(), render=CARDS, tell=RENDERER
            )
        return decide_request(
            db, request_id=request_id, officer=OFFICER, approve=False, reason="No.", tell=RENDERER
        )

    def told() -> list[OutboxMessage]:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith("join-decision:"))))

    assert decide().changed and [row.payload["user"] for row in told()] == [APPLICANT]
    db.rollback()
    assert told() == [], "rolled back with the decision"
    assert decide().changed and not decide().changed
    db.commit()
    assert len(told()) == 1
