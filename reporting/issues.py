"""The figures behind the dashboard and the board report, always within what the viewer may see.

Every query here takes a `Viewer` and applies `access.issue_visibility`, so a page can never show a
number built from items the person is not allowed to see (a count of another board's sensitive
items would leak as surely as the items themselves). Aggregates are computed in the database with
GROUP BY, so pages stay quick however many issues there are.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, or_, select, text
from sqlalchemy.orm import Session, aliased, joinedload

from models import fields
from models.errors import NotFound, ValidationError
from models.escalations import AWAITING_BOARD, LIVE_STATES, Escalation, EscalationEvent, EscalationState
from models.issues import OPEN_STATUSES, Issue, IssueStatus
from models.network import Board, Meeting, Organisation, Theme
from models.records import AuditLog
from reporting.access import Viewer, issue_visibility

T = TypeVar("T")
LONDON = ZoneInfo("Europe/London")
MAX_PAGE = 100_000
# The issues list counts its matches exactly up to here, then says "more than 10,000".
COUNT_LIMIT = 10_000
PER_PAGE_CHOICES = (10, 25, 50, 100)
SEARCH_MAX = 200
NO_THEME = "No theme (officer's triage)"
NO_BOARD = "No board (officer's triage)"


# ---------------------------------------------------------------------------------------------- routing
def held_by(board_ids: Collection[int]) -> ColumnElement[bool]:
    """The issue is, or has been, in front of one of these boards (it has an escalation there).

    Items the officer has not routed yet (triage, held for approval) have no escalation, so only the
    officer and the raising organisation see them.

    Written as `issues.id IN (SELECT issue_id FROM escalations WHERE board_id IN …)` rather than a
    correlated EXISTS: PostgreSQL then reads the boards' issue ids once from the (board_id, issue_id)
    index and semi-joins, instead of probing escalations for every issue of a million.
    """
    held = aliased(Escalation)  # so it never correlates with an Escalation in the outer query
    return Issue.id.in_(select(held.issue_id).where(held.board_id.in_(list(board_ids))).correlate(None))


def visible(viewer: Viewer) -> ColumnElement[bool]:
    return issue_visibility(viewer, held_by)


# ---------------------------------------------------------------------------------------------- paging
@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list, with what the page links need.

    `total` is exact unless `total_is_lower_bound`: a list counted only up to a limit (see
    `paginate(count_limit=…)`) has at least `total` items, and then there is no last page number.
    """

    items: list[T]
    number: int
    per_page: int
    total: int
    total_is_lower_bound: bool = False
    more_after: bool = False  # an item follows this page (known from fetching one past it)

    @property
    def pages(self) -> int | None:
        if self.total_is_lower_bound:
            return None
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        if self.total_is_lower_bound:
            return self.more_after
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        if not self.items and (self.total == 0 or self.total_is_lower_bound):
            return 0
        return (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        if self.total_is_lower_bound:
            return (self.number - 1) * self.per_page + len(self.items)
        return min(self.total, self.number * self.per_page)


def paginate(
    session: Session,
    statement: Select,
    *,
    page: int,
    per_page: int,
    scalars: bool = True,
    count_limit: int | None = None,
    load: Callable[[Select], Select] | None = None,
) -> Page:
    """Count the statement's rows and fetch one page of them (page numbers start at 1).

    With `count_limit`, rows are counted only up to that many: counting every one of a million
    matching rows costs more than the page itself, and "more than 10,000" tells a reader as much
    (narrow the filters to see an exact figure). Below the limit the count is exact as ever.

    With `load`, `statement` selects keys only and `load(keys of the page)` fetches the page's rows.
    """
    if page < 1 or page > MAX_PAGE:
        raise ValidationError({"page": f"Pages are numbered from 1 to {MAX_PAGE:,}."})
    if per_page < 1 or per_page > max(PER_PAGE_CHOICES):
        raise ValidationError({"per_page": f"Choose between 1 and {max(PER_PAGE_CHOICES)} items a page."})
    counted = statement.order_by(None)
    if count_limit is not None:
        counted = counted.limit(count_limit + 1)
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    bounded = count_limit is not None and total > count_limit
    offset = (page - 1) * per_page
    # Past a bounded count, one row beyond the page says whether a next page exists.
    window = statement.limit(per_page + 1 if bounded else per_page).offset(offset)
    if load is not None:
        window = load(window)
    rows = list(session.scalars(window).unique()) if scalars else list(session.execute(window).all())
    if not bounded:
        return Page(items=rows, number=page, per_page=per_page, total=total)
    return Page(
        items=rows[:per_page],
        number=page,
        per_page=per_page,
        total=count_limit,
        total_is_lower_bound=True,
        more_after=len(rows) > per_page,
    )


# ---------------------------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    """A calendar span in Europe/London, e.g. 2026, 2026Q3 or 2026-07, with its UTC bounds."""

    label: str
    start: date
    end: date  # exclusive

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), LONDON).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), LONDON).astimezone(UTC)


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str, *, field_name: str = "period") -> Period:
    """`2026`, `2026Q3` (or `2026-Q3`) or `2026-07`; anything else is a ValidationError."""
    text = text.strip()
    if m := _YEAR.match(text):
        year = int(m.group(1))
        if 2000 <= year <= 2100:
            return Period(text, date(year, 1, 1), date(year + 1, 1, 1))
    elif m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        if 2000 <= year <= 2100:
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            return Period(f"{year} Q{quarter}", start, end)
    elif m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return Period(f"{calendar.month_name[month]} {year}", date(year, month, 1), end)
    raise ValidationError(
        {field_name: f"{text!r} is not a period: use a year (2026), a quarter (2026Q3) or a month (2026-07)."}
    )


