"""What the officer's admin pages share: officer only, one change per POST through
`network_file.editing`, and the words the pages show instead of ids.

The pages read the network as the export sees it (the same document a change is made to), so what
the officer edits is exactly what a change validates; names come from the database (`names_of`),
never from Slack while she waits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import flash, get_flashed_messages
from sqlalchemy.orm import Session

from bot.web.dashboard.web import db, signed_in
from escalations.people import names_of
from models.errors import NotAllowed
from network_file.editing import Change, ChangeRefused, apply_change
from reporting.access import Viewer

OFFICER_ONLY = "Only the network's officer changes its boards, themes, meetings and organisations."
WARNING = "warning"


def officer_only(view: Callable) -> Callable:
    """Signed in, and the officer now (roles are read afresh on every request): anyone else a 403."""

    @functools.wraps(view)
    @signed_in
    def wrapper(viewer: Viewer, *args, **kwargs):
        if not viewer.officer:
            raise NotAllowed(OFFICER_ONLY)
        return view(viewer, *args, **kwargs)

    return wrapper


def make_change(viewer: Viewer, build: Callable[[], Change]) -> list[str]:
    """Read the form (`build`), make the change, commit; the problems (one sentence each) if refused.

    On success the change in words, and any clash it made, wait in the session for the next page."""
    session = db()
    try:
        edited = apply_change(session, build(), actor=viewer.slack_user_id, by=viewer.name)
    except ChangeRefused as refused:
        session.rollback()
        return refused.problems
    session.commit()
    flash(f"{edited.said}.")
    for warning in edited.warnings:
        flash(f"Clash: {warning}.", WARNING)
    return []


def messages() -> tuple[list[str], list[str]]:
    """What the last change said (notices, warnings), shown once on the page after it."""
    flashed = get_flashed_messages(with_categories=True)
    return (
        [text for category, text in flashed if category != WARNING],
        [text for category, text in flashed if category == WARNING],
    )


def whole_number(raw: str | None, label: str, *, low: int, high: int) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ChangeRefused([f"{label} must be a whole number from {low} to {high}"])
    return int(text)


def required(raw: str | None, label: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise ChangeRefused([f"{label} is needed"])
    return text


def optional(raw: str | None) -> str | None:
    return " ".join((raw or "").split()) or None


def lines(raw: str | None) -> list[str]:
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def people(session: Session, document: dict[str, Any]) -> dict[str, str]:
    """Everyone the document names by Slack id, by name where the network knows it."""
    ids = [o["slack_user_id"] for o in document["officers"]]
    for board in document["boards"]:
        for entry in board.get("members", []):
            ids.append(entry if isinstance(entry, str) else entry.get("slack"))
    for org in document["organisations"]:
        ids.extend(org.get("members", []))
    return names_of(session, ids)


def person(entry: str | dict[str, str], names: dict[str, str]) -> str:
    """A board member as people read them: their name, else their address, else 'not named yet'."""
    if isinstance(entry, str):
        return names.get(entry) or f"{entry} (name not known yet)"
    known = entry.get("name") or names.get(entry.get("slack") or "")
    if known:
        return known
    return entry.get("email") or f"{entry.get('slack')} (name not known yet)"


def reference(entry: str | dict[str, str]) -> str:
    """How the file names a member as chair or representative: Slack id first, else e-mail."""
    if isinstance(entry, str):
        return entry
    return entry.get("slack") or entry.get("email") or ""


def board_names(document: dict[str, Any]) -> dict[str, str]:
    return {b["slug"]: b["name"] for b in document["boards"]}
