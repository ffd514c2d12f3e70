"""The escalation ladder as data, copied onto each escalation when it starts.

A rung is one board with the settings that govern it (channel, timeframes, reminder cap, chair,
whether to withhold the organisation's name on sensitive items). The ladder runs from the board
that receives the item up through each `parent`. Because it is a snapshot, editing the network
file (a new timeframe, a re-parented board) changes only escalations that start afterwards.

A safeguarding-sensitive item only ever climbs through private boards: the ladder stops before
the first public board, and at the top the officer is alerted instead.
"""

from __future__ import annotations

from datetime import datetime

from models.escalations import Rung, rungs_of
from models.network import Board

SNAPSHOT_VERSION = 1


def rung_of(board: Board) -> Rung:
    return Rung(
        board_id=board.id,
        slug=board.slug,
        name=board.name,
        channel=board.slack_channel,
        private=bool(board.private),
        acknowledge_days=int(board.acknowledge_days or 1),
        respond_days=int(board.respond_days or 5),
        max_reminders=int(board.max_reminders if board.max_reminders is not None else 3),
        chair=board.chair_slack_user_id,
        withhold_organisation=bool(board.withhold_organisation_when_sensitive),
    )


def snapshot(board: Board, *, sensitive: bool, taken_at: datetime) -> dict:
    """The ladder from `board` to the top, as JSON-ready data (cycles in the file are cut)."""
    rungs: list[Rung] = []
    seen: set[int] = set()
    current: Board | None = board
    while current is not None and current.id not in seen:
        if sensitive and rungs and not current.private:
            break
        seen.add(current.id)
        rungs.append(rung_of(current))
        current = current.parent
    return {
        "version": SNAPSHOT_VERSION,
        "taken_at": taken_at.isoformat(),
        "sensitive": sensitive,
        "rungs": [rung.to_json() for rung in rungs],
    }


def names(ladder: dict) -> list[str]:
    return [rung.name for rung in rungs_of(ladder)]
