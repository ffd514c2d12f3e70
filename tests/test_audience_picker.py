"""Naming organisations in a notice's or a survey's audience when the network has more than 100.

A Slack select lists 100 options at most, so the forms offered only the first 100 organisations by
name: in a borough network of hundreds, the rest could not be named at all. Past 100 the forms
offer a type-ahead; these tests open the real forms through signed requests, ask for options as
Slack does (`block_suggestion`), and send a notice to an organisation the list never reached.
"""

from __future__ import annotations

import copy
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.ids import AudienceAction, IntakeAction, JoinField, NoticeAction, NoticeField, SurveyField
from models import Organisation
from models.network import OrganisationStatus
from tests import factories
from tests.intake_support import deliver, dms_to, opened_view, receipt_of, suggestion, view_text
from tests.slack_requests import view_submission_payload

OFFICER = "U0OFFICER1"
HUBS = 120  # more than a select lists


@pytest.fixture
def big_network(db):
    factories.officer(db, OFFICER)
    hubs = {}
    for number in range(1, HUBS + 1):
        members = (f"U0HUB{number:05d}",)
        hubs[number] = factories.organisation(db, f"Family Hub {number:03d}", members=members)
    factories.organisation(db, "Family Hub 900 (pending)", members=(), status=OrganisationStatus.PENDING)
    factories.organisation(db, "Family Hub 901 (simulated)", members=(), simulated=True)
    db.commit()
    return hubs


def _block(view: dict, block_id: str) -> dict:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block


def _options(slack, view: dict, block_id: str, typed: str) -> list[dict]:
    answer = suggestion(
        slack,
        user_id=OFFICER,
        action_id=AudienceAction.PICK_ORGANISATIONS,
        query=typed,
        view=view,
        block_id=block_id,
    )
    assert answer.status_code == 200
    return answer.get_json()["options"]


def test_the_notice_form_searches_organisations_past_the_hundredth(
    slack, slack_api, db, session_factory, big_network
):
    slack.command("notice", user_id=OFFICER)
    compose = opened_view(slack_api)
    element = _block(compose, NoticeField.ORGANISATIONS)["element"]
    assert element["type"] == "multi_external_select"
    assert element["action_id"] == AudienceAction.PICK_ORGANISATIONS

    everyone = _options(slack, compose, NoticeField.ORGANISATIONS, "")
    assert len(everyone) == 100
    assert [o["text"]["text"] for o in everyone][:2] == ["Family Hub 001", "Family Hub 002"]
    found = _options(slack, compose, NoticeField.ORGANISATIONS, "HUB 11")
    assert [o["text"]["text"] for o in found] == [f"Family Hub {n}" for n in range(110, 120)]
    assert _options(slack, compose, NoticeField.ORGANISATIONS, "hub 90") == [], (
        "pending, simulated: not offered"
    )

    # Family Hub 119 is past the first 100 by name: the old list could not name it.
    chosen = next(o for o in found if o["text"]["text"] == "Family Hub 119")
    values = {
        NoticeField.KIND: {
            NoticeAction.VALUE: {"type": "static_select", "selected_option": {"value": "general"}}
        },
        NoticeField.TITLE: {NoticeAction.VALUE: {"type": "plain_text_input", "value": "Room bookings"}},
        NoticeField.BODY: {NoticeAction.VALUE: {"type": "plain_text_input", "value": "The hall is free."}},
        NoticeField.ORGANISATIONS: {
            AudienceAction.PICK_ORGANISATIONS: {"type": "multi_external_select", "selected_options": [chosen]}
        },
    }
    confirm = receipt_of(
        slack.interact(
            view_submission_payload(
                user_id=OFFICER,
                callback_id=compose["callback_id"],
                values=values,
                private_metadata=compose.get("private_metadata", ""),
                view_id=f"V{uuid.uuid4().hex[:10].upper()}",
                blocks=copy.deepcopy(compose["blocks"]),
            )
        )
    )
    assert "1 person in 1 organisation" in view_text(confirm)
    receipt_of(
        slack.interact(
            view_submission_payload(
                user_id=OFFICER,
                callback_id=confirm["callback_id"],
                values={},
                private_metadata=confirm.get("private_metadata", ""),
                view_id="V0CONFIRM1",
                blocks=copy.deepcopy(confirm["blocks"]),
            )
        )
    )
    deliver(session_factory, slack_api)
    assert dms_to(slack_api, "U0HUB00119"), "the notice reached the organisation past the hundredth"
    assert not dms_to(slack_api, "U0HUB00001")


def test_the_survey_form_searches_organisations_past_the_hundredth(slack, slack_api, big_network):
    slack.command("survey", user_id=OFFICER)
    create = opened_view(slack_api)
    element = _block(create, SurveyField.ORGANISATIONS)["element"]
    assert element["type"] == "multi_external_select"
    found = _options(slack, create, SurveyField.ORGANISATIONS, "hub 120")
    assert [o["text"]["text"] for o in found] == ["Family Hub 120"]


def test_a_small_network_keeps_the_list(slack, slack_api, db):
    factories.officer(db, OFFICER)
    factories.organisation(db, "Little Steps Nursery", members=("U0NURSE001",))
    db.commit()
    slack.command("notice", user_id=OFFICER)
    element = _block(opened_view(slack_api), NoticeField.ORGANISATIONS)["element"]
    assert element["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in element["options"]] == ["Little Steps Nursery"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=400))
def test_whatever_is_typed_the_options_fit_and_match(slack, slack_api, db, big_network, typed):
    """Any text (wildcards, quotes, 400 characters): an answer Slack accepts, of names that contain it."""
    view = {"type": "modal", "callback_id": "notice_compose", "blocks": []}
    options = _options(slack, view, NoticeField.ORGANISATIONS, typed)
    assert len(options) <= 100
    names = {org.id: org.name for org in db.query(Organisation)}
    for offered in options:
        assert len(offered["text"]["text"]) <= 75
        assert typed.strip().lower() in names[int(offered["value"])].lower()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=300))
def test_the_join_forms_type_ahead_answers_whatever_is_typed(slack, slack_api, db, big_network, typed):
    """The join form's organisation search (the same kind of type-ahead) never fails on what is typed."""
    view = {"type": "modal", "callback_id": "linkedup_join", "blocks": []}
    answer = suggestion(
        slack,
        user_id="U0NEWCOMER",
        action_id=IntakeAction.PICK_ORGANISATION,
        query=typed,
        view=view,
        block_id=JoinField.EXISTING,
    )
    assert answer.status_code == 200
    assert len(answer.get_json()["options"]) <= 100