# ---------------------------------------------------------------------------------------------- issues
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


def issues_query(viewer: Viewer, filters: IssueFilters) -> Select:
    """The viewer's issues narrowed by the filters, newest first."""
    return issues_by_id(issue_keys_query(viewer, filters))


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
    entries += [
        HistoryEntry(at=event.at, actor=event.actor, action=event.kind, detail=_describe_event(event))
        for event in session.scalars(select(EscalationEvent).where(EscalationEvent.issue_id == issue.id))
    ]
    entries.sort(key=lambda entry: entry.at)
    if not shown:
        name = issue.organisation.name
        entries = [HistoryEntry(e.at, e.actor, e.action, e.detail.replace(name, WITHHELD)) for e in entries]
    escalations = list(
        session.scalars(
            select(Escalation)
            .options(joinedload(Escalation.board))
            .where(Escalation.issue_id == issue.id)
            .order_by(Escalation.started_at, Escalation.id)
        )
    )
    return IssueHistory(issue=issue, organisation_shown=shown, escalations=escalations, entries=entries)


# ---------------------------------------------------------------------------------------------- overview
@contextmanager
def _in_one_process(session: Session) -> Iterator[None]:
    """Run the statements inside without PostgreSQL's parallel workers.

    A board member's figures semi-join issues with their boards' issue ids. In one process PostgreSQL
    merges id-ordered indexes; with workers it builds and probes a shared hash of the boards' issue
    ids instead, which measured two to three times slower on a two-core server also running the web
    app (benchmarks/dashboard.py at a million issues: totals ~130 ms against ~250 ms, open issues
    ~36 ms against ~98 ms). The officer's plain counts gain from workers and do not use this.
    Scoped to the statements inside (SET LOCAL, then back to the default); a failed statement rolls
    the setting back with its transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    yield
    session.execute(text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))


def _for_viewer(session: Session, viewer: Viewer) -> AbstractContextManager[None]:
    """No parallel workers for anyone but the officer (see `_in_one_process`)."""
    return nullcontext() if viewer.sees_everything else _in_one_process(session)


def open_issues_by_theme_and_board(
    session: Session, viewer: Viewer
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Open issues (received or acknowledged) counted per theme and per board that has them now
    (unrouted ones under the officer's triage), each largest first.

    One GROUP BY theme × board gives both charts: the viewer's open issues are found once, not twice.
    An issue has at most one live escalation (uq_escalations_live_issue), so the board join never
    counts an issue twice.
    """
    statement = (
        select(Theme.name, Board.name, func.count(Issue.id))
        .select_from(Issue)
        .outerjoin(Theme, Theme.id == Issue.theme_id)
        .outerjoin(Escalation, and_(Escalation.issue_id == Issue.id, Escalation.state.in_(LIVE_STATES)))
        .outerjoin(Board, Board.id == Escalation.board_id)
        .where(Issue.status.in_(OPEN_STATUSES), visible(viewer))
        .group_by(Theme.name, Board.name)
    )
    with _for_viewer(session, viewer):
        rows = session.execute(statement).all()
    by_theme: dict[str, int] = {}
    by_board: dict[str, int] = {}
    for theme, board, count in rows:
        by_theme[theme or NO_THEME] = by_theme.get(theme or NO_THEME, 0) + count
        by_board[board or NO_BOARD] = by_board.get(board or NO_BOARD, 0) + count

    def largest_first(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda r: (-r[1], r[0]))

    return largest_first(by_theme), largest_first(by_board)


