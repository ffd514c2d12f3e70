"""The dashboard's issues: the list (filtered, searched, a page at a time), one issue's history, and
the choices the filters offer, always within what the viewer may see.

Every query here takes a `Viewer` and is narrowed by `reporting.scope.visible`, so a page can never
show an item, or a number built from items, the person is not allowed to see (a count of another
board's sensitive items would leak as surely as the items themselves).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from escalations.history import describe_event
from models import fields
from models.errors import NotFound, ValidationError
from models.escalations import Escalation, EscalationEvent
from models.issues import OPEN_STATUSES, Issue, IssueStatus
from models.network import Board, Organisation, Theme
from models.records import AuditLog
from models.wording import ChannelRef, Link, Mention, Wording
from reporting.access import Viewer
from reporting.paging import Page, paginate
from reporting.periods import Period, parse_period
from reporting.readable import BOT, event_words, members_of, people_names
from reporting.scope import held_by, visible

# The issues list counts its matches exactly up to here, then says "more than 10,000".
COUNT_LIMIT = 10_000
SEARCH_MAX = 200


@dataclass(frozen=True)
class IssueFilters:
    """What the issues list is narrowed to; every field optional."""

    theme: Theme | None = None
    no_theme: bool = False
    board: Board | None = None
    statuses: tuple[IssueStatus, ...] = ()
    organisation: Organisation | None = None
    period: Period | None = None
    search: str | None = None
    active: dict[str, str] = field(default_factory=dict)  # the parameters as given, for links


FILTER_PARAMETERS = ("theme", "board", "state", "organisation", "period", "q")
STATE_CHOICES: dict[str, tuple[IssueStatus, ...]] = {
    "open": OPEN_STATUSES,
    **{status.value: (status,) for status in IssueStatus},
}


def parse_issue_filters(session: Session, params: dict[str, str]) -> IssueFilters:
    """Turn query parameters into filters; unknown values are a ValidationError naming the parameter."""
    errors: dict[str, str] = {}
    active = {
        k: v.strip()
        for k, v in params.items()
        if k in {"theme", "board", "state", "organisation", "period", "q"} and v.strip()
    }
    theme = board = organisation = period = None
    no_theme = False
    statuses: tuple[IssueStatus, ...] = ()
    if slug := active.get("theme"):
        if slug == "none":
            no_theme = True
        else:
            theme = session.scalar(select(Theme).where(Theme.slug == slug))
            if theme is None:
                errors["theme"] = f"There is no theme {slug!r}."
    if slug := active.get("board"):
        board = session.scalar(select(Board).where(Board.slug == slug))
        if board is None:
            errors["board"] = f"There is no board {slug!r}."
    if state := active.get("state"):
        if state not in STATE_CHOICES:
            errors["state"] = f"{state!r} is not a state; use one of: {', '.join(STATE_CHOICES)}."
        else:
            statuses = STATE_CHOICES[state]
    if raw := active.get("organisation"):
        if (number := fields.record_id(raw)) is None:
            errors["organisation"] = f"{raw!r} is not an organisation number."
        else:
            organisation = session.get(Organisation, number)
            if organisation is None:
                errors["organisation"] = f"There is no organisation number {raw}."
    if raw := active.get("period"):
        try:
            period = parse_period(raw)
        except ValidationError as exc:
            errors.update(exc.errors)
    search = active.get("q")
    if search is not None and len(search) > SEARCH_MAX:
        errors["q"] = f"Keep the search under {SEARCH_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return IssueFilters(
        theme=theme,
        no_theme=no_theme,
        board=board,
        statuses=statuses,
        organisation=organisation,
        period=period,
        search=search,
        active=active,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


NEWEST_FIRST = (Issue.created_at.desc(), Issue.id.desc())


def issue_keys_query(viewer: Viewer, filters: IssueFilters) -> Select:
    """The ids of the viewer's issues narrowed by the filters, newest first."""
    statement = select(Issue.id).where(visible(viewer))
    if filters.theme is not None:
        statement = statement.where(Issue.theme_id == filters.theme.id)
    if filters.no_theme:
        statement = statement.where(Issue.theme_id.is_(None))
    if filters.board is not None:
        statement = statement.where(held_by([filters.board.id]))
    if filters.statuses:
        statement = statement.where(Issue.status.in_(filters.statuses))
    if filters.organisation is not None:
        statement = statement.where(Issue.organisation_id == filters.organisation.id)
        if not (viewer.officer or viewer.sees_sensitive_organisations):
            # Filtering by organisation must not reveal who raised a sensitive item.
            statement = statement.where(
                or_(Issue.sensitive.is_(False), Issue.organisation_id == viewer.organisation_id)
            )
    if filters.period is not None:
        statement = statement.where(
            Issue.created_at >= filters.period.start_utc, Issue.created_at < filters.period.end_utc
        )
    if filters.search:
        # The same expressions as the trigram indexes (models.issues), so PostgreSQL can use them.
        pattern = f"%{_escape_like(filters.search.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Issue.title).like(pattern, escape="\\"),
                func.lower(Issue.description).like(pattern, escape="\\"),
                func.lower(Issue.reference).like(pattern, escape="\\"),
            )
        )
    return statement.order_by(*NEWEST_FIRST)


