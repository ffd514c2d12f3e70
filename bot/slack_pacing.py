"""Keeping the bot's own Slack traffic inside Slack's rate limits, before Slack has to say 429.

Slack limits each Web API method per workspace (tiers: Tier 3 about 50 calls a minute, Tier 4 about
100, bursts tolerated) and `chat.postMessage` to about one message a second per channel (short bursts
allowed). When it answers 429 anyway, `Retry-After` says how long the whole method must wait. One
`Pacing` per process is shared by everything that delivers the outbox there (the at-once sender and
the scheduler's poll), so they queue for the same allowance.

Each allowance is a GCRA bucket: a sustained rate with a burst. `reserve` returns how long a call
must wait; a short wait is slept by the caller, a longer one leaves the message for later. A deliverer
that will come back at that moment asks for the slot to be booked (`book=True`) and, when it comes back,
says it holds one (`booked=True`): otherwise every message queued for one channel would wake at the same
instant, one would go, and the rest would each claim and postpone again.
A DM is posted with the person's user id as the channel (Slack delivers it to the app's DM with them),
so a DM costs no `conversations.open` (Tier 3, about 50 a minute, which would cap a notice to 2,000
people at 40 minutes); a file still needs the DM channel opened, once per person.
`chat.postMessage` also has a workspace-wide limit ("several hundred a minute"), which Slack does not
publish as a number: `limit_posts` sets it (SLACK_POSTS_PER_MINUTE), and a 429 on any post holds every
post, DM or not, since they are one Slack method.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

PER_MINUTE = {  # Slack's documented tiers for the methods the outbox calls
    "chat.update": 50,  # Tier 3
    "conversations.open": 50,  # Tier 3
    "views.publish": 100,  # Tier 4
}
POSTS_PER_SECOND = 1.0  # chat.postMessage, per channel
POST_BURST = 3
POSTING_METHODS = frozenset({"chat.postMessage", "dm"})
POSTS_MARGIN = 0.97  # of the workspace's allowance the pacing uses (see `Pacing.limit_posts`)
MAX_TRACKED = 10_000  # channels, people: forget the least recently used beyond this


@dataclass
class _Bucket:
    interval: float  # seconds per call, sustained
    tolerance: float  # how far ahead of the sustained rate a burst may run
    tat: float = 0.0  # theoretical arrival time of the next call

    @classmethod
    def of(cls, per_second: float, burst: int) -> _Bucket:
        interval = 1.0 / per_second
        return cls(interval, (burst - 1) * interval)

    def wait(self, now: float) -> float:
        wait = max(self.tat, now) - self.tolerance - now
        return wait if wait > 1e-9 else 0.0  # float sums of the interval must not refuse a due call

    def take(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval


class Pacing:
    """Slack's allowances for one process: per method, per channel, and holds after a 429."""

    def __init__(self, *, clock=time.monotonic, posts_per_minute: int | None = None) -> None:
        self._clock = clock
        self._posts: _Bucket | None = None
        self._lock = threading.Lock()
        self._methods = {
            method: _Bucket.of(per_minute / 60.0, per_minute) for method, per_minute in PER_MINUTE.items()
        }
        self._channels: OrderedDict[str, _Bucket] = OrderedDict()
        self._held_until: dict[str, float] = {}
        self._dm_channels: OrderedDict[str, str] = OrderedDict()
        self.limit_posts(posts_per_minute)

    def limit_posts(self, per_minute: int | None) -> None:
        """The workspace-wide allowance for posts (DMs included), sustained, no burst; None: no limit.

        Paced a little under it (`POSTS_MARGIN`): a slot is taken when a message is claimed, and Slack
        counts the call when it arrives, a database commit later, so a run of late arrivals must not add
        up to more than Slack's short burst (every 429 then holds every post for a whole second)."""
        with self._lock:
            self._posts = _Bucket.of(per_minute * POSTS_MARGIN / 60.0, 1) if per_minute else None

    def reserve(
        self, method: str, channel: str | None, *, max_wait: float, book: bool = False, booked: bool = False
    ) -> float:
        """Seconds to wait before calling `method` in `channel`; the slot is taken when the wait is
        ≤ `max_wait`, or booked for later with `book` (unless Slack holds the method after a 429).
        `booked`: the caller took its slot earlier, so only a 429's hold can still make it wait."""
        with self._lock:
            now = self._clock()
            held = [_held_name(method), f"posts:{channel}"] if method in POSTING_METHODS else [method]
            hold = max([0.0, *(self._held_until.get(name, 0.0) - now for name in held)])
            if booked:
                return hold
            buckets = [b for b in (self._methods.get(m) for m in self._methods_of(method, channel)) if b]
            if method in POSTING_METHODS and channel:
                buckets.append(self._channel(channel))
            if method in POSTING_METHODS and self._posts is not None:
                buckets.append(self._posts)
            wait = max([hold, *(bucket.wait(now) for bucket in buckets)])
            if wait <= max_wait or (book and hold == 0.0):
                for bucket in buckets:
                    bucket.take(now + wait)
            return wait

    def hold(self, method: str, channel: str | None, seconds: float) -> None:
        """Slack said 429 with Retry-After: no more of this method (nor posts to the channel) until then."""
        with self._lock:
            until = self._clock() + seconds
            posts = f"posts:{channel}" if channel and method in POSTING_METHODS else None
            for name in (_held_name(method), posts):
                if name:
                    self._held_until[name] = max(self._held_until.get(name, 0.0), until)

    def dm_channel(self, user: str) -> str | None:
        with self._lock:
            channel = self._dm_channels.get(user)
            if channel is not None:
                self._dm_channels.move_to_end(user)
            return channel

    def remember_dm_channel(self, user: str, channel: str | None) -> None:
        """Store (or, with None, forget) the DM channel Slack opened for a person."""
        with self._lock:
            if channel is None:
                self._dm_channels.pop(user, None)
                return
            self._dm_channels[user] = channel
            if len(self._dm_channels) > MAX_TRACKED:
                self._dm_channels.popitem(last=False)

    def _methods_of(self, method: str, channel: str | None) -> list[str]:
        if method == "dm":  # posted to the user id: no conversations.open
            return []
        if method == "files.upload":  # opens the DM channel unless already known
            user = channel.removeprefix("dm:") if channel else ""
            return [] if user in self._dm_channels else ["conversations.open"]
        return [method]

    def _channel(self, channel: str) -> _Bucket:
        bucket = self._channels.get(channel)
        if bucket is None:
            bucket = self._channels[channel] = _Bucket.of(POSTS_PER_SECOND, POST_BURST)
            if len(self._channels) > MAX_TRACKED:
                self._channels.popitem(last=False)
        else:
            self._channels.move_to_end(channel)
        return bucket


def _held_name(method: str) -> str:
    """A DM is a `chat.postMessage`: Slack's 429 on either holds both."""
    return "chat.postMessage" if method in POSTING_METHODS else method


def channel_of(method: str, payload: dict) -> str | None:
    """What Slack's per-channel limit counts a call against: the channel, or the person for a DM."""
    if method in ("dm", "files.upload"):
        return f"dm:{payload.get('user')}"
    return payload.get("channel")


PACING = Pacing()  # the process's one allowance, shared by every deliverer in it
