"""Which board receives an issue: a pure function of the issue's facts and the network's rules.

The rules, in order:
1. safeguarding-sensitive → the safeguarding board (a private channel), whatever the theme says;
   with no private safeguarding board configured it goes to the officer, never to a public channel;
2. a theme owned by a board → that board;
3. anything else (no theme, or a theme no board owns) → the officer's triage queue.

`rules_from_network` reads the rules from the database; `route` itself touches nothing, so it is
tested with plain tables of cases.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.network import Board, Network, Theme

SAFEGUARDING_SETTING = "safeguarding_board"
SAFEGUARDING_THEME = "safeguarding"


class RouteKind(enum.StrEnum):
    THEME = "theme"
    SAFEGUARDING = "safeguarding"
    TRIAGE = "triage"


@dataclass(frozen=True)
class IssueFacts:
    """What routing looks at, and nothing else."""

    theme_id: int | None
    sensitive: bool


@dataclass(frozen=True)
class BoardFacts:
    id: int
    name: str
    private: bool


@dataclass(frozen=True)
class RoutingRules:
    boards: Mapping[int, BoardFacts]
    theme_owner: Mapping[int, int]
    theme_names: Mapping[int, str] = field(default_factory=dict)
    safeguarding_board_id: int | None = None


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    board_id: int | None
    reason: str


def route(facts: IssueFacts, rules: RoutingRules) -> Route:
    """The board an issue goes to (or the officer's triage queue), with the reason in words."""
    if facts.sensitive:
        board = rules.boards.get(rules.safeguarding_board_id) if rules.safeguarding_board_id else None
        if board is not None and board.private:
            return Route(RouteKind.SAFEGUARDING, board.id, f"safeguarding-sensitive: {board.name} only")
        return Route(
            RouteKind.TRIAGE,
            None,
            "safeguarding-sensitive but no private safeguarding board is configured: the officer decides",
        )
    if facts.theme_id is None:
        return Route(RouteKind.TRIAGE, None, "no theme chosen: the officer decides")
    theme = rules.theme_names.get(facts.theme_id, f"theme {facts.theme_id}")
    owner = rules.theme_owner.get(facts.theme_id)
    board = rules.boards.get(owner) if owner is not None else None
    if board is None:
        return Route(RouteKind.TRIAGE, None, f"no board owns the theme “{theme}”: the officer decides")
    return Route(RouteKind.THEME, board.id, f"{board.name} owns the theme “{theme}”")


def safeguarding_board(
    session: Session, boards: Sequence[Board] | None = None, themes: Sequence[Theme] | None = None
) -> Board | None:
    """The network's safeguarding board: named in the network settings, else the private owner of
    the `safeguarding` theme. `boards` and `themes` (every one, if already read) save the look-ups
    — routing runs on every submission."""
    network = session.scalar(select(Network).order_by(Network.id).limit(1))
    slug = (network.settings or {}).get(SAFEGUARDING_SETTING) if network is not None else None
    if slug:
        if boards is not None:
            board = next((board for board in boards if board.slug == slug), None)
        else:
            board = session.scalar(select(Board).where(Board.slug == slug))
        if board is not None:
            return board
    if themes is not None:
        theme = next((theme for theme in themes if theme.slug == SAFEGUARDING_THEME), None)
    else:
        theme = session.scalar(select(Theme).where(Theme.slug == SAFEGUARDING_THEME))
    if theme is not None and theme.board is not None and theme.board.private:
        return theme.board
    return None


def rules_from_network(session: Session, boards: Sequence[Board] | None = None) -> RoutingRules:
    """The routing rules as the network file last loaded them (`boards`: every board, if already read).

    Routing runs on every submission, so the themes are read as plain columns, not ORM objects, with
    the network's settings riding along on each row: one statement where three were (themes, the
    network, and hydrating every theme). A network with no themes reads its settings alone."""
    if boards is None:
        boards = session.scalars(select(Board)).all()
    by_id = {board.id: board for board in boards}
    facts = {board.id: BoardFacts(board.id, board.name, board.private) for board in boards}
    settings = select(Network.settings).order_by(Network.id).limit(1).scalar_subquery()
    rows = session.execute(select(Theme.id, Theme.name, Theme.board_id, Theme.slug, settings)).all()
    owners: dict[int, int] = {}
    names: dict[int, str] = {}
    guard_theme_owner: int | None = None
    guard_theme_seen = False
    for theme_id, name, board_id, slug, _ in rows:
        names[theme_id] = name
        if board_id is not None:
            owners[theme_id] = board_id
        if slug == SAFEGUARDING_THEME and not guard_theme_seen:
            guard_theme_owner, guard_theme_seen = board_id, True
    network_settings = (
        rows[0][4] if rows else session.scalar(select(Network.settings).order_by(Network.id).limit(1))
    )
    guard = _guard(network_settings, boards, by_id.get(guard_theme_owner) if guard_theme_owner else None)
    return RoutingRules(facts, owners, names, guard.id if guard is not None else None)


def _guard(settings: dict | None, boards: Sequence[Board], theme_owner: Board | None) -> Board | None:
    """`safeguarding_board`'s rule over values already read: the board the settings name, else the
    `safeguarding` theme's owner if private."""
    slug = (settings or {}).get(SAFEGUARDING_SETTING)
    if slug:
        board = next((board for board in boards if board.slug == slug), None)
        if board is not None:
            return board
    if theme_owner is not None and theme_owner.private:
        return theme_owner
    return None