def issues_by_id(ids: Select) -> Select:
    """The issues (with organisation and theme) whose ids the subquery selects, newest first."""
    return (
        select(Issue)
        .options(joinedload(Issue.organisation), joinedload(Issue.theme))
        .where(Issue.id.in_(ids.correlate(None)))
        .order_by(*NEWEST_FIRST)
    )


def list_issues(
    session: Session, viewer: Viewer, filters: IssueFilters, *, page: int = 1, per_page: int = 25
) -> Page[Issue]:
    """One page of the viewer's issues. The page is found on ids alone (an index-only walk where the
    filters allow, e.g. page 200 of a board's issues) and only its rows are then loaded."""
    return paginate(
        session,
        issue_keys_query(viewer, filters),
        page=page,
        per_page=per_page,
        count_limit=COUNT_LIMIT,
        load=issues_by_id,
    )


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    detail: str
    sentence: str = ""  # what happened as one sentence, when the record says enough to write one


@dataclass(frozen=True)
class IssueHistory:
    issue: Issue
    organisation_shown: bool
    escalations: list[Escalation]
    entries: list[HistoryEntry]


WITHHELD = "Withheld (safeguarding)"


def organisation_shown(viewer: Viewer, issue: Issue) -> bool:
    """Whether the viewer may see who raised the item: sensitive items keep the organisation back
    from board members unless their safeguarding board has chosen to see it."""
    return (
        not issue.sensitive
        or viewer.officer
        or issue.organisation_id == viewer.organisation_id
        or viewer.sees_sensitive_organisations
    )


def _describe(row: AuditLog) -> str:
    after = row.after or {}
    before = row.before or {}
    changes = []
    for key in sorted(set(after) | set(before)):
        if key in ("title", "organisation", "description"):
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append(f"{key}: {old} → {new}" if old is not None else f"{key}: {new}")
    return "; ".join(changes)


def _describe_event(event: EscalationEvent) -> str:
    parts = []
    if event.from_board or event.to_board:
        if event.from_board and event.to_board and event.from_board != event.to_board:
            parts.append(f"{event.from_board} → {event.to_board}")
        else:
            parts.append(event.to_board or event.from_board or "")
    if event.from_state != event.to_state and (event.from_state or event.to_state):
        parts.append(f"{event.from_state or '—'} → {event.to_state or '—'}")
    for key in ("reason", "outcome", "note"):
        value = (event.detail or {}).get(key)
        if isinstance(value, str) and value:
            parts.append(f"{key}: {value[:300]}")
    return "; ".join(p for p in parts if p)


