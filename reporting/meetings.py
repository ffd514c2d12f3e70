"""The network's co-ordinated meeting schedule as the dashboard lists it, soonest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models.network import Meeting
from reporting.paging import Page, paginate


def meetings(session: Session, *, start: datetime, page: int = 1, per_page: int = 25) -> Page[Meeting]:
    """The co-ordinated schedule from `start` on, soonest first."""
    statement = (
        select(Meeting)
        .options(joinedload(Meeting.board))
        .where(Meeting.starts_at >= start)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return paginate(session, statement, page=page, per_page=per_page)
