"""Waiting-list returns end to end: the form, one per service and month, history, and reminders."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.jobs import JOBS
from bot.reminders import send_return_reminders
from handlers.ids import IntakeAction, IntakeCallback
from models import AuditLog, Network, OrganisationStatus, ReturnReminder, WaitingListReturn
from models.returns import CapacityStatus, last_complete_month, london_today, period_label, period_value
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
    submit,
    suggestion,
    view_text,
)

MEMBER = "U0MEMBER01"
GOOD = {
    "number_waiting": "14",
    "new_referrals": "6",
    "median_wait_weeks": "5",
    "longest_wait_weeks": "19",
    "capacity_status": "waitlist_only",
    "notes": "Two staff vacancies since January.",
}


@pytest.fixture
def services(db):
    org = factories.organisation(db, "Wallasey Family Support", members=(MEMBER,))
    other = factories.organisation(db, "Another Org", members=("U0OTHER001",))
    found = {
        "counselling": factories.service(db, org, "Children's counselling", category="mental health"),
        "parenting": factories.service(db, org, "Parenting programme", category="family support"),
        "foreign": factories.service(db, other, "Someone else's service"),
    }
    db.commit()
    return found


def _rows(db) -> int:
    return db.scalar(select(func.count()).select_from(WaitingListReturn))


def _send(slack, slack_api, service, values=None, *, view_id=None, **kwargs):
    slack.command("waiting", user_id=MEMBER)
    return submit(
        slack,
        opened_view(slack_api),
        user_id=MEMBER,
        values={"service": str(service.id), **(GOOD if values is None else values)},
        view_id=view_id,
        **kwargs,
    )


def test_waiting_opens_the_form_for_the_organisations_services(slack, slack_api, db, services):
    slack.command("waiting", user_id=MEMBER)
    view = opened_view(slack_api)
    assert view["callback_id"] == IntakeCallback.WAITING_RETURN
    assert_view_within_limits(view)
    fields = input_blocks(view)
    assert [o["text"]["text"] for o in fields["service"]["element"]["options"]] == [
        "Children's counselling",
        "Parenting programme",
    ]
    default = last_complete_month(london_today())
    period = fields["period"]["element"]
    assert period["initial_option"] == {
        "text": {"type": "plain_text", "text": period_label(default)},
        "value": period_value(default),
    }
    assert len(period["options"]) == 24
    assert fields["median_wait_weeks"]["element"]["max_value"] == "520"


def test_a_return_is_stored_and_acknowledged(slack, slack_api, db, session_factory, services):
    receipt = receipt_of(_send(slack, slack_api, services["counselling"]))
    row = db.scalar(select(WaitingListReturn))
    assert (row.number_waiting, row.new_referrals, row.median_wait_weeks, row.longest_wait_weeks) == (
        14,
        6,
        5,
        19,
    )
    assert row.capacity_status == CapacityStatus.WAITLIST_ONLY
    assert row.period == last_complete_month(london_today())
    assert row.revision == 1
    text = view_text(receipt)
    assert row.reference in text and "Children's counselling" in text and "14 waiting" in text
    assert (
        db.scalar(select(AuditLog.action).where(AuditLog.entity_id == row.reference))
        == "waiting_return.recorded"
    )
    deliver(session_factory, slack_api)
    assert row.reference in dms_to(slack_api, MEMBER)[0]["text"]


def test_sending_the_same_month_again_updates_it_and_keeps_the_history(slack, slack_api, db, services):
    receipt_of(_send(slack, slack_api, services["counselling"]))
    receipt = receipt_of(
        _send(slack, slack_api, services["counselling"], {**GOOD, "number_waiting": "9", "notes": None})
    )
    assert "replaces the earlier return" in view_text(receipt)
    db.expire_all()
    [row] = db.scalars(select(WaitingListReturn)).all()
    assert (row.number_waiting, row.notes, row.revision) == (9, None, 2)
    update = db.scalar(select(AuditLog).where(AuditLog.action == "waiting_return.updated"))
    assert update.before["number_waiting"] == 14
    assert update.before["notes"] == "Two staff vacancies since January."
    assert update.after["number_waiting"] == 9


def test_a_different_month_is_a_separate_return(slack, slack_api, db, services):
    earlier = last_complete_month(last_complete_month(london_today()))
    receipt_of(_send(slack, slack_api, services["counselling"]))
    receipt_of(_send(slack, slack_api, services["counselling"], {**GOOD, "period": period_value(earlier)}))
    assert _rows(db) == 2


def test_a_double_submitted_return_is_stored_once(slack, slack_api, db, services):
    slack.command("waiting", user_id=MEMBER)
    view = opened_view(slack_api)
    values = {"service": str(services["parenting"].id), **GOOD}
    for retry in ("", "1", "2"):
        headers = {"X-Slack-Retry-Num": retry} if retry else None
        receipt_of(submit(slack, view, user_id=MEMBER, values=values, view_id="V0RETURN2X", headers=headers))
    db.expire_all()
    [row] = db.scalars(select(WaitingListReturn)).all()
    assert row.revision == 1
    assert (
        db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "waiting_list_return"))
        == 1
    )


def _next_month() -> str:
    today = london_today()
    return f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"number_waiting": "twelve"}, "number_waiting", "as a whole number"),
        ({"number_waiting": "-3"}, "number_waiting", "cannot be negative"),
        ({"new_referrals": "2.5"}, "new_referrals", "as a whole number"),
        ({"new_referrals": None}, "new_referrals", "Enter the new referrals"),
        (
            {"median_wait_weeks": "20", "longest_wait_weeks": "10"},
            "median_wait_weeks",
            "cannot be longer than the longest",
        ),
        ({"longest_wait_weeks": "521"}, "longest_wait_weeks", "more than 520"),
        ({"median_wait_weeks": "600", "longest_wait_weeks": "700"}, "median_wait_weeks", "more than 520"),
        ({"period": "NEXT"}, "period", "has not started yet"),
        ({"period": "last month"}, "period", "Choose the month"),
        ({"period": "1999-12"}, "period", "too far back"),
        ({"capacity_status": None}, "capacity_status", "Choose the capacity status"),
        ({"capacity_status": "plenty"}, "capacity_status", "from the list"),
        ({"notes": "n" * 1001}, "notes", "1000 characters"),
    ],
)
def test_bad_returns_are_refused_on_their_field(slack, slack_api, db, services, changes, field, message):
    if changes.get("period") == "NEXT":
        changes = {**changes, "period": _next_month()}
    errors = errors_of(_send(slack, slack_api, services["counselling"], {**GOOD, **changes}))
    assert message in errors[field], errors
    assert _rows(db) == 0


def test_every_bad_number_is_reported_at_once(slack, slack_api, db, services):
    values = {**GOOD, "number_waiting": "x", "new_referrals": "-1", "longest_wait_weeks": "999"}
    errors = errors_of(_send(slack, slack_api, services["counselling"], values))
    assert set(errors) == {"number_waiting", "new_referrals", "longest_wait_weeks"}


def test_a_service_of_another_organisation_is_refused(slack, slack_api, db, services):
    errors = errors_of(_send(slack, slack_api, services["foreign"]))
    assert "belongs to another organisation" in errors["service"]
    errors = errors_of(_send(slack, slack_api, services["counselling"], {**GOOD, "service": "999999"}))
    assert "Choose one of your organisation's services" in errors["service"]
    assert _rows(db) == 0


def test_an_organisation_without_services_is_told_so(slack, slack_api, db):
    factories.organisation(db, "No Services Yet", members=("U0NOSERV01",))
    db.commit()
    text = slack.command("waiting", user_id="U0NOSERV01").get_json()["text"]
    assert "no services registered yet" in text
    assert not slack_api.of("views.open")


def test_someone_not_registered_is_guided_to_join(slack, slack_api, db):
    assert "/linkedup join" in slack.command("waiting", user_id="U0STRANGER").get_json()["text"]


def test_sixty_services_fit_a_static_select(slack, slack_api, db):
    org = factories.organisation(db, "Big Org", members=(MEMBER,))
    for n in range(60):
        factories.service(
            db, org, f"Service number {n:02d} with a rather long descriptive name for testing limits"
        )
    db.commit()
    slack.command("waiting", user_id=MEMBER)
    view = opened_view(slack_api)
    assert_view_within_limits(view)
    assert len(input_blocks(view)["service"]["element"]["options"]) == 60


def test_more_than_a_hundred_services_use_a_type_ahead_of_ones_own(slack, slack_api, db, services):
    org = factories.organisation(db, "Huge Org", members=("U0HUGE0001",))
    for n in range(120):
        factories.service(db, org, f"Site {n:03d}")
    db.commit()
    slack.command("waiting", user_id="U0HUGE0001")
    view = opened_view(slack_api)
    assert_view_within_limits(view)
    element = input_blocks(view)["service"]["element"]
    assert element["type"] == "external_select" and element["action_id"] == IntakeAction.PICK_SERVICE
    options = suggestion(
        slack,
        user_id="U0HUGE0001",
        action_id=IntakeAction.PICK_SERVICE,
        query="site 11",
        view=view,
        block_id="service",
    ).get_json()["options"]
    assert [o["text"]["text"] for o in options] == [f"Site {n}" for n in range(110, 120)]
    [site] = [o for o in options if o["text"]["text"] == "Site 115"]
    response = submit(slack, view, user_id="U0HUGE0001", values={**GOOD, "service": site["value"]})
    assert "Site 115" in view_text(receipt_of(response))


# --- reminders -----------------------------------------------------------------------------------

TODAY = date(2026, 3, 5)
PERIOD = date(2026, 2, 1)


@pytest.fixture
def reminder_network(db):
    """A: one of two services missing; B: all sent; C: declined; D: pending, missing; E: no members."""
    a = factories.organisation(db, "A Org", members=("U0AAAAAAA1", "U0AAAAAAA2"))
    b = factories.organisation(db, "B Org", members=("U0BBBBBBB1",))
    c = factories.organisation(db, "C Org", members=("U0CCCCCCC1",), status=OrganisationStatus.DECLINED)
    d = factories.organisation(db, "D Org", members=("U0DDDDDDD1",), status=OrganisationStatus.PENDING)
    e = factories.organisation(db, "E Org", members=())
    a1, _a2 = factories.service(db, a, "A one"), factories.service(db, a, "A two")
    b1 = factories.service(db, b, "B one")
    for org in (c, d, e):
        factories.service(db, org, f"{org.name} service")
    for service in (a1, b1):
        db.add(
            WaitingListReturn(
                reference=f"LU-2026-{service.id:04d}",
                service=service,
                period=PERIOD,
                number_waiting=1,
                new_referrals=1,
                median_wait_weeks=1,
                longest_wait_weeks=2,
                capacity_status=CapacityStatus.HAS_CAPACITY,
                submitted_by="U0SOMEONE1",
            )
        )
    db.commit()


def test_no_reminders_before_the_reminder_day(db, session_factory, reminder_network):
    assert send_return_reminders(session_factory, today=date(2026, 3, 4)) == 0
    assert db.scalar(select(func.count()).select_from(ReturnReminder)) == 0


def test_reminders_go_once_to_members_of_organisations_missing_last_month(
    db, session_factory, slack_api, reminder_network
):
    assert send_return_reminders(session_factory, today=TODAY) == 2
    assert send_return_reminders(session_factory, today=TODAY) == 0, "a second run sends nothing"
    assert send_return_reminders(session_factory, today=date(2026, 3, 20)) == 0, "nor a later day that month"
    recipients = sorted(user for row in db.scalars(select(ReturnReminder)) for user in row.recipients)
    assert recipients == ["U0AAAAAAA1", "U0AAAAAAA2", "U0DDDDDDD1"]

    assert deliver(session_factory, slack_api) == 3
    [message] = dms_to(slack_api, "U0AAAAAAA1")
    assert "February 2026" in message["text"] and "1 service: A two" in message["text"]
    assert [b["action_id"] for b in buttons(message["blocks"])] == [IntakeAction.OPEN_RETURN_FORM]
    assert dms_to(slack_api, "U0BBBBBBB1") == [] and dms_to(slack_api, "U0CCCCCCC1") == []


def test_the_reminder_day_comes_from_the_network_settings(db, session_factory, reminder_network):
    db.add(Network(slug="wirral", name="Wirral", settings={"returns": {"reminder_day": 10}}))
    db.commit()
    assert send_return_reminders(session_factory, today=date(2026, 3, 9)) == 0
    assert send_return_reminders(session_factory, today=date(2026, 3, 10)) == 2


def test_the_reminder_button_opens_the_return_form(slack, slack_api, db, services):
    action(slack, user_id=MEMBER, action_id=IntakeAction.OPEN_RETURN_FORM, channel_id="D0MEMBER01")
    assert opened_view(slack_api)["callback_id"] == IntakeCallback.WAITING_RETURN


def test_the_reminder_job_is_scheduled():
    [job] = [job for job in JOBS if job.id == "remind_missing_returns"]
    module, _, name = job.func.partition(":")
    assert callable(getattr(__import__(module, fromlist=[name]), name))
    assert job.trigger == "cron"


def test_concurrent_returns_for_the_same_month_make_one_row(slack, slack_api, db, services, app, backend):
    """Two colleagues send the same service's month at once from two modals: one row, two versions."""
    import threading

    from tests.intake_support import submission
    from tests.slack_requests import SlackClient

    payloads = []
    for n in range(2):
        slack.command("waiting", user_id=MEMBER)
        values = {"service": str(services["counselling"].id), **GOOD, "number_waiting": str(10 + n)}
        payloads.append(
            submission(opened_view(slack_api), user_id=MEMBER, values=values, view_id=f"V0COLLEAGUE{n}")
        )
    barrier = threading.Barrier(2)
    answers = []

    def send(payload):
        client = SlackClient(app.test_client())
        barrier.wait()
        answers.append(client.interact(payload).get_json())

    threads = [threading.Thread(target=send, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.expire_all()
    rows = db.scalars(select(WaitingListReturn)).all()
    assert len(rows) == 1
    stored = sum(1 for a in answers if a.get("response_action") == "update")
    assert rows[0].revision == stored
    if backend == "postgresql":
        assert stored == 2
