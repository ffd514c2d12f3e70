"""A card updated twice ends showing the newest state, whatever order Slack received the updates in.

Each `chat.update` carries the card as it stood when queued; one that fails and is retried after a
newer one was delivered would put the older card back. The outbox follows such a late update with the
newest card again (`models.outbox.resend_newest_update`), driven here through the real delivery code
against the Slack fake: a person's training notice card (acknowledged, then a place asked for) and a
plain card addressed by channel and ts (an article's review card decided twice).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audience.selection import AudienceSpec
from bot.outbox import Outcome, deliver, deliver_due
from bot.slack import web_client
from handlers.notice_views import RENDERER
from models.base import utcnow
from models.notices import dm_key
from models.outbox import OutboxMessage, card_topic, enqueue
from notices.compose import Draft, create_draft
from notices.delivery import confirm
from notices.responses import acknowledge, request_place
from tests import factories

OFFICER = "U0OFFICER1"
YOUTH_WORKER = "U0YOUTH001"
PLACE = "You have a place"
ACKNOWLEDGED = "You acknowledged this"


@pytest.fixture
def notice_id(db):
    """A training notice (places, and a deadline to acknowledge by) DM'd to one youth worker."""
    factories.officer(db, OFFICER)
    club = factories.organisation(db, "Wallasey Youth Club", members=(YOUTH_WORKER,))
    factories.service(db, club, "Senior club", category="youth club", min_age=8, max_age=19)
    db.commit()
    now = datetime.now(UTC)
    draft = Draft(
        kind="training",
        title="MASH training: making a referral",
        body="Half-day session on the Multi-Agency Safeguarding Hub.",
        audience=AudienceSpec(categories=("youth club",)),
        deadline=now + timedelta(days=3),
        places=10,
    )
    preview = create_draft(db, OFFICER, draft, now=now)
    notice = confirm(db, preview.notice.id, OFFICER, RENDERER, now=now)
    db.commit()
    return notice.id


def _deliver_all(session_factory, client) -> int:
    sent = 0
    while delivered := deliver_due(session_factory, client):
        sent += delivered
    return sent


def _updates_of(slack_api, ts: str) -> list[str]:
    """Every chat.update Slack received for the message `ts` (failed ones too), as its JSON text."""
    return [json.dumps(call.args) for call in slack_api.of("chat.update") if call.args.get("ts") == ts]


def _card_ts(db, notice_id: int) -> str:
    return db.scalar(
        select(OutboxMessage.result).where(OutboxMessage.key == dm_key(notice_id, YOUTH_WORKER))
    )["ts"]


def test_an_acknowledgement_retried_late_does_not_take_the_place_off_the_card(
    db, session_factory, settings, slack_api, notice_id
):
    client = web_client(settings)
    _deliver_all(session_factory, client)  # the notice's DM (and the sender's note)
    ts = _card_ts(db, notice_id)

    acknowledge(db, notice_id, YOUTH_WORKER, RENDERER, now=datetime.now(UTC))
    db.commit()
    slack_api.fail("chat.update")  # Slack fails the acknowledged card once: it waits for its back-off
    assert _deliver_all(session_factory, client) == 0
    request_place(db, notice_id, YOUTH_WORKER, RENDERER, now=datetime.now(UTC))
    db.commit()
    assert _deliver_all(session_factory, client) == 1, "the card with the place, before the retry"
    assert PLACE in _updates_of(slack_api, ts)[-1]

    # The acknowledgement's retry comes after: the older card is in Slack again for a moment…
    late = deliver(
        session_factory,
        client,
        f"notice:{notice_id}:ack:{YOUTH_WORKER}",
        due_by=utcnow() + timedelta(hours=1),
    )
    assert late.outcome is Outcome.SENT
    assert PLACE not in _updates_of(slack_api, ts)[-1]
    # …and the newest card follows it, once, aimed at the same message.
    assert _deliver_all(session_factory, client) == 1
    updates = _updates_of(slack_api, ts)
    assert len(updates) == 4, "failed acknowledgement, place, acknowledgement retried, the place again"
    assert PLACE in updates[-1] and ACKNOWLEDGED in updates[-1]
    assert all(json.loads(u)["channel"] == "D" + YOUTH_WORKER[1:] for u in updates[1:])

    assert _deliver_all(session_factory, client) == 0, "the copy is the newest: nothing follows it"
    assert len(_updates_of(slack_api, ts)) == 4
    db.expire_all()
    copies = db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("%:again:%"))).all()
    assert copies == [f"notice:{notice_id}:place:{YOUTH_WORKER}:again:" + copies[0].rsplit(":", 1)[-1]]