def open_issues_by_theme(session: Session, viewer: Viewer) -> list[tuple[str, int]]:
    """Open issues (received or acknowledged) counted per theme, largest first."""
    return open_issues_by_theme_and_board(session, viewer)[0]


def open_issues_by_board(session: Session, viewer: Viewer) -> list[tuple[str, int]]:
    """Open issues counted by the board that has them now; unrouted ones under the officer's triage."""
    return open_issues_by_theme_and_board(session, viewer)[1]


def issue_totals(session: Session, viewer: Viewer) -> dict[str, int]:
    """How many of the viewer's issues are open, answered and all-time."""
    statement = select(Issue.status, func.count(Issue.id)).where(visible(viewer)).group_by(Issue.status)
    with _for_viewer(session, viewer):  # the officer's is one index scan, which workers share well
        rows = session.execute(statement).all()
    by_status = {IssueStatus(status): count for status, count in rows}
    return {
        "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "answered": by_status.get(IssueStatus.ANSWERED, 0) + by_status.get(IssueStatus.CLOSED, 0),
        "total": sum(by_status.values()),
    }


def _visible_escalations(statement: Select, viewer: Viewer) -> Select:
    """Narrow a statement over escalations to those whose issue the viewer may see. The officer sees
    every issue, so nothing is joined: at a million escalations the join alone costs more than the
    figures (every escalation has its issue: issue_id is a non-null foreign key)."""
    if viewer.sees_everything:
        return statement
    return statement.join(Issue, Issue.id == Escalation.issue_id).where(visible(viewer))


def _overdue(now: datetime) -> ColumnElement[bool]:
    # The leading state test is implied by the rest; it is spelled out so that PostgreSQL matches the
    # partial index ix_escalations_awaiting_due (count and longest-overdue from the index alone).
    return and_(
        Escalation.state.in_(AWAITING_BOARD),
        or_(
            and_(Escalation.state == EscalationState.OPEN, Escalation.acknowledge_by < now),
            and_(Escalation.state.in_(AWAITING_BOARD), Escalation.respond_by < now),
        ),
    )


@dataclass(frozen=True)
class OverdueEscalation:
    escalation: Escalation
    what: str  # "acknowledgement" or "response"
    due: datetime
    organisation_shown: bool


def overdue_escalations(
    session: Session, viewer: Viewer, *, now: datetime, limit: int = 10
) -> tuple[int, list[OverdueEscalation]]:
    """How many live escalations the viewer can see are past a deadline, and the longest overdue."""
    counted = _visible_escalations(select(func.count(Escalation.id)), viewer).where(_overdue(now))
    listed = (
        _visible_escalations(select(Escalation), viewer)
        .options(joinedload(Escalation.board), joinedload(Escalation.issue).joinedload(Issue.organisation))
        .where(_overdue(now))
    )
    with _for_viewer(session, viewer):
        total = session.scalar(counted) or 0
        rows = session.scalars(listed.order_by(Escalation.acknowledge_by, Escalation.id).limit(limit)).all()
    items = []
    for row in rows:
        if row.state == EscalationState.OPEN and row.acknowledge_by < now:
            what, when = "acknowledgement", row.acknowledge_by
        else:
            what, when = "response", row.respond_by
        items.append(OverdueEscalation(row, what, when, organisation_shown(viewer, row.issue)))
    items.sort(key=lambda item: item.due)
    return total, items


