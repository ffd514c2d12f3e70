"""The issues-and-challenges section of the next Linked-up meeting's agenda, drafted from the data.

Items raised since the last Linked-up meeting, grouped by theme, with how many organisations
raised them, where they stand and how many are overdue. A theme raised by three or more
organisations in the last 90 days is flagged as systemic, with its references. Each listed item
carries its title, and an overdue one the reason it is still waiting (the meeting asks "why?").
Sensitive items are counted but never listed: the agenda goes to a whole-network meeting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from escalations.lifecycle import overdue_reason
from escalations.working_days import describe
from models.escalations import AWAITING_BOARD, Escalation
from models.issues import Issue
from models.network import Meeting, Theme

SYSTEMIC_ORGANISATIONS = 3
SYSTEMIC_WINDOW = timedelta(days=90)
DEFAULT_CYCLE = timedelta(days=61)  # the Linked-up meeting is bi-monthly
NO_THEME = "No theme yet (with the officer)"


@dataclass(frozen=True)
class AgendaItem:
    """One listed item: its reference and title, and why it is overdue (None if it is not)."""

    reference: str
    title: str
    overdue_reason: str | None = None

    def words(self) -> str:
        text = f"{self.reference} “{self.title}”"
        return text + (f" — overdue: {self.overdue_reason}" if self.overdue_reason else "")


@dataclass(frozen=True)
class ThemeLine:
    theme: str
    items: int
    organisations: int
    states: tuple[tuple[str, int], ...]
    overdue: int
    listed: tuple[AgendaItem, ...]
    sensitive: int

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(item.reference for item in self.listed)


@dataclass(frozen=True)
class SystemicTheme:
    theme: str
    organisations: int
    references: tuple[str, ...]
    sensitive: int


@dataclass(frozen=True)
class Agenda:
    meeting: str | None
    since: datetime
    until: datetime
    themes: tuple[ThemeLine, ...]
    systemic: tuple[SystemicTheme, ...]
    items: int
    overdue: int


@dataclass(frozen=True)
class _Row:
    reference: str
    title: str
    organisation_id: int
    theme: str
    status: str
    sensitive: bool
    created_at: datetime
    overdue: bool


def draft_agenda(session: Session, *, now: datetime, since: datetime | None = None) -> Agenda:
    """The draft for the next Linked-up meeting (network meetings are those with no board)."""
    last = session.scalar(
        select(Meeting.starts_at)
        .where(Meeting.board_id.is_(None), Meeting.starts_at <= now)
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    upcoming = session.scalar(
        select(Meeting)
        .where(Meeting.board_id.is_(None), Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    since = since or last or (now - DEFAULT_CYCLE)
    window_start = min(since, now - SYSTEMIC_WINDOW)
    overdue = and_(
        Escalation.issue_id == Issue.id,
        Escalation.state.in_(AWAITING_BOARD),
        Escalation.respond_by < now,
    )
    query = (
        select(
            Issue.reference,
            Issue.title,
            Issue.organisation_id,
            Theme.name,
            Issue.status,
            Issue.sensitive,
            Issue.created_at,
            select(Escalation.id).where(overdue).exists().label("overdue"),
        )
        .outerjoin(Theme, Theme.id == Issue.theme_id)
        .where(Issue.created_at >= window_start, Issue.created_at <= now)
        .order_by(Issue.created_at, Issue.id)
    )
    rows = [
        _Row(ref, title, org, theme or NO_THEME, status.value, bool(sensitive), created, bool(late))
        for ref, title, org, theme, status, sensitive, created, late in session.execute(query)
    ]
    recent = [r for r in rows if r.created_at >= since]
    reasons = _overdue_reasons(session, [r.reference for r in recent if r.overdue and not r.sensitive], now)
    by_theme: dict[str, list[_Row]] = defaultdict(list)
    for row in recent:
        by_theme[row.theme].append(row)
    themes = []
    for theme, items in by_theme.items():
        states = Counter(r.status for r in items)
        themes.append(
            ThemeLine(
                theme=theme,
                items=len(items),
                organisations=len({r.organisation_id for r in items}),
                states=tuple(sorted(states.items())),
                overdue=sum(r.overdue for r in items),
                listed=tuple(
                    AgendaItem(r.reference, r.title, reasons.get(r.reference))
                    for r in items
                    if not r.sensitive
                ),
                sensitive=sum(r.sensitive for r in items),
            )
        )
    themes.sort(key=lambda t: (-t.organisations, -t.items, t.theme))

    window: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.created_at >= now - SYSTEMIC_WINDOW and row.theme != NO_THEME:
            window[row.theme].append(row)
    systemic = []
    for theme, items in window.items():
        organisations = len({r.organisation_id for r in items})
        if organisations >= SYSTEMIC_ORGANISATIONS:
            systemic.append(
                SystemicTheme(
                    theme=theme,
                    organisations=organisations,
                    references=tuple(r.reference for r in items if not r.sensitive),
                    sensitive=sum(r.sensitive for r in items),
                )
            )
    systemic.sort(key=lambda s: (-s.organisations, s.theme))
    meeting = None
    if upcoming is not None:
        meeting = f"{upcoming.title} — {describe(upcoming.starts_at)}"
    return Agenda(
        meeting=meeting,
        since=since,
        until=now,
        themes=tuple(themes),
        systemic=tuple(systemic),
        items=len(recent),
        overdue=sum(r.overdue for r in recent),
    )


def _overdue_reasons(session: Session, references: list[str], now: datetime) -> dict[str, str]:
    """Why each of these overdue items still waits, by reference."""
    if not references:
        return {}
    rows = session.execute(
        select(Issue.reference, Escalation)
        .join(Escalation, Escalation.issue_id == Issue.id)
        .where(Issue.reference.in_(references), Escalation.state.in_(AWAITING_BOARD))
    ).all()
    return {reference: overdue_reason(escalation, now=now) for reference, escalation in rows}


def state_summary(line: ThemeLine) -> str:
    return ", ".join(f"{count} {state}" for state, count in line.states)


def theme_summary(line: ThemeLine) -> str:
    """One theme's line of the agenda, shared by the CLI and Slack."""
    text = (
        f"{line.items} item{'s' if line.items != 1 else ''} from {line.organisations} "
        f"organisation{'s' if line.organisations != 1 else ''} ({state_summary(line)})"
    )
    if line.overdue:
        text += f"; {line.overdue} overdue"
    if line.sensitive:
        text += f" (+{line.sensitive} safeguarding-sensitive, not listed)"
    return text


def systemic_summary(item: SystemicTheme) -> str:
    refs = ", ".join(item.references) or "none listable"
    text = f"raised by {item.organisations} organisations in 90 days — {refs}"
    if item.sensitive:
        text += f" (+{item.sensitive} safeguarding-sensitive)"
    return text


def render_text(agenda: Agenda) -> str:
    """The draft as plain text (the CLI prints it; the officer pastes it into the papers)."""
    lines = ["Issues and challenges"]
    if agenda.meeting:
        lines.append(f"For: {agenda.meeting}")
    lines.append(f"Raised since {describe(agenda.since)}: {agenda.items} items, {agenda.overdue} overdue")
    lines.append("")
    if not agenda.themes:
        lines.append("No issues were raised in this period.")
    for line in agenda.themes:
        lines.append(f"* {line.theme}: {theme_summary(line)}")
        lines += [f"    - {item.words()}" for item in line.listed]
    lines.append("")
    if agenda.systemic:
        lines.append("Systemic issues (3+ organisations in 90 days):")
        for item in agenda.systemic:
            lines.append(f"* {item.theme}: {systemic_summary(item)}")
    else:
        lines.append("No theme was raised by 3 or more organisations in the last 90 days.")
    return "\n".join(lines)
