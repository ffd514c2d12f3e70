"""What the person who raised an issue is owed: a note at every change, and where it stands now.

The partnership promises the sector hears what happened to what it raised. Each change of an
issue's state — routed, acknowledged, re-assigned, escalated, reopened, closed, its theme corrected —
tells the raiser in one direct message saying what changed and where the item stands: the board it is
with, what it is waiting for and by when (working days and a date). The answer itself is its own
message (it carries the Satisfied / Not satisfied buttons) and also says where the item stands.

Changes close together are told together: the note waits `HOLD` after the first change for more,
and a change made while it waits is added to it (the row updated in place, its standing refreshed),
so a re-assignment followed by an escalation half a minute later is one message. Nobody can turn
these off: they are what the raiser is owed, not a board's preference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from escalations.people import AUTOMATIC, name, names_of
from escalations.ports import Renderer
from escalations.views import Notice, NoticeKind
from escalations.working_days import describe, is_working_day, london
from models.escalations import LIVE_STATES, Escalation, EscalationEvent, EscalationState
from models.issues import Issue, IssueStatus
from models.outbox import OutboxMessage, OutboxStatus

HOLD = timedelta(minutes=1)
TOPIC = "issue:{issue_id}:status"  # the raiser's notes of one issue; each note's key adds ":<n>"
METADATA_EVENT = "linkedup_issue_status"
MAX_CHANGES = 12  # a note lists at most this many changes (the history has them all)
HEADING_MAX = 140  # a Block Kit header holds 150 characters


@dataclass(frozen=True)
class Standing:
    """Where an issue stands, in words: whose it is, what it waits for, and by when."""

    reference: str
    title: str
    status: str
    board: str | None
    waiting_for: str
    due: datetime | None = None
    due_words: str | None = None

    def sentence(self) -> str:
        where = f"With the {self.board}" if self.board else "With no board"
        if self.status in ("closed", "withdrawn", "duplicate", "redirected"):
            return f"{self.status.capitalize()}: {self.waiting_for}."
        text = f"{where}, waiting for {self.waiting_for}"
        return text + (f", due {self.due_words}." if self.due_words else ".")


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end == start:
        return 0
    step = 1 if end > start else -1
    count, day = 0, start
    while day != end:
        day += timedelta(days=step)
        if is_working_day(day if step > 0 else day + timedelta(days=1)):
            count += step
    return count


def due_in_words(due: datetime, now: datetime) -> str:
    """ "in 3 working days (Thu 10 Dec 2026, 18:00)", "today (…)" or "2 working days ago (…)"."""
    days = working_days_between(london(now).date(), london(due).date())
    when = describe(due)
    if due <= now:
        if days >= 0:
            return f"by {when} — overdue"
        return f"by {when} — overdue by {-days} working day{'s' if days != -1 else ''}"
    if days == 0:
        return f"today ({when})"
    if days == 1:
        return f"in 1 working day ({when})"
    return f"in {days} working days ({when})"


def standing(issue: Issue, live: Escalation | None, *, now: datetime, triaged: bool = False) -> Standing:
    """Where `issue` stands, given its live escalation (None when no board has it)."""
    base = {"reference": issue.reference, "title": issue.title, "status": issue.status.value}
    if issue.status == IssueStatus.CLOSED:
        return Standing(**base, board=None, waiting_for="the organisation accepted the answer")
    if issue.status in (IssueStatus.WITHDRAWN, IssueStatus.DUPLICATE, IssueStatus.REDIRECTED):
        return Standing(**base, board=None, waiting_for="nothing more is expected")
    if live is None:
        if issue.status == IssueStatus.ANSWERED:
            return Standing(**base, board=None, waiting_for="the organisation to say whether it settles it")
        if triaged:
            return Standing(**base, board=None, waiting_for="the Linked-up officer to choose its board")
        return Standing(**base, board=None, waiting_for="the organisation's registration to be approved")
    board = live.board_name
    if live.state == EscalationState.OPEN:
        due = live.acknowledge_by
        return Standing(
            **base,
            board=board,
            waiting_for="the board to acknowledge it",
            due=due,
            due_words=due_in_words(due, now),
        )
    if live.state == EscalationState.ACKNOWLEDGED:
        due = live.respond_by
        return Standing(
            **base, board=board, waiting_for="the board's answer", due=due, due_words=due_in_words(due, now)
        )
    follow = ""
    if live.follow_up_date:
        follow = f"; the board will follow up by {live.follow_up_date:%a %-d %b %Y}"
    return Standing(
        **base, board=board, waiting_for=f"the organisation to say whether the answer settles it{follow}"
    )


def standings(
    session: Session,
    issues: list[Issue],
    *,
    now: datetime,
    known: Mapping[int, Escalation] | None = None,
) -> dict[int, Standing]:
    """Each issue's standing by id, with two queries for the lot (for lists: status, Home, dashboard).

    `known`: live escalations the caller holds (by issue id: the one it just started or moved), so
    they are not read again; the others are looked up, and triage only for issues with none.
    """
    ids = [issue.id for issue in issues]
    if not ids:
        return {}
    lives = {issue_id: live for issue_id, live in (known or {}).items() if issue_id in ids}
    unknown = [i for i in ids if i not in lives]
    if unknown:
        lives.update(
            (row.issue_id, row)
            for row in session.scalars(
                select(Escalation).where(Escalation.issue_id.in_(unknown), Escalation.state.in_(LIVE_STATES))
            )
        )
    unrouted = [i for i in ids if i not in lives]
    triaged = set()
    if unrouted:
        triaged = set(
            session.scalars(
                select(EscalationEvent.issue_id).where(
                    EscalationEvent.issue_id.in_(unrouted), EscalationEvent.kind == "triaged"
                )
            )
        )
    return {
        issue.id: standing(issue, lives.get(issue.id), now=now, triaged=issue.id in triaged)
        for issue in issues
    }


def standing_of(session: Session, issue: Issue, *, now: datetime) -> Standing:
    return standings(session, [issue], now=now)[issue.id]


def who_did(session: Session, issue: Issue, actor: str) -> str:
    """The person who made a change, as the raiser reads it ("you" when it was them)."""
    if actor == issue.raised_by:
        return "you"
    return name(names_of(session, [actor]), actor)


def by_whom(session: Session, issue: Issue, actor: str) -> str:
    """ "automatically" for the sweep's moves, "by <name>" for a person's."""
    who = who_did(session, issue, actor)
    return "automatically" if who == AUTOMATIC else f"by {who}"


def tell_raiser(
    session: Session,
    issue: Issue,
    change: str | None,
    *,
    now: datetime,
    render: Renderer,
    live: Escalation | None = None,
    fresh: bool = False,
) -> str | None:
    """Tell the raiser of `issue` about `change` (a sentence), with where the item now stands.

    A note still waiting to go (queued less than `HOLD` ago, not yet attempted) takes the change
    and the fresh standing in place; otherwise a new note is queued, held for `HOLD`. With
    `change=None` only a waiting note is refreshed (the answer, sent on its own, calls this so a
    note about an earlier change does not go out saying the item still waits). Returns the key.
    `live`, `fresh`: see `tell_raisers`.
    """
    known = {issue.id: live} if live is not None else None
    return tell_raisers(session, [(issue, change)], now=now, render=render, live=known, fresh=fresh)[0]


def tell_raisers(
    session: Session,
    changes: list[tuple[Issue, str | None]],
    *,
    now: datetime,
    render: Renderer,
    live: Mapping[int, Escalation] | None = None,
    fresh: bool = False,
) -> list[str | None]:
    """`tell_raiser` for many issues at once (the sweep moves a hundred): the notes so far (how many,
    and the one still waiting) and the standings are read in one query each, not three per issue.

    The caller saves reads it need not make: `live`, the live escalations it holds by issue id (one it
    just started or acknowledged); `fresh`, the issues were raised in this very transaction, so none
    has a note yet. The new notes are added to the session, saved by its next flush or the commit.
    """
    issues = list({issue.id: issue for issue, _ in changes}.values())
    topics = {issue.id: TOPIC.format(issue_id=issue.id) for issue in issues}
    waiting: dict[str, OutboxMessage] = {}
    counts: dict[str, int] = {}
    if not fresh:
        counts, waiting = _notes_so_far(session, list(topics.values()), now=now)
    standing_now = standings(session, issues, now=now, known=live)
    keys: list[str | None] = []
    for issue, change in changes:
        topic = topics[issue.id]
        note = waiting.get(topic)
        if note is None and change is None:
            keys.append(None)
            continue
        told = list(_changes_of(note.payload) if note is not None else [])
        if change:
            told.append(change)
        body = render.notice(status_notice(issue, standing_now[issue.id], told))
        # The changes told so far travel in Slack's message metadata, so a waiting note can take more.
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"reference": issue.reference, "changes": told},
        }
        payload = {"user": issue.raised_by, **body, "metadata": metadata}
        if note is not None:
            note.payload = payload
            keys.append(note.key)
            continue
        counts[topic] = counts.get(topic, 0) + 1
        note = OutboxMessage(
            key=f"{topic}:{counts[topic]}",
            topic=topic,
            method="dm",
            payload=payload,
            next_attempt_at=now + HOLD,
        )
        session.add(note)
        waiting[topic] = note  # a second change to the same issue in this batch folds into it
        keys.append(note.key)
    return keys


# Built once (values bound at execution): building them costs about as much as running them, and every
# change an issue goes through runs them.
_NOTES_SO_FAR = (
    select(
        OutboxMessage.topic,
        func.count(),
        func.max(
            case(
                (
                    (OutboxMessage.status == OutboxStatus.PENDING)
                    & (OutboxMessage.attempts == 0)
                    & (OutboxMessage.next_attempt_at > bindparam("now")),
                    OutboxMessage.id,
                )
            )
        ),
    )
    .where(OutboxMessage.topic.in_(bindparam("topics", expanding=True)))
    .group_by(OutboxMessage.topic)
)
_NOTES = select(OutboxMessage).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))


def _notes_so_far(
    session: Session, topics: list[str], *, now: datetime
) -> tuple[dict[str, int], dict[str, OutboxMessage]]:
    """For each topic, how many notes it has had and the newest one still waiting to go (if any)."""
    rows = session.execute(_NOTES_SO_FAR, {"now": now, "topics": topics}).all()
    counts = {topic: count for topic, count, _ in rows}
    waiting_ids = [newest for _, _, newest in rows if newest is not None]
    waiting: dict[str, OutboxMessage] = {}
    if waiting_ids:
        for note in session.scalars(_NOTES, {"ids": waiting_ids}):
            waiting[note.topic] = note
    return counts, waiting


def _changes_of(payload: dict) -> list[str]:
    return list(((payload.get("metadata") or {}).get("event_payload") or {}).get("changes") or [])


def status_notice(issue: Issue, now_standing: Standing, changes: list[str]) -> Notice:
    """The raiser's note: what changed (oldest first) and where the item stands now."""
    shown = changes[-MAX_CHANGES:]
    latest = shown[-1] if shown else now_standing.sentence()
    heading = f"{issue.reference}: {latest[0].lower()}{latest[1:]}".rstrip(".")
    if len(heading) > HEADING_MAX:
        heading = heading[: HEADING_MAX - 1].rsplit(" ", 1)[0] + "…"
    lines = [f"“{issue.title}”"]
    lines += [f"• {change}" for change in shown]
    lines.append(f"*Where it stands:* {now_standing.sentence()}")
    lines.append(f"Its whole history: `/linkedup history {issue.reference}`")
    return Notice(
        kind=NoticeKind.STATUS,
        reference=issue.reference,
        title=issue.title,
        heading=heading,
        lines=tuple(lines),
        issue_id=issue.id,
    )


def overdue_reason(escalation: Escalation, *, now: datetime) -> str:
    """Why an escalation past a deadline is still where it is, in a sentence (every overdue item has one)."""
    board = escalation.board_name
    if escalation.state == EscalationState.OPEN and escalation.acknowledge_by < now < escalation.respond_by:
        sent = escalation.reminders_sent
        return (
            f"the {board} has not acknowledged it (due {due_in_words(escalation.acknowledge_by, now)}); "
            f"{sent} reminder{'s' if sent != 1 else ''} sent"
        )
    late = f"no answer from the {board} (due {due_in_words(escalation.respond_by, now)})"
    if not escalation.at_top:
        parent = escalation.rungs[escalation.rung + 1].name
        return f"{late}; the next sweep moves it up to the {parent}"
    if escalation.officer_alerted_at is not None:
        return (
            f"{late}; the {board} is the top of its ladder, so nothing moves it on: the officer was told "
            f"on {describe(escalation.officer_alerted_at)} and can re-route it or chase the board"
        )
    return f"{late}; the {board} is the top of its ladder: the next sweep tells the officer"