# ---------------------------------------------------------------------------------------------- timeliness
@dataclass(frozen=True)
class BoardTimeliness:
    """How one board keeps to its timeframes, over the escalations started in the period."""

    board: str
    escalations: int
    acknowledged: int
    median_acknowledge: timedelta | None
    acknowledged_in_time: int
    acknowledge_due: int  # acknowledged, or past the deadline without it
    responded: int
    median_respond: timedelta | None
    responded_in_time: int
    respond_due: int

    @property
    def acknowledge_share(self) -> float | None:
        return self.acknowledged_in_time / self.acknowledge_due if self.acknowledge_due else None

    @property
    def respond_share(self) -> float | None:
        return self.responded_in_time / self.respond_due if self.respond_due else None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def board_timeliness(
    session: Session, viewer: Viewer, *, now: datetime, period: Period | None = None
) -> list[BoardTimeliness]:
    """Per board: median time to acknowledge and to respond, and the share done within the timeframe.

    Counts are one GROUP BY; medians need the durations themselves (PostgreSQL computes them with
    percentile_cont, SQLite — a one-borough deployment — in Python).
    """
    conditions = [Escalation.board_id.is_not(None)]
    if period is not None:
        conditions += [Escalation.started_at >= period.start_utc, Escalation.started_at < period.end_utc]
    ack_in_time = and_(
        Escalation.acknowledged_at.is_not(None), Escalation.acknowledged_at <= Escalation.acknowledge_by
    )
    ack_due = or_(Escalation.acknowledged_at.is_not(None), Escalation.acknowledge_by < now)
    resp_in_time = and_(
        Escalation.responded_at.is_not(None), Escalation.responded_at <= Escalation.respond_by
    )
    resp_due = or_(Escalation.responded_at.is_not(None), Escalation.respond_by < now)

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    dialect = session.get_bind().dialect.name
    columns = [
        Board.name,
        func.count(Escalation.id),
        func.count(Escalation.acknowledged_at),
        count_if(ack_in_time),
        count_if(ack_due),
        func.count(Escalation.responded_at),
        count_if(resp_in_time),
        count_if(resp_due),
    ]
    if dialect == "postgresql":
        ack_seconds = func.extract("epoch", Escalation.acknowledged_at - Escalation.started_at)
        resp_seconds = func.extract("epoch", Escalation.responded_at - Escalation.started_at)
        columns += [
            func.percentile_cont(0.5).within_group(ack_seconds),
            func.percentile_cont(0.5).within_group(resp_seconds),
        ]
    rows = session.execute(
        _visible_escalations(select(*columns).select_from(Escalation), viewer)
        .join(Board, Board.id == Escalation.board_id)
        .where(*conditions)
        .group_by(Board.name)
        .order_by(Board.name)
    ).all()
    medians: dict[str, tuple[float | None, float | None]] = {}
    if dialect == "postgresql":
        medians = {row[0]: (row[8], row[9]) for row in rows}
    else:
        durations: dict[str, tuple[list[float], list[float]]] = {}
        for name, started, acknowledged, responded in session.execute(
            _visible_escalations(
                select(
                    Board.name, Escalation.started_at, Escalation.acknowledged_at, Escalation.responded_at
                ).select_from(Escalation),
                viewer,
            )
            .join(Board, Board.id == Escalation.board_id)
            .where(*conditions)
        ):
            acks, responses = durations.setdefault(name, ([], []))
            if acknowledged is not None:
                acks.append((acknowledged - started).total_seconds())
            if responded is not None:
                responses.append((responded - started).total_seconds())
        medians = {name: (_median(a), _median(r)) for name, (a, r) in durations.items()}

    def as_delta(seconds: float | None) -> timedelta | None:
        return None if seconds is None else timedelta(seconds=float(seconds))

    return [
        BoardTimeliness(
            board=row[0],
            escalations=row[1],
            acknowledged=row[2],
            acknowledged_in_time=int(row[3] or 0),
            acknowledge_due=int(row[4] or 0),
            responded=row[5],
            responded_in_time=int(row[6] or 0),
            respond_due=int(row[7] or 0),
            median_acknowledge=as_delta(medians.get(row[0], (None, None))[0]),
            median_respond=as_delta(medians.get(row[0], (None, None))[1]),
        )
        for row in rows
    ]


def duration_words(value: timedelta | None) -> str:
    """A duration as people say it: "5 hours", "3.5 days"."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}" if hours >= 1 else "under an hour"
    return f"{hours / 24:.1f} days"


# ---------------------------------------------------------------------------------------------- meetings
def meetings(session: Session, *, start: datetime, page: int = 1, per_page: int = 25) -> Page[Meeting]:
    """The co-ordinated schedule from `start` on, soonest first."""
    statement = (
        select(Meeting)
        .options(joinedload(Meeting.board))
        .where(Meeting.starts_at >= start)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return paginate(session, statement, page=page, per_page=per_page)


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


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight today in Europe/London, as a UTC instant."""
    local = (now or datetime.now(UTC)).astimezone(LONDON)
    return datetime.combine(local.date(), datetime.min.time(), LONDON).astimezone(UTC)
