"""Sending through Mailchimp end to end: the real client against the local fake, every step persisted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bulletins.compile import compile_bulletin
from bulletins.mailer import MailchimpRejected, MailchimpThrottled, MailchimpUnavailable
from bulletins.send import approve_bulletin, audience, deliver_bulletin, due_deliveries, retry_bulletin
from models import Bulletin, BulletinContact, Organisation
from models.bulletins import BulletinState, ContactStatus
from models.errors import NotAllowed
from tests import factories
from tests.bulletin_support import article, mailer_for, network, quarter_hour_ahead, this_month

pytestmark = pytest.mark.usefixtures("mailchimp_api")


@pytest.fixture
def approved(db):
    """A compiled bulletin for this month, approved by the officer to go now, with three contacts."""
    network(db, reply_to="linkedup@cvsw.org.uk")
    factories.officer(db)
    factories.organisation(db, "Seacombe Young Carers (demo)", contact_email="carers@seacombe.org.uk")
    factories.organisation(
        db, "Birkenhead Youth Club", members=("U0MEMBER02",), contact_email="hello@byc.org.uk"
    )
    factories.organisation(
        db,
        "No Consent Group",
        members=("U0MEMBER03",),
        contact_email="no@consent.org.uk",
        bulletin_consent=False,
    )
    factories.organisation(
        db, "Demo Org", members=("U0MEMBER04",), contact_email="demo@example.org", simulated=True
    )
    article(db, "Youth worker vacancy")
    article(db, "Safeguarding training dates", category="training-and-events")
    compile_bulletin(db, this_month())
    approve_bulletin(db, this_month(), by="U0OFFICER1")
    db.commit()
    return this_month()


def _state(session_factory, month):
    with session_factory() as session:
        return session.scalar(select(Bulletin).where(Bulletin.month == month))


def test_send_now_runs_every_step_once(approved, session_factory, mailchimp_api):
    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)

    assert result.state == BulletinState.SENT
    assert mailchimp_api.count("POST", r"/lists/.*") == 1
    assert mailchimp_api.count("POST", "/campaigns") == 1
    assert mailchimp_api.count("PUT", r"/campaigns/\w+/content") == 1
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1
    assert mailchimp_api.schema_errors == []
    assert set(mailchimp_api.members) == {"carers@seacombe.org.uk", "hello@byc.org.uk"}
    (campaign,) = mailchimp_api.campaign_list()
    assert campaign["status"] == "sent"
    assert campaign["settings"]["reply_to"] == "linkedup@cvsw.org.uk"
    assert "*|UNSUB|*" in campaign["_content"]["html"]
    assert "Youth worker vacancy" in campaign["_content"]["plain_text"]
    bulletin = _state(session_factory, approved)
    assert bulletin.campaign_id == campaign["id"]
    assert bulletin.sent_at is not None and bulletin.failed_step is None

    again = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert again.state == BulletinState.SENT
    assert mailchimp_api.count("POST", "/campaigns") == 1
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1


def test_schedule_on_the_quarter_hour(approved, db, session_factory, mailchimp_api):
    bulletin = db.scalar(select(Bulletin))
    bulletin.state = BulletinState.DRAFT
    db.commit()
    when = quarter_hour_ahead()
    # A re-approval from draft with a time: the row goes back through the normal path.
    approve_bulletin(db, approved, by="U0OFFICER1", send_at=when)
    db.commit()
    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SCHEDULED
    (campaign,) = mailchimp_api.campaign_list()
    assert campaign["status"] == "schedule"
    (call,) = [c for c in mailchimp_api.calls if c.path.endswith("/actions/schedule")]
    assert call.body == {"schedule_time": when.strftime("%Y-%m-%dT%H:%M:%S+00:00")}


def test_off_quarter_or_past_times_are_refused(db):
    network(db)
    factories.officer(db)
    compile_bulletin(db, this_month())
    from datetime import timedelta

    from models.errors import ValidationError

    when = quarter_hour_ahead() + timedelta(minutes=7)
    with pytest.raises(ValidationError) as refused:
        approve_bulletin(db, this_month(), by="U0OFFICER1", send_at=when)
    assert "quarter hour" in refused.value.errors["schedule"]
    with pytest.raises(ValidationError):
        approve_bulletin(db, this_month(), by="U0OFFICER1", send_at=quarter_hour_ahead(-2))
    assert db.scalar(select(Bulletin)).state == BulletinState.DRAFT


def test_only_the_officer_approves_and_twice_is_once(db):
    network(db)
    factories.officer(db)
    factories.organisation(db)
    compile_bulletin(db, this_month())
    with pytest.raises(NotAllowed):
        approve_bulletin(db, this_month(), by="U0MEMBER01")
    first = approve_bulletin(db, this_month(), by="U0OFFICER1")
    second = approve_bulletin(db, this_month(), by="U0OFFICER1", send_at=quarter_hour_ahead())
    assert not first.already and second.already
    assert second.bulletin.send_mode.value == "now"


def test_audience_batches_of_500_and_consent_rules(db, session_factory, mailchimp_api):
    network(db)
    factories.officer(db)
    for n in range(1203):
        db.add(
            Organisation(name=f"Org {n}", contact_email=f"Contact{n}@Org{n}.org.uk", bulletin_consent=True)
        )
    db.add(BulletinContact(email="contact7@org7.org.uk", status=ContactStatus.UNSUBSCRIBED, suppressed=True))
    db.add(BulletinContact(email="left@old.org.uk", status=ContactStatus.SUBSCRIBED))
    compile_bulletin(db, this_month())
    approve_bulletin(db, this_month(), by="U0OFFICER1")
    db.commit()

    members = {m.email: m.status for m in audience(db)}
    assert len([s for s in members.values() if s == "subscribed"]) == 1202
    assert "contact7@org7.org.uk" not in members
    assert members["left@old.org.uk"] == "unsubscribed"

    deliver_bulletin(session_factory, mailer_for(mailchimp_api), this_month())
    batches = [c for c in mailchimp_api.calls if c.path.startswith("/lists/")]
    assert [len(c.body["members"]) for c in batches] == [500, 500, 203]
    assert all(c.body["update_existing"] is True for c in batches)
    assert mailchimp_api.members["left@old.org.uk"]["status"] == "unsubscribed"
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(BulletinContact)) == 1204
    assert db.scalar(select(BulletinContact).where(BulletinContact.email == "left@old.org.uk")).status == (
        ContactStatus.UNSUBSCRIBED
    )


@pytest.mark.faults
def test_4xx_keeps_state_shows_detail_and_waits_for_a_person(approved, db, session_factory, mailchimp_api):
    mailchimp_api.fail(
        "POST",
        "/campaigns",
        status=400,
        detail="The resource submitted could not be validated.",
        errors=[{"field": "settings.reply_to", "message": "This value should be a valid email."}],
    )
    with pytest.raises(MailchimpRejected) as refused:
        deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert "settings.reply_to: This value should be a valid email." in str(refused.value)
    bulletin = _state(session_factory, approved)
    assert bulletin.state == BulletinState.APPROVED
    assert bulletin.failed_step == "campaign create"
    assert "reply_to" in bulletin.last_error
    assert bulletin.next_attempt_at is None  # a person must act
    assert approved not in due_deliveries(db)

    retry_bulletin(db, approved, by="U0OFFICER1")
    db.commit()
    assert approved in due_deliveries(db)
    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert len(mailchimp_api.campaign_list()) == 1
    assert mailchimp_api.count("POST", r"/lists/.*") == 1  # the audience step was not repeated


@pytest.mark.faults
@pytest.mark.parametrize(("status", "error"), [(429, MailchimpThrottled), (503, MailchimpUnavailable)])
def test_429_and_5xx_are_retried_later(approved, session_factory, mailchimp_api, status, error):
    mailchimp_api.fail(
        "PUT", r"/campaigns/\w+/content", status=status, detail="Please slow down." if status == 429 else ""
    )
    with pytest.raises(error):
        deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    bulletin = _state(session_factory, approved)
    assert bulletin.state == BulletinState.CAMPAIGN_CREATED
    assert bulletin.failed_step == "content set"
    assert bulletin.next_attempt_at is not None
    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert mailchimp_api.count("POST", "/campaigns") == 1


@pytest.mark.faults
def test_time_out_after_create_finds_the_campaign_instead_of_a_second(
    approved, session_factory, mailchimp_api
):
    mailchimp_api.time_out("POST", "/campaigns", seconds=1.5, apply_first=True)
    with pytest.raises(MailchimpUnavailable) as lost:
        deliver_bulletin(session_factory, mailer_for(mailchimp_api, timeout=0.5), approved)
    assert "in time" in str(lost.value)
    assert len(mailchimp_api.campaign_list()) == 1  # Mailchimp did create it
    assert _state(session_factory, approved).state == BulletinState.APPROVED

    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert len(mailchimp_api.campaign_list()) == 1
    assert mailchimp_api.count("POST", "/campaigns") == 1
    assert mailchimp_api.count("GET", "/campaigns") == 1


@pytest.mark.faults
def test_time_out_mid_send_resumes_without_sending_twice(approved, session_factory, mailchimp_api):
    mailchimp_api.time_out("POST", r"/campaigns/\w+/actions/send", seconds=1.5, apply_first=True)
    with pytest.raises(MailchimpUnavailable):
        deliver_bulletin(session_factory, mailer_for(mailchimp_api, timeout=0.5), approved)
    assert _state(session_factory, approved).state == BulletinState.CONTENT_SET

    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1
    assert mailchimp_api.count("POST", "/campaigns") == 1


@pytest.mark.faults
def test_time_out_before_mailchimp_acted_sends_on_retry(approved, session_factory, mailchimp_api):
    mailchimp_api.time_out("POST", r"/campaigns/\w+/actions/send", seconds=1.5, apply_first=False)
    with pytest.raises(MailchimpUnavailable):
        deliver_bulletin(session_factory, mailer_for(mailchimp_api, timeout=0.5), approved)
    result = deliver_bulletin(session_factory, mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 2
    assert mailchimp_api.campaign_list()[0]["status"] == "sent"


@pytest.mark.faults
def test_unreachable_mailchimp_is_reported_not_fatal(approved, session_factory):
    from tests.fakes.mailchimp_api import FakeMailchimp

    gone = FakeMailchimp(host="http://127.0.0.1:9/3.0")
    with pytest.raises(MailchimpUnavailable) as down:
        deliver_bulletin(session_factory, mailer_for(gone, timeout=1), approved)
    assert "could not be reached" in str(down.value)
    bulletin = _state(session_factory, approved)
    assert bulletin.state == BulletinState.APPROVED and bulletin.failed_step == "audience sync"
