"""Surveys end to end through Slack's wire format: create from the modal and from a file, send to an audience
filtered by service category, answer (one page and several, named, anonymous, one per organisation),
remind exactly the non-respondents, close, and the results the page, the CSV and the report share."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handlers.ids import SurveyAction, SurveyCallback
from handlers.survey_views import RENDERER
from models import OutboxMessage, Survey, SurveyRecipient, SurveyResponse, SurveyState
from models.base import frozen_clock
from reporting.surveys import survey_results
from surveys import answers, lifecycle, reminders
from surveys.definition import check_definition
from tests import factories
from tests.intake_support import (
    action,
    assert_view_within_limits,
    buttons,
    deliver,
    dms_to,
    errors_of,
    input_blocks,
    opened_view,
    receipt_of,
    submission,
    submit,
    view_text,
)

OFFICER = "U0OFFICER1"
CARERS = ("U0CARER001", "U0CARER002")
FAMILY = ("U0FAMILY01",)
YOUTH = ("U0YOUTH001",)
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def network(db):
    factories.officer(db, OFFICER)
    carers = factories.organisation(db, "Seacombe Young Carers", members=CARERS)
    factories.service(db, carers, "Young carers group", category="young carers")
    family = factories.organisation(db, "Wallasey Family Support", members=FAMILY)
    factories.service(db, family, "Family mentoring", category="Young Carers ")
    youth = factories.organisation(db, "Birkenhead Youth Club", members=YOUTH)
    factories.service(db, youth, "Youth club", category="youth work")
    db.commit()
    return {"carers": carers.id, "family": family.id, "youth": youth.id}


def questions_box(*lines: str) -> str:
    return "\n".join(lines)


def submit_form(slack, view: dict, *, user_id: str, values: dict):
    """`intake_support.submit`, plus the multi-selects and the date picker the survey form has."""
    own = {}
    for block_id, block in input_blocks(view).items():
        element = block["element"]
        if element["type"] == "multi_static_select":
            chosen = [o for o in element["options"] if o["value"] in values.get(block_id, [])]
            own[block_id] = {element["action_id"]: {"type": element["type"], "selected_options": chosen}}
        elif element["type"] == "datepicker":
            own[block_id] = {
                element["action_id"]: {"type": "datepicker", "selected_date": values.get(block_id)}
            }
    plain = {k: v for k, v in values.items() if k not in own}
    shown = {**view, "blocks": [b for b in view["blocks"] if b.get("block_id") not in own]}
    payload = submission(shown, user_id=user_id, values=plain)
    payload["view"]["state"]["values"].update(own)
    payload["view"]["blocks"] = view["blocks"]
    return slack.interact(payload)


def create_from_modal(slack, slack_api, values: dict):
    slack.command("survey", user_id=OFFICER)
    view = opened_view(slack_api)
    assert view["callback_id"] == SurveyCallback.CREATE
    assert_view_within_limits(view)
    return submit_form(slack, view, user_id=OFFICER, values=values)


GOOD = {
    "title": "Have your say <!channel>",
    "questions": questions_box(
        "rating: How useful is the bulletin?",
        "single: How often do you attend? | Always | Sometimes | Never",
        "multiple: Which boards? | Children's Trust Board | Early Help",
        "short: Longest wait? (optional)",
        "long: What should change?",
    ),
    "audience": "categories",
    "categories": ["young carers"],
    "closes": "2026-12-18",
}


def test_create_from_the_modal_shows_the_count_then_sends_to_the_category(slack, slack_api, db, network):
    with frozen_clock(NOW):
        receipt = receipt_of(create_from_modal(slack, slack_api, GOOD))
        # The confirmation names how many it reaches before anything is sent to them.
        assert receipt["callback_id"] == SurveyCallback.CONFIRM
        assert "3 people in 2 organisations serving young carers" in view_text(receipt)
        survey = db.scalar(select(Survey))
        assert survey.state is SurveyState.DRAFT
        assert db.scalar(select(func.count()).select_from(SurveyRecipient)) == 0
        sent = receipt_of(submit(slack, receipt, user_id=OFFICER, values={}))
        assert "Sent" in view_text(sent) and "3 people" in view_text(sent)
        # Confirming twice (a retry) sends nothing more.
        submit(slack, receipt, user_id=OFFICER, values={})
    db.expire_all()
    recipients = set(db.scalars(select(SurveyRecipient.slack_user_id)))
    assert recipients == {*CARERS, *FAMILY}
    invites = db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("survey:%:invite:%"))).all()
    assert sorted(invites) == sorted(f"survey:{survey.id}:invite:{u}" for u in (*CARERS, *FAMILY))
    body = json.dumps(db.scalar(select(OutboxMessage.payload).where(OutboxMessage.key == invites[0])))
    assert "&lt;!channel&gt;" in body and "<!channel>" not in body


def test_the_modal_refuses_bad_input_inline_and_stores_nothing(slack, slack_api, db, network):
    with frozen_clock(NOW):
        errors = errors_of(create_from_modal(slack, slack_api, {**GOOD, "questions": ""}))
        assert "questions" in errors
        errors = errors_of(create_from_modal(slack, slack_api, {**GOOD, "closes": "2026-12-01"}))
        assert "has passed" in errors["closes"]
        errors = errors_of(
            create_from_modal(slack, slack_api, {**GOOD, "categories": ["youth work"], "ages": "0-1"})
        )
        assert "Nobody" in errors["audience"]
        errors = errors_of(
            create_from_modal(slack, slack_api, {**GOOD, "questions": "single: Only one choice | Yes"})
        )
        assert "Question 1" in errors["questions"] and "2 to 10 options" in errors["questions"]
        errors = errors_of(create_from_modal(slack, slack_api, {**GOOD, "questions": "poll: What?"}))
        assert "Line 1" in errors["questions"]
        errors = errors_of(create_from_modal(slack, slack_api, {**GOOD, "questions": "short: " + "x" * 300}))
        assert "250" in errors["questions"]
        # A member who is not the officer cannot open the form.
        response = slack.command("survey", user_id=CARERS[0])
        assert "Only the development officer" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Survey)) == 0


def open_survey(db, definition: dict, now=NOW) -> Survey:
    parsed, problems = check_definition(definition, now=now)
    assert not problems, problems
    survey = lifecycle.create_survey(db, parsed, officer=OFFICER, now=now, render=RENDERER)
    lifecycle.open_survey(db, survey.id, officer=OFFICER, now=now, render=RENDERER)
    db.commit()
    return survey


def definition(**changes) -> dict:
    base = {
        "title": "Have your say",
        "closes": "2026-12-18",
        "audience": {"everyone": True},
        "reminders": [3, 1],
        "questions": [
            {"kind": "rating", "text": "How useful is the bulletin?"},
            {"kind": "single", "text": "Attend?", "options": ["Always", "Never"]},
            {"kind": "multiple", "text": "Boards?", "options": ["CTB", "Early Help", "SEND"]},
            {"kind": "long", "text": "What should change?", "required": False},
        ],
    }
    return {**base, **changes}


def press_answer(slack, slack_api, user: str, survey_id: int) -> dict:
    before = len(slack_api.of("views.open"))
    action(slack, user_id=user, action_id=SurveyAction.ANSWER, value=str(survey_id))
    assert len(slack_api.of("views.open")) == before + 1, "no answer modal opened"
    view = opened_view(slack_api)
    assert_view_within_limits(view)
    return view


ANSWERS = {"q1": "4", "q2": "0", "q3": ["0", "2"], "q4": "More <@U0OTHER> meetings & fewer forms"}


def test_named_answer_one_page_replaces_before_the_close_and_retries_store_once(
    slack, slack_api, db, network
):
    with frozen_clock(NOW):
        survey = open_survey(db, definition())
        view = press_answer(slack, slack_api, CARERS[0], survey.id)
        assert len(input_blocks(view)) == 4
        first = receipt_of(submit(slack, view, user_id=CARERS[0], values=ANSWERS, view_id="V1"))
        assert "is in" in view_text(first)
        submit(slack, view, user_id=CARERS[0], values=ANSWERS, view_id="V1")  # Slack's retry
        db.expire_all()
        row = db.scalar(select(SurveyResponse))
        assert row.answers == {"q1": 4, "q2": "Always", "q3": ["CTB", "SEND"], "q4": ANSWERS["q4"]}
        assert row.revision == 1 and row.slack_user_id == CARERS[0]
        # Answering again opens on the earlier answer and replaces it.
        again = press_answer(slack, slack_api, CARERS[0], survey.id)
        assert input_blocks(again)["q1"]["element"]["initial_option"]["value"] == "4"
        replaced = receipt_of(submit(slack, again, user_id=CARERS[0], values={**ANSWERS, "q1": "2"}))
        assert "replaces" in view_text(replaced)
        db.expire_all()
        assert db.scalar(select(func.count()).select_from(SurveyResponse)) == 1
        assert db.scalar(select(SurveyResponse)).answers["q1"] == 2
        # A rating out of range (a crafted request) is refused inline and nothing changes.
        errors = errors_of(submit(slack, again, user_id=CARERS[0], values={**ANSWERS, "q1": "9"}))
        assert errors == {"q1": "Choose a rating from 1 to 5."}
        # Text over the limit is refused on its field.
        errors = errors_of(submit(slack, again, user_id=CARERS[0], values={**ANSWERS, "q4": "x" * 2001}))
        assert "2000" in errors["q4"]
        # Someone outside the audience: refused in one sentence, nothing stored.
        stranger = submit(slack, again, user_id="U0STRANGER", values=ANSWERS)
        assert "not in it" in json.dumps(errors_of(stranger))
        db.expire_all()
        assert db.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    # Closed: a polite refusal, nothing stored.
    with frozen_clock(NOW + timedelta(days=1)):
        lifecycle.close_survey(db, survey.id, now=NOW + timedelta(days=1), render=RENDERER)
        db.commit()
        late = errors_of(submit(slack, again, user_id=CARERS[1], values=ANSWERS))
        assert "closed" in json.dumps(late) and "nothing was saved" in json.dumps(late)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_several_pages_keep_earlier_answers(slack, slack_api, db, network):
    questions = [{"kind": "rating", "text": f"Question {n}?"} for n in range(1, 16)]
    with frozen_clock(NOW):
        survey = open_survey(db, definition(questions=questions))
        page1 = press_answer(slack, slack_api, YOUTH[0], survey.id)
        assert len(input_blocks(page1)) == 10 and page1["title"]["text"].endswith("1/2")
        response = submit(slack, page1, user_id=YOUTH[0], values={f"q{n}": "3" for n in range(1, 11)})
        body = response.get_json()
        assert body["response_action"] == "push"
        page2 = body["view"]
        assert_view_within_limits(page2)
        assert set(input_blocks(page2)) == {f"q{n}" for n in range(11, 16)}
        # A mistake on page 2 is shown on page 2; page 1's answers wait.
        errors = errors_of(submit(slack, page2, user_id=YOUTH[0], values={"q11": "7"}))
        assert "q11" in errors
        done = receipt_of(
            submit(slack, page2, user_id=YOUTH[0], values={f"q{n}": "5" for n in range(11, 16)})
        )
        assert done.get("clear_on_close") is True
    db.expire_all()
    answers = db.scalar(select(SurveyResponse)).answers
    assert answers == {**{f"q{n}": 3 for n in range(1, 11)}, **{f"q{n}": 5 for n in range(11, 16)}}
    assert db.scalar(select(func.count()).select_from(SurveyRecipient).where(SurveyRecipient.answered)) == 1


def test_anonymous_answers_link_to_no_one(slack, slack_api, db, network):
    with frozen_clock(NOW):
        survey = open_survey(db, definition(anonymous=True))
        for user in (*CARERS, *FAMILY):
            view = press_answer(slack, slack_api, user, survey.id)
            submit(slack, view, user_id=user, values=ANSWERS)
            submit(slack, view, user_id=user, values=ANSWERS)  # a double submit stores once
        # A second answer is refused (nothing links the first to them to replace it).
        action(slack, user_id=CARERS[0], action_id=SurveyAction.ANSWER, value=str(survey.id))
    db.expire_all()
    rows = db.scalars(select(SurveyResponse)).all()
    assert len(rows) == 3
    for row in rows:
        assert row.slack_user_id is None and row.organisation_id is None and row.for_organisation_id is None
        assert row.submitted_at is None
        text = json.dumps(row.answers)
        assert not any(user in text for user in (*CARERS, *FAMILY, *YOUTH))
    # No message marks the moment anyone answered an anonymous survey.
    receipts = db.scalars(
        select(OutboxMessage.key).where(OutboxMessage.key.like(f"survey:{survey.id}:receipt%"))
    )
    assert list(receipts) == []
    marks = db.execute(select(SurveyRecipient.slack_user_id, SurveyRecipient.answered)).all()
    assert {user for user, answered in marks if answered} == {*CARERS, *FAMILY}
    # Fewer than 5 answers: no per-question results are shown.
    results = survey_results(db, survey.id)
    assert results.withheld and results.questions == [] and results.respondents == []


def test_one_answer_per_organisation(slack, slack_api, db, network):
    with frozen_clock(NOW):
        survey = open_survey(db, definition(one_answer_per_organisation=True))
        view = press_answer(slack, slack_api, CARERS[0], survey.id)
        assert "Seacombe Young Carers" in view_text(view)
        receipt_of(submit(slack, view, user_id=CARERS[0], values=ANSWERS))
        db.expire_all()
        # The colleague is told it is done, and sees who answered when they open it.
        done = db.scalar(
            select(OutboxMessage).where(OutboxMessage.key == f"survey:{survey.id}:done:{CARERS[1]}")
        )
        assert done is not None and "Seacombe Young Carers" in json.dumps(done.payload)
        colleague = press_answer(slack, slack_api, CARERS[1], survey.id)
        assert "already answered" in view_text(colleague)
        receipt_of(submit(slack, colleague, user_id=CARERS[1], values={**ANSWERS, "q1": "1"}))
    db.expire_all()
    rows = db.scalars(select(SurveyResponse)).all()
    assert len(rows) == 1 and rows[0].answers["q1"] == 1 and rows[0].for_organisation_id == network["carers"]
    results = survey_results(db, survey.id)
    assert (results.organisations.answered, results.organisations.reached) == (1, 3)
    assert (results.people.answered, results.people.reached) == (2, 4)


def test_reminders_go_to_exactly_the_non_respondents_in_working_hours(slack, slack_api, db, network):
    with frozen_clock(NOW):
        survey = open_survey(db, definition())
        view = press_answer(slack, slack_api, CARERS[0], survey.id)
        submit(slack, view, user_id=CARERS[0], values=ANSWERS)
    # 3 working days before Friday 18 December is Tuesday 15th, from 9:00.
    before = datetime(2026, 12, 15, 8, 30, tzinfo=UTC)
    assert reminders.send_reminders(db, now=before, render=RENDERER) == 0
    due = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)
    assert reminders.send_reminders(db, now=due, render=RENDERER) == 3
    assert reminders.send_reminders(db, now=due + timedelta(hours=1), render=RENDERER) == 0  # once
    db.commit()
    keys = set(db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("survey:%:reminder:%"))))
    assert keys == {f"survey:{survey.id}:reminder:1:{u}" for u in (CARERS[1], *FAMILY, *YOUTH)}
    # Saturday: out of working hours, nothing; the last reminder on Thursday 17th.
    assert reminders.send_reminders(db, now=datetime(2026, 12, 12, 10, 0, tzinfo=UTC), render=RENDERER) == 0
    assert reminders.send_reminders(db, now=datetime(2026, 12, 17, 9, 5, tzinfo=UTC), render=RENDERER) == 3


def test_a_member_who_left_is_not_reminded(slack, slack_api, db, network):
    from handlers.intake_views import RENDERER as INTAKE
    from models import Member
    from models.leavers import remove_member, use_leaver_home

    use_leaver_home(INTAKE)
    with frozen_clock(NOW):
        survey = open_survey(db, definition())
    gone = db.scalar(select(Member).where(Member.slack_user_id == FAMILY[0]))
    remove_member(db, gone, actor=OFFICER, why="left the charity")
    db.commit()
    assert reminders.send_reminders(db, now=datetime(2026, 12, 15, 9, 30, tzinfo=UTC), render=RENDERER) == 3
    keys = set(db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("survey:%:reminder:%"))))
    assert keys == {f"survey:{survey.id}:reminder:1:{u}" for u in (*CARERS, *YOUTH)}


def test_results_compare_with_the_2016_baseline():
    from reporting.surveys import Rate, compare_with_baseline

    baseline = compare_with_baseline(Rate(54, 200)).baseline
    assert (round(baseline.interval.low, 3), round(baseline.interval.high, 3)) == (0.213, 0.335)
    assert compare_with_baseline(Rate(60, 100)).verdict == "above the 2016 baseline"
    assert compare_with_baseline(Rate(30, 100)).verdict == "in line with the 2016 baseline"
    assert compare_with_baseline(Rate(5, 100)).verdict == "below the 2016 baseline"


def test_delivered_dm_has_an_answer_button(slack, slack_api, db, network, session_factory):
    with frozen_clock(NOW):
        open_survey(db, definition())
    deliver(session_factory, slack_api)
    dms = dms_to(slack_api, FAMILY[0])
    assert len(dms) == 1
    assert [b["action_id"] for b in buttons(dms[0]["blocks"])] == [SurveyAction.ANSWER]


def test_export_and_erase_cover_survey_rows_and_keep_the_rates(db, network):
    from models import Organisation
    from privacy.erase import erase_organisation
    from privacy.export import export_organisation

    with frozen_clock(NOW):
        survey = open_survey(db, definition())
        raw = {"q1": 3, "q2": "Always", "q3": ["CTB"], "q4": "Canary-7f3a in our words"}
        for user in CARERS:
            answers.submit(db, survey.id, user=user, raw=raw, now=NOW, render=RENDERER)
        db.commit()
    before = survey_results(db, survey.id)
    carers = db.get(Organisation, network["carers"])
    exported = json.dumps(export_organisation(db, carers), default=str)
    assert "Canary-7f3a" in exported and CARERS[1] in exported
    erase_organisation(db, carers, actor=OFFICER)
    db.commit()
    db.expire_all()
    for row in db.scalars(select(SurveyResponse)):
        assert row.slack_user_id is None and "Canary-7f3a" not in json.dumps(row.answers)
    assert not set(db.scalars(select(SurveyRecipient.slack_user_id))) & set(CARERS)
    after = survey_results(db, survey.id)
    assert (after.people, after.organisations) == (before.people, before.organisations)


def test_preview_to_the_officer_alone_then_send_from_the_draft_note(slack, slack_api, db, network):
    from tests.intake_support import home_opened, published_view

    with frozen_clock(NOW):
        confirm = receipt_of(create_from_modal(slack, slack_api, {**GOOD, "categories": ["youth work"]}))
        survey_id = json.loads(confirm["private_metadata"])["survey"]
        note = db.scalar(
            select(OutboxMessage).where(OutboxMessage.key == f"survey:{survey_id}:draft:{OFFICER}")
        )
        actions = [b["action_id"] for b in buttons(note.payload["blocks"])]
        assert actions == [SurveyAction.PREVIEW, SurveyAction.OPEN]
        # A member cannot preview or send it.
        action(slack, user_id=YOUTH[0], action_id=SurveyAction.OPEN, value=str(survey_id))
        action(slack, user_id=YOUTH[0], action_id=SurveyAction.PREVIEW, value=str(survey_id))
        db.expire_all()
        assert db.scalar(select(func.count()).select_from(SurveyRecipient)) == 0
        # The preview: exactly the invitation, to the officer only; answering it is refused (not sent yet).
        action(slack, user_id=OFFICER, action_id=SurveyAction.PREVIEW, value=str(survey_id))
        db.expire_all()
        previews = db.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.like("survey:%:preview:%"))
        ).all()
        assert previews == [f"survey:{survey_id}:preview:{OFFICER}"]
        assert db.scalar(select(func.count()).select_from(SurveyRecipient)) == 0
        action(slack, user_id=OFFICER, action_id=SurveyAction.OPEN, value=str(survey_id))
        db.expire_all()
        assert set(db.scalars(select(SurveyRecipient.slack_user_id))) == set(YOUTH)
        # Home: the member sees it waiting with Answer; the officer sees the live response rate.
        home_opened(slack, user_id=YOUTH[0])
        home = published_view(slack_api)
        assert_view_within_limits(home)
        assert SurveyAction.ANSWER in [b["action_id"] for b in buttons(home)]
        assert "waiting for your answer" in view_text(home)
        view = press_answer(slack, slack_api, YOUTH[0], survey_id)
        submit(slack, view, user_id=YOUTH[0], values={"q1": "5", "q2": "1", "q3": ["0"], "q5": "Fine"})
        home_opened(slack, user_id=YOUTH[0])
        assert "answered" in view_text(published_view(slack_api))
        home_opened(slack, user_id=OFFICER)
        officer_home = view_text(published_view(slack_api))
        assert "1 of 1 people (100%), 1 of 1 organisations (100%)" in officer_home


def test_anonymous_one_per_organisation_takes_one_answer_per_organisation(slack, slack_api, db, network):
    with frozen_clock(NOW):
        survey = open_survey(db, definition(anonymous=True, one_answer_per_organisation=True))
        view = press_answer(slack, slack_api, CARERS[0], survey.id)
        receipt_of(submit(slack, view, user_id=CARERS[0], values=ANSWERS))
        # The colleague is refused politely (already answered for the organisation) and nothing is added.
        colleague = submit(slack, view, user_id=CARERS[1], values=ANSWERS)
        assert "already in" in view_text(receipt_of(colleague))
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    marks = dict(db.execute(select(SurveyRecipient.slack_user_id, SurveyRecipient.answered)).tuples().all())
    assert marks[CARERS[0]] and marks[CARERS[1]] and not marks[FAMILY[0]]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answering=st.lists(st.sampled_from((*CARERS, *FAMILY, *YOUTH)), unique=True, min_size=1),
    text=st.text(alphabet="abcdefghij <>&", min_size=12, max_size=40),
    per_organisation=st.booleans(),
)
def test_no_row_links_an_anonymous_answer_to_anyone(db, network, answering, text, per_organisation):
    """Whatever answers, nothing stored outside the answer row holds its words, nothing points at it,
    and the answer row names no person, organisation or time."""
    from sqlalchemy import JSON, String, Text

    from models import Base

    marker = f"MARK{abs(hash(text)) % 10**8:08d} {text}"
    with frozen_clock(NOW):
        survey = open_survey(db, definition(anonymous=True, one_answer_per_organisation=per_organisation))
        for user in answering:
            raw = {"q1": 4, "q2": "Never", "q3": ["SEND"], "q4": marker}
            answers.submit(
                db, survey.id, user=user, raw=raw, now=NOW, render=RENDERER
            )  # a colleague's: stored once
            db.commit()
    db.expire_all()
    rows = db.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)).all()
    assert rows and all(
        r.slack_user_id is None and r.organisation_id is None and r.for_organisation_id is None for r in rows
    )
    assert all(r.submitted_at is None for r in rows)
    for table in Base.metadata.sorted_tables:
        assert not any(fk.column.table.name == "survey_responses" for fk in table.foreign_keys), table.name
        if table.name == "survey_responses":
            continue
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        for row in db.execute(select(*columns)) if columns else []:
            assert not any(marker[:12] in json.dumps(value, default=str) for value in row), table.name


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 30) | st.text(max_size=300) | st.dates().map(str),
    lambda inner: st.lists(inner, max_size=25) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=60,
)
FIELDS = ("title", "introduction", "anonymous", "one_answer_per_organisation", "closes", "reminders")


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            **{name: json_values for name in FIELDS},
            "audience": json_values,
            "questions": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "kind": st.sampled_from(["rating", "single", "multiple", "short", "long", "poll"]),
                        "text": json_values,
                        "options": json_values,
                        "required": json_values,
                    },
                ),
                max_size=25,
            ),
        },
    )
)
def test_any_definition_is_accepted_whole_or_refused_with_reasons(raw):
    from surveys.definition import QUESTIONS_MAX

    parsed, problems = check_definition(raw, now=NOW)
    assert (parsed is None) == bool(problems)
    assert all(isinstance(message, str) and message for _, message in problems)
    if parsed is not None:
        assert 1 <= len(parsed.questions) <= QUESTIONS_MAX and parsed.closes_at > NOW


def test_the_longest_survey_fits_slack_s_view_stack_and_block_limits():
    from handlers.survey_views import answer_modal, pages_of
    from surveys.definition import QUESTIONS_MAX, Question

    questions = [Question(f"q{n}", "long", "Why? " * 50) for n in range(1, QUESTIONS_MAX + 1)]
    pages = pages_of(questions)
    assert len(pages) <= 2  # Slack stacks at most 3 views; the receipt replaces the last
    for number, page in enumerate(pages, start=1):
        view = answer_modal(
            survey_id=1,
            title="A very long survey title indeed, longer than a modal's",
            introduction="x" * 2000,
            page=page,
            number=number,
            pages=len(pages),
            earlier={},
            token="t",
        )
        assert_view_within_limits(view)
        assert len(view["title"]["text"]) <= 24


@pytest.mark.parametrize("anonymous", [True, False])
def test_two_submissions_at_once_store_one_answer(session_factory, anonymous):
    """A double click reaching two workers at the same moment: one answer row, one mark."""
    import threading

    with session_factory() as db:
        factories.officer(db, OFFICER)
        org = factories.organisation(db, "Seacombe Young Carers", members=CARERS)
        factories.service(db, org, "Young carers group", category="young carers")
        db.commit()
        with frozen_clock(NOW):
            survey_id = open_survey(db, definition(anonymous=anonymous)).id
    barrier = threading.Barrier(2)
    errors = []

    def answer() -> None:
        try:
            with session_factory() as db:
                barrier.wait()
                answers.submit(db, survey_id, user=CARERS[0], raw=ANSWERS_RAW, now=NOW, render=RENDERER)
                db.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    with session_factory() as db:
        assert db.scalar(select(func.count()).select_from(SurveyResponse)) == 1
        marks = db.scalars(select(SurveyRecipient.answered).where(SurveyRecipient.slack_user_id == CARERS[0]))
        assert list(marks) == [True]


ANSWERS_RAW = {"q1": 4, "q2": "Always", "q3": ["CTB"], "q4": "Both at once"}
