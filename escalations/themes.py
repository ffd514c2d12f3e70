"""Correcting an issue's theme after it was routed, and re-routing it if another board owns the new one.

A theme chosen in a hurry (or suggested wrongly) sends an item to the wrong board and into the
bulletin under the wrong heading. The officer, or the board holding the item, corrects it: the issue
takes the new theme (so "You said, we did" and the figures use it from then on), the history says who
changed it from what, the raiser is told, and an item still waiting on a board that does not own the
new theme moves to the board that does, as a re-assignment with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalations import routing
from escalations.board_actions import reassign
from escalations.flow_support import find_issue, live_escalation, may_act_for_board
from escalations.lifecycle import tell_raiser, who_did
from escalations.messages import event
from escalations.ports import Renderer
from escalations.starting import start_escalation
from models.errors import NotAllowed, NotFound, ValidationError
from models.escalations import AWAITING_BOARD
from models.issues import OPEN_STATUSES
from models.membership import is_officer
from models.network import Board, OrganisationStatus, Theme


@dataclass(frozen=True)
class ThemeCorrection:
    reference: str
    old_theme: str | None
    new_theme: str
    moved_to: str | None  # the board it went to, if the correction re-routed it
    board: str | None  # the board it is with now


def find_theme(session: Session, value: str) -> Theme | None:
    """A theme by its slug or its name, ignoring case."""
    value = (value or "").strip()
    if not value:
        return None
    return session.scalar(
        select(Theme).where(
            (func.lower(Theme.slug) == value.lower()) | (func.lower(Theme.name) == value.lower())
        )
    )


def all_themes(session: Session) -> list[Theme]:
    return list(session.scalars(select(Theme).order_by(Theme.position, Theme.name)))


def theme_names(session: Session) -> list[str]:
    return [theme.name for theme in all_themes(session)]


def correct_theme(
    session: Session, *, reference: str, theme: str | int, actor: str, now: datetime, render: Renderer
) -> ThemeCorrection:
    """Give the issue `theme` (slug, name or id); re-route it if its board does not own the new theme."""
    issue = find_issue(session, reference)
    if issue is None:
        raise NotFound(f"There is no issue {reference.strip().upper()}.")
    live = live_escalation(session, issue.id)
    if not is_officer(session, actor) and (live is None or not may_act_for_board(session, live, actor)):
        raise NotAllowed(
            f"Only the Linked-up officer or the board that has {issue.reference} can change its theme."
        )
    target = session.get(Theme, theme) if isinstance(theme, int) else find_theme(session, theme)
    if target is None:
        raise ValidationError(
            {"theme": f"There is no theme “{theme}”. Themes: {', '.join(theme_names(session))}."}
        )
    old = issue.theme.name if issue.theme is not None else None
    if issue.theme_id == target.id:
        raise ValidationError({"theme": f"{issue.reference} already has the theme {target.name}."})
    issue.theme_id = target.id
    issue.theme = target
    event(
        session,
        issue=issue,
        escalation=live,
        kind="theme_changed",
        actor=actor,
        at=now,
        from_board=live.board_name if live is not None else None,
        detail={"from_theme": old, "to_theme": target.name},
    )
    session.flush()
    before = f"“{old}”" if old else "no theme"
    tell_raiser(
        session,
        issue,
        f"Theme corrected from {before} to “{target.name}” by {who_did(session, issue, actor)}.",
        now=now,
        render=render,
    )
    moved_to = _reroute(session, issue, live, target, actor=actor, now=now, render=render)
    now_with = live_escalation(session, issue.id)
    return ThemeCorrection(
        reference=issue.reference,
        old_theme=old,
        new_theme=target.name,
        moved_to=moved_to,
        board=now_with.board_name if now_with is not None else None,
    )


def _reroute(
    session, issue, live, target: Theme, *, actor: str, now: datetime, render: Renderer
) -> str | None:
    """Move an open item to the board owning its new theme; the name of that board, or None."""
    if issue.status not in OPEN_STATUSES or issue.organisation.status != OrganisationStatus.APPROVED:
        return None
    boards = session.scalars(select(Board)).all()
    decision = routing.route(
        routing.IssueFacts(theme_id=target.id, sensitive=issue.sensitive),
        routing.rules_from_network(session, boards),
    )
    if decision.board_id is None:
        return None
    reason = f"theme corrected to “{target.name}”: {decision.reason}"
    if live is None:
        board = session.get(Board, decision.board_id)
        start_escalation(session, issue, board, now=now, render=render, actor=actor, reason=reason)
        return board.name
    if live.board_id == decision.board_id or live.state not in AWAITING_BOARD:
        return None
    moved = reassign(
        session,
        escalation_id=live.id,
        actor=actor,
        board_id=decision.board_id,
        reason=reason,
        now=now,
        render=render,
    )
    return moved.board_name
