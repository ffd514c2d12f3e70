"""What a request queues in the outbox reaches Slack as soon as its transaction commits.

The app is built as a server builds it (`deliver_at_once=True`): nothing here calls `deliver_due`
or runs the worker, except where the poll's part as the safety net is the point. Every wait is
on a condition with a generous bound; nothing is timed.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.outbox import deliver_due
from bot.outbox_sender import OutboxSender
from bot.slack import web_client
from bot.slack_pacing import Pacing
from models.base import utcnow
from models.db import make_session_factory, transaction
from models.outbox import OutboxMessage, OutboxStatus, enqueue
from tests import escalation_fixtures as fx
from tests.intake_support import opened_view, receipt_of, submit
from tests.slack_requests import SlackClient

BOUND = 30  # seconds: far beyond any delivery on a loaded machine


def eventually(found, what: str):
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.02)
    pytest.fail(f"{what} did not happen within {BOUND} s")


@pytest.fixture
def server(settings, engine, session_factory):
    """The app as `bot.wsgi` and `linkedup serve` build it; its sender stopped afterwards."""
    app = create_app(settings, engine=engine, deliver_at_once=True)
    app.config["TESTING"] = True
    yield app
    app.extensions["linkedup"].sender.close()


@pytest.fixture
def network(db):
    network = fx.network(db)
    db.commit()
    return network


def raise_issue(server, slack_api, network) -> None:
    slack = SlackClient(server.test_client())
    slack.command("issue Family support waiting lists have doubled", user_id=fx.RAISER)
    values = {"theme": str(network.early_help.id), "description": "Families wait 14 weeks for support."}
    receipt_of(submit(slack, opened_view(slack_api), user_id=fx.RAISER, values=values))


def cards(slack_api) -> list:
    return [call for call in slack_api.of("chat.postMessage") if call.args.get("channel") == fx.EH_CHANNEL]


def test_a_card_queued_in_a_request_is_posted_without_the_poll(server, slack_api, network, session_factory):
    raise_issue(server, slack_api, network)
    eventually(lambda: cards(slack_api), "the card in the board's channel")
    with session_factory() as session:
        card = session.scalar(select(OutboxMessage).where(OutboxMessage.key.like("escalation:%:card")))
        eventually(lambda: session.refresh(card) or card.status == OutboxStatus.SENT, "the card marked sent")
        assert card.attempts == 1 and card.result["channel"] == fx.EH_CHANNEL
    assert len(cards(slack_api)) == 1


def test_a_failed_delivery_is_left_for_the_poll(server, slack_api, network, settings, session_factory):
    slack_api.fail("chat.postMessage", status=500, times=1)
    raise_issue(server, slack_api, network)
    with session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key.like("escalation:%:card"))

        def failed_once():
            session.expire_all()
            card = session.scalar(query)
            return card if card is not None and card.attempts == 1 and card.last_error else None

        card = eventually(failed_once, "the first attempt failing")
        assert card.status == OutboxStatus.PENDING and card.next_attempt_at > utcnow()
        assert cards(slack_api) and len(cards(slack_api)) == 1, "one failed call, nothing posted twice"
        # Time passes (the back-off); the worker's poll then delivers it.
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert deliver_due(session_factory, web_client(settings)) >= 1
    with session_factory() as session:
        card = session.scalar(query)
        assert card.status == OutboxStatus.SENT and card.attempts == 2
    assert len(cards(slack_api)) == 2  # the failed call and the one that worked


def test_two_senders_and_the_poll_never_send_a_message_twice(engine, settings, slack_api, session_factory):
    slack_api.delays["chat.postMessage"] = 0.01  # a Slack that takes a moment, so the deliverers overlap
    client = web_client(settings)
    first = OutboxSender(make_session_factory(engine), client, pacing=Pacing())
    second = OutboxSender(make_session_factory(engine), client, pacing=Pacing())
    keys = [f"test:{n}" for n in range(40)]
    try:
        with transaction(session_factory) as session:
            for n, key in enumerate(keys):
                enqueue(
                    session, key=key, method="chat.postMessage", payload={"channel": f"C{n}", "text": key}
                )
        first.hand_over(keys)
        second.hand_over(list(reversed(keys)))
        deliver_due(session_factory, client)

        def all_sent():
            with session_factory() as session:
                pending = session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT).limit(1)
                )
                return pending is None

        eventually(all_sent, "every message sent")
    finally:
        first.close()
        second.close()
    texts = [call.args["text"] for call in slack_api.of("chat.postMessage")]
    assert sorted(texts) == sorted(keys), "each message exactly once"


def test_a_notify_wakes_the_scheduler_process_without_its_poll(engine, settings, slack_api, session_factory):
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite the poll is the safety net")
    import threading

    from bot import outbox_sender, worker
    from bot.runtime import Context

    stop, listening = threading.Event(), threading.Event()
    scheduler_side = Context(settings, engine, make_session_factory(engine))
    worker.listen_for_outbox(scheduler_side, stop, listening)
    sender = outbox_sender.attach(settings, scheduler_side.session_factory)
    try:
        eventually(listening.is_set, "the LISTEN")
        eventually(sender.idle, "the first pass over the (empty) outbox")
        # Queued by a process that delivers nothing itself (a CLI command): no sender on this factory.
        with transaction(session_factory) as session:
            enqueue(
                session, key="test:notify", method="chat.postMessage", payload={"channel": "C1", "text": "hi"}
            )
        eventually(
            lambda: [call for call in slack_api.of("chat.postMessage") if call.args.get("text") == "hi"],
            "the message delivered after the NOTIFY",
        )
    finally:
        stop.set()
        sender.close()


def test_an_update_waits_for_its_post_being_sent_by_another_process(
    engine, settings, slack_api, session_factory
):
    """Acknowledge pressed while the card's post is still on its way, from another web worker."""
    with transaction(session_factory) as session:
        enqueue(session, key="card", method="chat.postMessage", payload={"channel": "C1", "text": "card"})
        # Another process has claimed the post and is calling Slack (its lease runs).
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "card")
            .values(attempts=1, next_attempt_at=utcnow() + timedelta(minutes=5))
        )
    sender = OutboxSender(make_session_factory(engine), web_client(settings), pacing=Pacing())
    try:
        with transaction(session_factory) as session:
            enqueue(session, key="card:v2", method="chat.update", payload={"ts_from": "card", "text": "v2"})
        sender.hand_over(["card:v2"])
        eventually(sender.idle, "the first try, which finds the post still on its way")
        assert not slack_api.of("chat.update")
        with transaction(session_factory) as session:  # the other process settles the post
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.key == "card")
                .values(status=OutboxStatus.SENT, result={"channel": "C1", "ts": "1700000000.000001"})
            )
        (edit,) = eventually(lambda: slack_api.of("chat.update"), "the update, without the worker's poll")
        assert (edit.args["channel"], edit.args["ts"], edit.args["text"]) == ("C1", "1700000000.000001", "v2")
    finally:
        sender.close()


def test_a_held_note_goes_at_its_due_moment_without_the_poll(server, slack_api, network, session_factory):
    """The raiser's status note waits `HOLD` for more news; then it goes, not at the poll after."""
    hold = timedelta(seconds=3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("escalations.lifecycle.HOLD", hold)
        raise_issue(server, slack_api, network)
    query = select(OutboxMessage).where(OutboxMessage.topic.is_not(None))
    with session_factory() as session:
        note = session.scalar(query)
        due = note.created_at + hold  # queued with `next_attempt_at` one hold after the change
        assert note.status == OutboxStatus.PENDING and note.attempts == 0, "held, not tried at commit"

        def settled():
            session.expire_all()
            return session.scalar(query).status == OutboxStatus.SENT

        eventually(settled, "the held note sent by the at-once sender")
        note = session.scalar(query)
        assert note.attempts == 1 and note.sent_at >= due - timedelta(seconds=1)
    dms = [call for call in slack_api.of("chat.postMessage") if "metadata" in call.args]
    assert len(dms) == 1 and dms[0].args["metadata"]["event_type"] == "linkedup_issue_status"
