"""Slack's allowances as the outbox's deliverers keep them: per channel, per method, and after a 429."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.outbox import BOOKED_GRACE, MAX_ATTEMPTS, MAX_PACING_WAIT, Outcome, deliver, deliver_due
from bot.slack import web_client
from bot.slack_pacing import POST_BURST, POSTS_MARGIN, Pacing
from models.base import utcnow
from models.db import transaction
from models.outbox import OutboxMessage, OutboxStatus, enqueue


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_channel_takes_a_short_burst_then_one_post_a_second():
    clock = Clock()
    pacing = Pacing(clock=clock)
    assert [pacing.reserve("chat.postMessage", "C1", max_wait=0) for _ in range(POST_BURST)] == [0.0] * 3
    assert pacing.reserve("chat.postMessage", "C1", max_wait=0) == 1.0, "refused, and not taken"
    assert pacing.reserve("chat.postMessage", "C2", max_wait=0) == 0.0, "another channel has its own"
    assert pacing.reserve("chat.postMessage", "C1", max_wait=5) == 1.0, "taken: the caller waits a second"
    assert pacing.reserve("chat.postMessage", "C1", max_wait=0) == 2.0
    clock.now += 10
    assert pacing.reserve("chat.postMessage", "C1", max_wait=0) == 0.0


def test_a_tier_3_method_allows_a_minute_of_calls_at_once_then_50_a_minute():
    clock = Clock()
    pacing = Pacing(clock=clock)
    assert all(pacing.reserve("chat.update", "C1", max_wait=0) == 0.0 for _ in range(50))
    assert round(pacing.reserve("chat.update", "C2", max_wait=0), 3) == 1.2
    clock.now += 1.2
    assert pacing.reserve("chat.update", "C3", max_wait=0) == 0.0


def test_retry_after_holds_the_method_and_the_channel():
    clock = Clock()
    pacing = Pacing(clock=clock)
    pacing.hold("chat.postMessage", "C1", 30)
    assert pacing.reserve("chat.postMessage", "C9", max_wait=0) == 30.0
    assert pacing.reserve("chat.update", "C1", max_wait=0) == 0.0, "another method is not held"
    clock.now += 30
    assert pacing.reserve("chat.postMessage", "C9", max_wait=0) == 0.0


def test_messages_postponed_for_one_channel_are_each_booked_their_own_later_slot():
    """Ten posts to one channel beyond the burst come back one a second, each at its booked moment, and
    each goes when it comes back: none wakes with the others only to be postponed again."""
    clock = Clock()
    pacing = Pacing(clock=clock)
    for _ in range(POST_BURST):
        pacing.reserve("chat.postMessage", "C1", max_wait=0)
    waits = [pacing.reserve("chat.postMessage", "C1", max_wait=0, book=True) for _ in range(10)]
    assert waits == [float(n) for n in range(1, 11)], "each booked a second after the one before"
    for wait in waits:
        clock.now = 1000.0 + wait
        assert pacing.reserve("chat.postMessage", "C1", max_wait=0, booked=True) == 0.0
    assert pacing.reserve("chat.postMessage", "C1", max_wait=0) == 1.0, (
        "the next free slot follows the booked"
    )


def test_a_booked_message_still_waits_out_a_429():
    clock = Clock()
    pacing = Pacing(clock=clock)
    pacing.hold("chat.postMessage", "C1", 30)
    assert pacing.reserve("chat.postMessage", "C1", max_wait=0, book=True) == 30.0
    assert pacing.reserve("chat.postMessage", "C1", max_wait=0, booked=True) == 30.0


def _queue(session_factory, key: str, method: str, payload: dict) -> None:
    with transaction(session_factory) as session:
        enqueue(session, key=key, method=method, payload=payload)


def _row(session_factory, key: str) -> OutboxMessage:
    with session_factory() as session:
        return session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))


def test_a_429_holds_the_method_for_every_later_message(session_factory, settings, slack_api):
    pacing = Pacing()
    slack_api.rate_limit("chat.postMessage", retry_after=30)
    _queue(session_factory, "a", "chat.postMessage", {"channel": "C1", "text": "a"})
    assert deliver(session_factory, web_client(settings), "a", pacing=pacing).outcome is Outcome.FAILED
    row = _row(session_factory, "a")
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=25), "after Retry-After"
    _queue(session_factory, "b", "chat.postMessage", {"channel": "C2", "text": "b"})
    assert deliver(session_factory, web_client(settings), "b", pacing=pacing).outcome is Outcome.POSTPONED
    row = _row(session_factory, "b")
    assert row.attempts == 0, "waiting for Slack's allowance uses no attempt"
    assert row.next_attempt_at > utcnow() + timedelta(seconds=MAX_PACING_WAIT)
    assert len(slack_api.of("chat.postMessage")) == 1, "Slack was not asked again before Retry-After"


def test_a_dm_is_posted_to_the_user_id_with_no_conversations_open(session_factory, settings, slack_api):
    """`conversations.open` is Tier 3 (about 50 a minute): a notice to 2,000 people must not need it."""
    pacing = Pacing()
    for key in ("one", "two", "three"):
        _queue(session_factory, key, "dm", {"user": "U0RAISER01", "text": key})
        assert deliver(session_factory, web_client(settings), key, pacing=pacing).outcome is Outcome.SENT
    assert slack_api.of("conversations.open") == []
    assert [call.args["addressed_to"] for call in slack_api.of("chat.postMessage")] == ["U0RAISER01"] * 3
    assert _row(session_factory, "one").result["channel"] == "D0RAISER01", "Slack answers with the DM's id"


def test_a_429_on_a_dm_holds_every_post_and_never_fails_the_message(session_factory, settings, slack_api):
    pacing = Pacing()
    _queue(session_factory, "a", "dm", {"user": "U0RAISER01", "text": "a"})
    with transaction(session_factory) as session:
        session.scalar(select(OutboxMessage).where(OutboxMessage.key == "a")).attempts = MAX_ATTEMPTS - 1
    slack_api.rate_limit("chat.postMessage", retry_after=30)
    assert deliver(session_factory, web_client(settings), "a", pacing=pacing).outcome is Outcome.FAILED
    row = _row(session_factory, "a")
    assert row.status == OutboxStatus.PENDING, "Slack's 'not now' never gives up on a message"
    assert pacing.reserve("chat.postMessage", "C9", max_wait=0) > 25, "one Slack method: posts held too"


def test_the_workspace_allowance_spaces_posts_to_different_people():
    clock = Clock()
    pacing = Pacing(clock=clock, posts_per_minute=300)
    interval = 60 / (300 * POSTS_MARGIN)  # a little slower than one every 0.2 s: a margin for arrival
    assert pacing.reserve("dm", "dm:U1", max_wait=0) == 0.0
    assert pacing.reserve("dm", "dm:U2", max_wait=1) == pytest.approx(interval)
    assert pacing.reserve("chat.postMessage", "C1", max_wait=1) == pytest.approx(2 * interval), "posts too"


def test_a_booked_message_is_left_to_its_booker_past_its_slot(session_factory, settings, slack_api):
    """The poll must not take a booked row at its slot: it would take a second slot for the same message."""
    pacing = Pacing(posts_per_minute=60)
    for key in ("first", "second"):
        _queue(session_factory, key, "dm", {"user": f"U0{key.upper()}", "text": key})
    assert deliver(session_factory, web_client(settings), "first", pacing=pacing).outcome is Outcome.SENT
    later = deliver(session_factory, web_client(settings), "second", pacing=pacing, max_wait=0, book=True)
    assert later.outcome is Outcome.POSTPONED and later.booked
    row = _row(session_factory, "second")
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=later.retry_in) + BOOKED_GRACE / 2
    assert deliver_due(session_factory, web_client(settings), pacing=pacing) == 0
