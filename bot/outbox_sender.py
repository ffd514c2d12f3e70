"""Delivering outbox messages the moment their transaction commits, instead of at the next poll.

`attach(settings, session_factory)` listens for `after_commit` on a session factory (the web app's,
the scheduler jobs'): the keys the transaction queued (`models.outbox.queued_keys`) go to a few
sender threads in this process, which deliver them through `bot.outbox.deliver` — the same claim,
Slack call and settling as the worker's poll, with the process's `Pacing`. Keys of one transaction
are delivered in order (a card before its update). The queue is bounded: when it is full, or the
process dies, the poll delivers what is left, and the claim keeps each message to one sending.

A message queued to go later (the raiser's status note, held a minute for more news:
`models.outbox.held_keys`) is not tried at commit, which would find it not due: it is handed over
again at its due moment, so it goes then rather than at the next poll after it.

A message that must wait for Slack's allowance (a person's third DM in a second) is not slept on,
which would hold up the messages behind it: it is postponed and handed over again when it may go.

An update queued while its card post is still on its way waits for the post: when this process
delivers the post, it delivers the waiting update at once; meanwhile it looks again after 0.1 s,
0.2 s, 0.4 s … (the post may be on its way from another process), and after WAIT_FOR_POST the poll
takes over.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import BOOKED_GRACE, WAIT_FOR_POST, Outcome, deliver, deliver_due
from bot.settings import Settings
from bot.slack_pacing import PACING, Pacing
from models.base import utcnow
from models.outbox import held_keys, queued_keys

log = logging.getLogger(__name__)

THREADS = 4
CAPACITY = 1000  # transactions waiting for a thread; beyond this the poll delivers them
MAX_WAITING = 10_000
_DUE = "due"  # a task: deliver whatever is due (a NOTIFY from another process, a nudge)
FIRST_LOOK_AGAIN = 0.1  # seconds before an update waiting for its post is tried again (then doubled)
DUE_MARGIN = 0.05  # seconds after a held message's due moment it is tried (the clocks may differ a little)


@dataclass(frozen=True)
class _Again:
    """A task: try one key again — postponed for Slack's allowance, or an update waiting for its post."""

    key: str
    waiting_for_post: bool = False
    tries: int = 0
    booked: bool = False  # postponed with its slot of Slack's allowance booked for this moment