def test_updates_delivered_in_order_send_nothing_more(db, session_factory, settings, slack_api, notice_id):
    client = web_client(settings)
    _deliver_all(session_factory, client)
    ts = _card_ts(db, notice_id)

    acknowledge(db, notice_id, YOUTH_WORKER, RENDERER, now=datetime.now(UTC))
    db.commit()
    assert _deliver_all(session_factory, client) == 1
    request_place(db, notice_id, YOUTH_WORKER, RENDERER, now=datetime.now(UTC))
    db.commit()
    assert _deliver_all(session_factory, client) == 1

    updates = _updates_of(slack_api, ts)
    assert len(updates) == 2 and ACKNOWLEDGED in updates[0] and PLACE not in updates[0]
    assert PLACE in updates[1] and ACKNOWLEDGED in updates[1]
    assert _deliver_all(session_factory, client) == 0
    assert db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("%:again:%"))).all() == []


@pytest.mark.parametrize("on_sent", [None, lambda session, message: None], ids=["one-statement", "orm"])
def test_a_card_addressed_by_channel_and_ts_ends_at_its_newest_update(
    db, session_factory, settings, slack_api, on_sent
):
    """The rule belongs to the outbox: any two updates of one message under one card topic (settled by
    the usual one statement, or through the ORM when a caller records results with `on_sent`)."""
    client = web_client(settings)
    channel, ts = "C0REVIEWS1", "1790000000.000001"
    topic = card_topic(f"{channel}:{ts}")
    for key, text in (("article:1:decided:approved", "Approved"), ("article:1:decided:rejected", "Rejected")):
        enqueue(
            db,
            key=key,
            method="chat.update",
            payload={"channel": channel, "ts": ts, "text": text},
            topic=topic,
        )
    db.commit()
    # The newer decision reaches Slack first (the older one was held up), then the older one.
    assert deliver(session_factory, client, "article:1:decided:rejected").outcome is Outcome.SENT
    late = deliver(session_factory, client, "article:1:decided:approved", on_sent=on_sent)
    assert late.outcome is Outcome.SENT
    assert _deliver_all(session_factory, client) == 1
    assert _deliver_all(session_factory, client) == 0
    texts = [json.loads(u)["text"] for u in _updates_of(slack_api, ts)]
    assert texts == ["Rejected", "Approved", "Rejected"]


def test_updates_sent_in_order_whose_recording_crossed_send_nothing_more(
    db, session_factory, settings, slack_api
):
    """The older update reached Slack first, but its settling waited (for the database's writer)
    until the newer one was recorded: Slack already shows the newest card, so nothing is sent again.
    (Measured in benchmarks/latency.py, procfile on SQLite at 10 users, before this was judged by the
    calls rather than by the recording: four cards repeated in 200 flows.)"""
    from bot.outbox import _claim, _settle, send

    client = web_client(settings)
    channel, ts = "C0REVIEWS1", "1790000000.000002"
    topic = card_topic(f"{channel}:{ts}")
    for key, text in (("article:2:decided:approved", "Approved"), ("article:2:decided:rejected", "Rejected")):
        enqueue(
            db,
            key=key,
            method="chat.update",
            payload={"channel": channel, "ts": ts, "text": text},
            topic=topic,
        )
    db.commit()
    older = _claim(session_factory, "article:2:decided:approved", due_by=None, pacing=None, max_wait=0)
    answer = send(client, older.method, older.payload, None)  # Slack has the older card…
    answered_at = utcnow()
    assert (
        deliver(session_factory, client, "article:2:decided:rejected").outcome is Outcome.SENT
    )  # …then the newer
    settled = _settle(session_factory, older, answer, None, None, answered_at=answered_at)  # recorded last
    assert settled.outcome is Outcome.SENT
    assert _deliver_all(session_factory, client) == 0
    assert [json.loads(u)["text"] for u in _updates_of(slack_api, ts)] == ["Approved", "Rejected"]
    assert db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("%:again:%"))).all() == []
