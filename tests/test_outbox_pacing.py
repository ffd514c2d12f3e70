"""Slack's allowances as the outbox's deliverers keep them: per channel, per method, and after a 429."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.outbox import MAX_PACING_WAIT, Outcome, deliver
from bot.slack import web_client
from bot.slack_pacing import POST_BURST, Pacing
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


def test_a_persons_dm_channel_is_opened_once(session_factory, settings, slack_api):
    pacing = Pacing()
    for key in ("one", "two", "three"):
        _queue(session_factory, key, "dm", {"user": "U0RAISER01", "text": key})
        assert deliver(session_factory, web_client(settings), key, pacing=pacing).outcome is Outcome.SENT
    assert len(slack_api.of("conversations.open")) == 1
    assert [call.args["channel"] for call in slack_api.of("chat.postMessage")] == ["D0RAISER01"] * 3