def _in_words(wording: Wording, names: dict[str, str]) -> str:
    """A history sentence for a web page: people by name (not Slack ids), channels as the board's."""
    out = []
    for part in wording.parts:
        if isinstance(part, Mention):
            out.append(names.get(part.user, BOT) if part.user and part.user != "system" else BOT)
        elif isinstance(part, ChannelRef):
            out.append("the board's channel")
        elif isinstance(part, Link):
            out.append(part.label)
        elif isinstance(part, str):
            out.append(part)
        else:
            out.append(part.text)
    text = re.sub(r"\s*\(\)|\s*“”", "", "".join(out)).strip().rstrip(":").strip()  # a reason not recorded
    return text[:1].upper() + text[1:]


def issue_history(session: Session, viewer: Viewer, reference: str) -> IssueHistory:
    """One issue, each board's turn with it and its whole history (audit log and escalation events),
    or NotFound if it does not exist or is not the viewer's to see."""
    issue = session.scalar(
        select(Issue)
        .options(joinedload(Issue.organisation), joinedload(Issue.theme))
        .where(Issue.reference == reference, visible(viewer))
    )
    if issue is None:
        raise NotFound(f"No issue {reference} that you can see.")
    shown = organisation_shown(viewer, issue)
    entries = [
        HistoryEntry(at=row.at, actor=row.actor, action=row.action, detail=_describe(row))
        for row in session.scalars(
            select(AuditLog).where(AuditLog.entity == "issue", AuditLog.entity_id == issue.reference)
        )
    ]
    events = list(session.scalars(select(EscalationEvent).where(EscalationEvent.issue_id == issue.id)))
    sentences = {id(event): describe_event(event) for event in events}
    entries += [
        HistoryEntry(
            at=event.at,
            actor=event.actor,
            action=event.kind,
            detail=_describe_event(event),
            sentence=sentences[id(event)],
        )
        for event in events
    ]
    entries.sort(key=lambda entry: entry.at)
    # Names and words, not Slack ids and event keys; a withheld organisation's people are withheld too.
    actors = {entry.actor for entry in entries}
    actors |= {
        part.user for wording in sentences.values() for part in wording.parts if isinstance(part, Mention)
    }
    actors.discard(None)
    names = people_names(session, actors)
    if not shown:
        names |= dict.fromkeys(members_of(session, issue.organisation_id, actors), WITHHELD)
    entries = [
        HistoryEntry(
            e.at,
            names.get(e.actor, e.actor),
            event_words(e.action),
            e.detail,
            _in_words(e.sentence, names) if e.sentence else "",
        )
        for e in entries
    ]
    if not shown:
        name = issue.organisation.name
        entries = [
            HistoryEntry(
                e.at, e.actor, e.action, e.detail.replace(name, WITHHELD), e.sentence.replace(name, WITHHELD)
            )
            for e in entries
        ]
    escalations = list(
        session.scalars(
            select(Escalation)
            .options(joinedload(Escalation.board))
            .where(Escalation.issue_id == issue.id)
            .order_by(Escalation.started_at, Escalation.id)
        )
    )
    return IssueHistory(issue=issue, organisation_shown=shown, escalations=escalations, entries=entries)


def boards_for_filters(session: Session) -> Sequence[Board]:
    return session.scalars(select(Board).order_by(Board.name)).all()


def themes_for_filters(session: Session) -> Sequence[Theme]:
    return session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()


def organisations_for_filters(session: Session, viewer: Viewer) -> Sequence[Row[tuple[int, str]]]:
    """Organisations offered in the filter (id and name): all for the officer and boards, one's own
    otherwise. Plain rows, not entities: a county network has thousands, on every issues page."""
    statement = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if not viewer.officer and not viewer.board_ids:
        statement = statement.where(Organisation.id == viewer.organisation_id)
    return session.execute(statement).all()
