"""The request mix of the load benchmark: which signed Slack requests are sent, and what a good answer is.

Each `RequestKind` names the Bolt listener it reaches (so the bare app can register an ack-only
listener for the same id), builds one request body with its own trigger id, and judges our app's
answer. A kind whose handler is not in the tree yet says so in `missing()` and is left out of the mix,
so `load.py` always measures whatever listeners exist; to cover a new listener, add a kind to `KINDS`.

Bodies are built with `tests/slack_requests.py`, the same builders the test-suite signs requests with.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from tests.slack_requests import slash_command_body

COMMAND = "/linkedup"
REFERENCE = re.compile(r"\bLU-\d{4}-\d{4,}\b")
FAILURE_MARKERS = ("Something went wrong", "not answering", "nothing was saved")

ISSUE_TEXTS = (
    "Waiting lists for domestic abuse programmes are growing. Families wait 14 weeks for a place",
    "Room hire costs doubled since April; two youth clubs may close in Birkenhead",
    "Referrals from schools for young carers rose 30% this term and we have no extra staff",
    "Families report long waits for CAMHS assessments after a school referral",
    "Transport costs stop children with SEND attending our Saturday sessions",
    "Volunteers need refresher safeguarding training and the council course is full until May",
)


@dataclass(frozen=True)
class Built:
    """One request body, and the delivery key it must store exactly one record under (or None)."""

    body: str
    key: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Our app's answer judged: an error description, or the reference the answer quoted."""

    error: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class RequestKind:
    name: str
    weight: int
    listener: tuple[str, str]  # ("command", "/linkedup") | ("view", callback_id) | ("action", action_id)
    build: Callable[[int, str, random.Random], Built]
    judge: Callable[[int, bytes], Verdict]
    missing: Callable[[], str | None]  # why the kind cannot run yet, or None
    stores_issue: bool = False


def trigger_id(seq: int) -> str:
    """A trigger id of Slack's shape, unique to this request, so no de-duplication can short-cut it."""
    return f"{seq}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def _json_body(status: int, raw: bytes) -> tuple[dict | None, str | None]:
    if status != 200:
        return None, f"HTTP {status}"
    if not raw:
        return {}, None
    try:
        return json.loads(raw), None
    except ValueError:
        return None, "answer is not JSON"


def _failure_text(text: str) -> str | None:
    for marker in FAILURE_MARKERS:
        if marker in text:
            return f"error reply: {marker!r}"
    return None


# --- /linkedup issue <text> -------------------------------------------------------------------------


def build_issue_command(seq: int, user: str, rng: random.Random) -> Built:
    trigger = trigger_id(seq)
    text = f"issue {rng.choice(ISSUE_TEXTS)} (load test {seq})"
    return Built(slash_command_body(text, user_id=user, trigger_id=trigger), key=f"trigger:{trigger}")


def judge_issue_command(status: int, raw: bytes) -> Verdict:
    body, error = _json_body(status, raw)
    if error:
        return Verdict(error)
    text = str((body or {}).get("text", ""))
    failure = _failure_text(text)
    if failure:
        return Verdict(failure)
    match = REFERENCE.search(text)
    if not match:
        return Verdict(f"no reference in the reply: {text[:80]!r}")
    return Verdict(reference=match.group(0))


# --- /linkedup help ---------------------------------------------------------------------------------


def build_help_command(seq: int, user: str, rng: random.Random) -> Built:
    return Built(slash_command_body("help", user_id=user, trigger_id=trigger_id(seq)))


def judge_help_command(status: int, raw: bytes) -> Verdict:
    body, error = _json_body(status, raw)
    if error:
        return Verdict(error)
    text = str((body or {}).get("text", ""))
    if f"{COMMAND} issue" not in text:
        return Verdict(f"help does not list `{COMMAND} issue`: {text[:80]!r}")
    return Verdict()


def _always_there() -> str | None:
    return None


KINDS: tuple[RequestKind, ...] = (
    RequestKind(
        name="issue-command",
        weight=6,
        listener=("command", COMMAND),
        build=build_issue_command,
        judge=judge_issue_command,
        missing=_always_there,
        stores_issue=True,
    ),
    RequestKind(
        name="help-command",
        weight=1,
        listener=("command", COMMAND),
        build=build_help_command,
        judge=judge_help_command,
        missing=_always_there,
    ),
)


def judge_bare(status: int, raw: bytes) -> Verdict:
    """The bare app only acks: 200 and an empty body."""
    if status != 200:
        return Verdict(f"HTTP {status}")
    if raw.strip():
        return Verdict(f"unexpected body {raw[:60]!r}")
    return Verdict()


def parse_weights(spec: str | None) -> dict[str, int] | None:
    """`--mix issue-command=6,help-command=1` → weights; None keeps each kind's default."""
    if not spec:
        return None
    weights = {}
    names = {kind.name for kind in KINDS}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in names:
            raise ValueError(f"--mix: unknown request kind {name!r} (known: {', '.join(sorted(names))})")
        try:
            weights[name] = int(value) if value else 1
        except ValueError:
            raise ValueError(f"--mix: weight of {name} is not a whole number: {value!r}") from None
        if weights[name] < 0:
            raise ValueError(f"--mix: weight of {name} must not be negative")
    return weights


def active_kinds(weights: dict[str, int] | None = None) -> tuple[list[RequestKind], list[str]]:
    """The kinds that will be sent (with their weights) and a note for each left out."""
    chosen, notes = [], []
    for kind in KINDS:
        weight = kind.weight if weights is None else weights.get(kind.name, 0)
        if weight <= 0:
            continue
        reason = kind.missing()
        if reason:
            notes.append(f"{kind.name}: left out — {reason}")
            continue
        chosen.append(RequestKind(**{**kind.__dict__, "weight": weight}))
    return chosen, notes


def listeners(kinds: list[RequestKind]) -> list[tuple[str, str]]:
    """The distinct listener ids the bare app must ack."""
    seen: dict[tuple[str, str], None] = {}
    for kind in kinds:
        seen.setdefault(kind.listener, None)
    return list(seen)


def schedule(kinds: list[RequestKind], count: int, rng: random.Random) -> list[RequestKind]:
    """`count` kinds drawn by weight, in a reproducible order (same seed → same sequence)."""
    return rng.choices(kinds, weights=[kind.weight for kind in kinds], k=count)
