"""The request mix of the load benchmark: which signed Slack requests are sent, and what a good answer is.

Each `RequestKind` names the Bolt listener it reaches (so the bare app can register an ack-only
listener for the same id), builds one request body with its own trigger id, and judges our app's
answer. A kind whose handler is not in the tree yet says so in `missing()` and is left out of the mix,
so `load.py` always measures whatever listeners exist; to cover a new listener, add a kind to `KINDS`.

Bodies are built with `tests/slack_requests.py`, the same builders the test-suite signs requests with.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from tests.slack_requests import (
    block_actions_payload,
    interactive_body,
    slash_command_body,
    view_submission_payload,
)

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
AGE_RANGES = ("0-4", "5-11", "12-15", "16-18", "19-25", "all")
CAPACITY = ("has_capacity", "no_capacity", "waitlist_only", "assessment_required")
RETURN_MONTHS = 24  # the return modal offers the last 24 complete months


@dataclass(frozen=True)
class MixContext:
    """What the requests need to know of the seeded database.

    Each user's services and the themes (for the forms); board members and a pool of open
    escalations, each acknowledged by exactly one request (so a button press is never a no-op).
    """

    services: dict[str, tuple[int, ...]] = field(default_factory=dict)
    themes: tuple[int, ...] = ()
    today: date = field(default_factory=date.today)
    board_users: tuple[str, ...] = ()
    board_channels: dict[int, str] = field(default_factory=dict)  # escalation id → its board's channel
    escalations: deque = field(default_factory=deque)

    def next_escalation(self) -> int:
        try:
            return self.escalations.popleft()
        except IndexError:
            raise RuntimeError("the pool of open escalations is used up; raise ESCALATION_MARGIN") from None

    def copy(self) -> MixContext:
        """The same ids with a pool of its own (the bare app consumes its copy)."""
        return replace(self, escalations=deque(self.escalations))


@dataclass(frozen=True)
class Built:
    """One request body, and the delivery key (with its kind) it must be stored under once, if any."""

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
    build: Callable[[int, str, random.Random, MixContext], Built]
    judge: Callable[[int, bytes], Verdict]
    missing: Callable[[], str | None]  # why the kind cannot run yet, or None
    stores: str | None = None  # the delivery kind (slack_deliveries.kind) of what it stores
    opens_modal: bool = False  # answers by calling views.open once
    acts_on: str | None = None  # "escalation": its key is the escalation it changes

    @property
    def tracked(self) -> str | None:
        """Under which name the database check follows this kind's keys."""
        return self.stores or self.acts_on


def trigger_id(seq: int) -> str:
    """A trigger id of Slack's shape, unique to this request, so no de-duplication can short-cut it."""
    return f"{seq}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def view_id(seq: int) -> str:
    return f"VL{seq:08d}{uuid.uuid4().hex[:8].upper()}"


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


def _needs(module: str, *attributes: str) -> Callable[[], str | None]:
    """A `missing()` that names the module or attribute not in the tree yet."""

    def missing() -> str | None:
        try:
            found = importlib.import_module(module)
        except ImportError as exc:
            return f"{module} cannot be imported ({exc})"
        for path in attributes:
            target = found
            for part in path.split("."):
                target = getattr(target, part, None)
                if target is None:
                    return f"{module}.{path} is not there yet"
        return None

    return missing


def _callback(module: str, path: str, fallback: str) -> str:
    """A listener id from the tree's enums (so the mix follows a rename), or the id known today."""
    try:
        target = importlib.import_module(module)
        for part in path.split("."):
            target = getattr(target, part)
        return str(target)
    except (ImportError, AttributeError):
        return fallback


def _select(value: str) -> dict:
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def _radio(value: str) -> dict:
    return {**_select(value), "type": "radio_buttons"}