class OutboxSender:
    """A small pool of threads delivering the keys committed transactions hand over."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        *,
        pacing: Pacing = PACING,
        threads: int = THREADS,
        capacity: int = CAPACITY,
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.pacing = pacing
        self._tasks: queue.Queue[Sequence[str] | str | None] = queue.Queue(capacity)
        self._lock = threading.Lock()
        self._waiting: dict[str, list[str]] = {}  # post key → updates waiting for it
        self._due_queued = False
        self._unfinished = 0  # tasks handed over and not yet done
        self._later: list[tuple[float, int, _Again | str]] = []  # (monotonic time, tie-break, task)
        self._later_changed = threading.Condition(self._lock)
        self._order = itertools.count()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._run, name=f"outbox-sender-{n}", daemon=True) for n in range(threads)
        ]
        self._threads.append(
            threading.Thread(target=self._run_later, name="outbox-sender-later", daemon=True)
        )
        for thread in self._threads:
            thread.start()

    def listen(self) -> None:
        event.listen(self.session_factory, "after_commit", self._committed)

    def hand_over(self, keys: Sequence[str]) -> None:
        if not self._put(tuple(keys)):
            log.warning("outbox sender busy: %d message(s) left for the worker's poll", len(keys))

    def idle(self) -> bool:
        """Nothing handed over is waiting or being delivered."""
        with self._lock:
            return self._unfinished == 0

    def _put(self, task) -> bool:
        with self._lock:
            self._unfinished += 1
        try:
            self._tasks.put_nowait(task)
        except queue.Full:
            with self._lock:
                self._unfinished -= 1
            return False
        return True

    def deliver_due_soon(self, after: float = 0.0) -> None:
        """Deliver everything due, `after` seconds from now (once, however often asked before it runs)."""
        with self._lock:
            if self._due_queued:
                return
            self._due_queued = True
        if after > 0:
            self._later_by(after, _DUE)
        elif not self._put(_DUE):
            with self._lock:
                self._due_queued = False

    def close(self, timeout: float = 10) -> None:
        """Stop listening, and stop the threads once the messages already handed over are delivered."""
        if event.contains(self.session_factory, "after_commit", self._committed):
            event.remove(self.session_factory, "after_commit", self._committed)
        with _senders_lock:
            if _senders.get(self.session_factory) is self:
                del _senders[self.session_factory]
        with self._lock:
            self._closed = True
            self._later_changed.notify_all()
        for _ in self._threads[:-1]:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _committed(self, session: Session) -> None:
        keys = queued_keys(session)
        held = held_keys(session)
        if held:
            now = datetime.now(UTC)  # the clock the claim compares with (not a test's frozen `utcnow`)
            for key, due in held.items():
                self._later_by(max(0.0, (due - now).total_seconds()) + DUE_MARGIN, _Again(key))
            keys = [key for key in keys if key not in held]
        if keys:
            self.hand_over(keys)

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            try:
                if task == _DUE:
                    with self._lock:
                        self._due_queued = False
                    deliver_due(self.session_factory, self.client, pacing=self.pacing)
                elif isinstance(task, _Again):
                    self._deliver(task.key, again=task)
                else:
                    for key in task:
                        self._deliver(key)
            except Exception:  # the poll retries whatever this left; the thread must live on
                log.exception("outbox sender: delivery failed")
            finally:
                with self._lock:
                    self._unfinished -= 1

    def _run_later(self) -> None:
        """Hand postponed keys over again when Slack's allowance lets them go."""
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                if self._later and self._later[0][0] <= now:
                    _, _, task = heapq.heappop(self._later)
                    self._lock.release()
                    try:
                        if not self._put(task):
                            log.warning("outbox sender busy: %s left for the worker's poll", task)
                            if task == _DUE:
                                self._due_queued = False
                    finally:
                        self._lock.acquire()
                    continue
                self._later_changed.wait(self._later[0][0] - now if self._later else None)

    def _deliver(self, key: str, *, again: _Again | None = None) -> None:
        # An update waiting for its post is due within WAIT_FOR_POST; one claimed elsewhere has a long lease.
        early = again is not None and again.waiting_for_post
        due_by = utcnow() + timedelta(seconds=WAIT_FOR_POST + 1) if early else None
        if again is not None and again.booked:  # its row waits BOOKED_GRACE past the slot for this sender
            due_by = utcnow() + BOOKED_GRACE + timedelta(seconds=1)
        delivery = deliver(
            self.session_factory,
            self.client,
            key,
            due_by=due_by,
            pacing=self.pacing,
            max_wait=0.0,
            book=True,
            booked=again is not None and again.booked,
        )
        if delivery.outcome is Outcome.POSTPONED and delivery.retry_in is not None:
            self._later_by(delivery.retry_in + 0.01, _Again(key, booked=delivery.booked))
        elif delivery.outcome is Outcome.FAILED and delivery.retry_in:  # a 429: back after Retry-After
            self._later_by(delivery.retry_in + 0.05, _Again(key))
        elif delivery.outcome is Outcome.WAITING and delivery.waits_for:
            with self._lock:
                if len(self._waiting) < MAX_WAITING:
                    self._waiting.setdefault(delivery.waits_for, []).append(key)
            tries = again.tries + 1 if early else 0
            delay = FIRST_LOOK_AGAIN * 2**tries
            if delay < WAIT_FOR_POST:
                self._later_by(delay, _Again(key, waiting_for_post=True, tries=tries))
        elif delivery.outcome is Outcome.SENT:
            with self._lock:
                waiting = self._waiting.pop(key, [])
            for update_key in waiting:
                self._deliver(update_key, again=_Again(update_key, waiting_for_post=True))

    def _later_by(self, seconds: float, task: _Again | str) -> None:
        with self._lock:
            if len(self._later) < MAX_WAITING:
                heapq.heappush(self._later, (time.monotonic() + seconds, next(self._order), task))
                self._later_changed.notify_all()


_senders: dict[sessionmaker, OutboxSender] = {}
_senders_lock = threading.Lock()


def attach(settings: Settings, session_factory: sessionmaker[Session]) -> OutboxSender | None:
    """The sender for what `session_factory`'s transactions queue (one per factory); None without Slack.

    E-mail (`bot.email`) is configured here too: every process that delivers the outbox comes here."""
    from bot import email

    email.configure(settings)
    if not settings.slack_enabled:
        return None
    from bot.slack import web_client

    PACING.limit_posts(settings.slack_posts_per_minute)  # the process's one allowance (poll included)
    with _senders_lock:
        sender = _senders.get(session_factory)
        if sender is None:
            sender = _senders[session_factory] = OutboxSender(session_factory, web_client(settings))
            sender.listen()
        return sender
