"""`linkedup simulate` sends notices through the real notice code: safeguarding updates with
acknowledgements and reminders, MASH training with places; its health figures carry the acknowledgement
rate, the same figure the delivery reports give."""

from __future__ import annotations

from sqlalchemy import select

from models import Notice, NoticeKind, NoticeRecipient, OutboxMessage
from models.notices import PlaceStatus
from notices.reminders import MAX_REMINDERS
from reporting.notices import delivery_report
from simulation import simulate_year
from tests.test_simulation import START, load_demo


def test_a_simulated_quarter_sends_notices_and_reports_their_acknowledgement_rate(session_factory):
    load_demo(session_factory)
    figures = simulate_year(session_factory, months=3, seed=7, start=START)
    with session_factory() as session:
        notices = session.scalars(select(Notice).order_by(Notice.id)).all()
        kinds = {n.kind for n in notices}
        assert {NoticeKind.SAFEGUARDING, NoticeKind.TRAINING} <= kinds
        assert all(n.simulated and n.sent_at is not None for n in notices)
        asked = acknowledged = 0
        for notice in notices:
            report = delivery_report(session, notice.id)
            people = [p.slack_user_id for p in report.people]
            assert len(people) == len(set(people)) > 0, "each person once"
            if notice.requires_acknowledgement:
                asked += report.totals.people
                acknowledged += report.totals.acknowledged
            if notice.places is not None:
                assert report.totals.places <= notice.places
        recipients = session.scalars(select(NoticeRecipient)).all()
        assert all(r.reminders <= MAX_REMINDERS for r in recipients)
        reminders = session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like("notice:%:reminder:%"))
        )
        rows = {(r.notice_id, r.slack_user_id): r for r in recipients}
        reminded = 0
        for message in reminders:  # a reminder only ever went to someone who had not acknowledged by then
            row = rows[(int(message.key.split(":")[1]), message.payload["user"])]
            assert row.acknowledged_at is None or row.acknowledged_at > message.created_at
            reminded += 1
        assert reminded, "some were reminded"
        assert any(r.place is PlaceStatus.PLACE for r in recipients)
    assert figures.notices == len(notices)
    share = figures.notice_acknowledgement
    assert (share.count, share.total) == (acknowledged, asked) and 0 < acknowledged <= asked
    assert any(line.startswith("  Notices acknowledged:") for line in figures.lines())