def _checkboxes(*values: str) -> dict:
    return {
        "type": "checkboxes",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def _text(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def _number(value: int) -> dict:
    return {"type": "number_input", "value": str(value)}


def _modal_opened(status: int, raw: bytes) -> Verdict:
    """A command that opens a modal answers with an empty ack; a text reply means it refused."""
    body, error = _json_body(status, raw)
    if error:
        return Verdict(error)
    text = str((body or {}).get("text", ""))
    if text:
        return Verdict(f"replied instead of opening the form: {text[:80]!r}")
    return Verdict()


def _receipt(status: int, raw: bytes) -> Verdict:
    """A submission answers with `response_action: update` to a receipt quoting the reference."""
    body, error = _json_body(status, raw)
    if error:
        return Verdict(error)
    body = body or {}
    if body.get("response_action") == "errors":
        return Verdict(f"form errors {json.dumps(body.get('errors'))[:100]}")
    if body.get("response_action") != "update":
        return Verdict(f"no receipt: {json.dumps(body)[:100]}")
    text = json.dumps(body.get("view") or {})
    failure = _failure_text(text)
    if failure:
        return Verdict(failure)
    match = REFERENCE.search(text)
    if not match:
        return Verdict("no reference in the receipt")
    return Verdict(reference=match.group(0))


# --- /linkedup help ---------------------------------------------------------------------------------


def build_help_command(seq: int, user: str, rng: random.Random, ctx: MixContext) -> Built:
    return Built(slash_command_body("help", user_id=user, trigger_id=trigger_id(seq)))


def judge_help_command(status: int, raw: bytes) -> Verdict:
    body, error = _json_body(status, raw)
    if error:
        return Verdict(error)
    text = str((body or {}).get("text", ""))
    if f"{COMMAND} issue" not in text:
        return Verdict(f"help does not list `{COMMAND} issue`: {text[:80]!r}")
    return Verdict()


# --- /linkedup issue <text>: opens the issue modal, pre-filled, theme suggested ---------------------


def build_issue_command(seq: int, user: str, rng: random.Random, ctx: MixContext) -> Built:
    text = f"issue {rng.choice(ISSUE_TEXTS)} (load test {seq})"
    return Built(slash_command_body(text, user_id=user, trigger_id=trigger_id(seq)))


# --- view_submission of the issue modal --------------------------------------------------------------

ISSUE_CALLBACK = _callback("handlers.ids", "IntakeCallback.ISSUE", "linkedup_issue")


def build_issue_submission(seq: int, user: str, rng: random.Random, ctx: MixContext) -> Built:
    description = f"{rng.choice(ISSUE_TEXTS)} (load test {seq})"
    values = {
        "title": {"field": _text(description.split(".")[0][:80])},
        "description": {"field": _text(description)},
        "urgency": {"field": _radio(rng.choice(("routine", "routine", "soon", "urgent")))},
        "affected_age_range": {"field": _select(rng.choice(AGE_RANGES))},
        "affected_group": {"field": _text(rng.choice((None, "young carers", "children with SEND")))},
        "sensitive": {"field": _checkboxes()},
        "publish_allowed": {"field": _checkboxes(*(["yes"] if rng.random() < 0.5 else []))},
    }
    # The modal pre-selects the suggested theme; some people clear it and leave it to the bot.
    if ctx.themes and rng.random() < 0.7:
        values["theme"] = {"field": _select(str(rng.choice(ctx.themes)))}
    else:
        values["theme"] = {"field": {"type": "static_select", "selected_option": None}}
    vid = view_id(seq)
    payload = view_submission_payload(
        user_id=user,
        callback_id=ISSUE_CALLBACK,
        values=values,
        private_metadata=json.dumps({"source": "command", "channel": "C0NETWORK"}, separators=(",", ":")),
        view_id=vid,
        trigger_id=trigger_id(seq),
    )
    return Built(interactive_body(payload), key=f"view:{vid}")


# --- /linkedup waiting: opens the waiting-list return modal ------------------------------------------


def build_waiting_command(seq: int, user: str, rng: random.Random, ctx: MixContext) -> Built:
    return Built(slash_command_body("waiting", user_id=user, trigger_id=trigger_id(seq)))


# --- view_submission of the waiting-list return modal -----------------------------------------------

RETURN_CALLBACK = _callback("handlers.ids", "IntakeCallback.WAITING_RETURN", "linkedup_waiting_return")


def _months_back(today: date, count: int) -> list[str]:
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(f"{year:04d}-{month:02d}")
    return months


def build_return_submission(seq: int, user: str, rng: random.Random, ctx: MixContext) -> Built:
    services = ctx.services.get(user) or (0,)
    longest = rng.randint(0, 40)
    values = {
        "service": {"field": _select(str(rng.choice(services)))},
        "period": {"field": _select(rng.choice(_months_back(ctx.today, RETURN_MONTHS)))},
        "number_waiting": {"field": _number(rng.randint(0, 120))},
        "new_referrals": {"field": _number(rng.randint(0, 40))},
        "median_wait_weeks": {"field": _number(rng.randint(0, longest))},
        "longest_wait_weeks": {"field": _number(longest)},
        "capacity_status": {"field": _radio(rng.choice(CAPACITY))},
        "notes": {"field": _text(rng.choice((None, f"load test {seq}")))},
    }
    vid = view_id(seq)
    payload = view_submission_payload(
        user_id=user, callback_id=RETURN_CALLBACK, values=values, view_id=vid, trigger_id=trigger_id(seq)
    )
    return Built(interactive_body(payload), key=f"view:{vid}")


# --- block action: "Acknowledge" on an escalation card ----------------------------------------------

ACKNOWLEDGE_ACTION = _callback("handlers.ids", "EscalationAction.ACKNOWLEDGE.value", "escalation_acknowledge")


def build_acknowledge(seq: int, user: str, rng: random.Random, ctx: MixContext) -> Built:
    escalation = ctx.next_escalation()
    actor = ctx.board_users[seq % len(ctx.board_users)] if ctx.board_users else user
    payload = block_actions_payload(
        user_id=actor,
        action_id=ACKNOWLEDGE_ACTION,
        value=str(escalation),
        block_id="card",
        channel_id=ctx.board_channels.get(escalation, "C0BOARD"),
        message_ts=f"1700000000.{escalation:06d}",
        trigger_id=trigger_id(seq),
    )
    return Built(interactive_body(payload), key=str(escalation))


def judge_acknowledge(status: int, raw: bytes) -> Verdict:
    """The button acks at once (200, empty); the database check sees whether it was acknowledged."""
    body, error = _json_body(status, raw)
    if error:
        return Verdict(error)
    if body:
        return Verdict(f"unexpected answer to a button: {json.dumps(body)[:80]}")
    return Verdict()


KINDS: tuple[RequestKind, ...] = (
    RequestKind(
        name="issue-command",
        weight=3,
        listener=("command", COMMAND),
        build=build_issue_command,
        judge=_modal_opened,
        missing=_needs("handlers.issues", "issue_command"),
        opens_modal=True,
    ),
    RequestKind(
        name="issue-submit",
        weight=3,
        listener=("view", ISSUE_CALLBACK),
        build=build_issue_submission,
        judge=_receipt,
        missing=_needs("handlers.issues", "submit_issue"),
        stores="issue",
    ),
    RequestKind(
        name="waiting-command",
        weight=1,
        listener=("command", COMMAND),
        build=build_waiting_command,
        judge=_modal_opened,
        missing=_needs("handlers.returns", "waiting_command"),
        opens_modal=True,
    ),
    RequestKind(
        name="return-submit",
        weight=2,
        listener=("view", RETURN_CALLBACK),
        build=build_return_submission,
        judge=_receipt,
        missing=_needs("handlers.returns", "submit_return"),
        stores="waiting_return",
    ),
    RequestKind(
        name="acknowledge",
        weight=1,
        listener=("action", ACKNOWLEDGE_ACTION),
        build=build_acknowledge,
        judge=judge_acknowledge,
        missing=_needs("handlers.escalations", "on_acknowledge", "RENDERER"),
        acts_on="escalation",
    ),
    RequestKind(
        name="help-command",
        weight=1,
        listener=("command", COMMAND),
        build=build_help_command,
        judge=judge_help_command,
        missing=_needs("handlers.commands", "show_help"),
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
