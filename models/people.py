"""People's names as Slack gives them, looked up once and kept, for what people read.

Board members and chairs come from the network file as bare Slack ids, and a history or a status
note that says "<@U0…>" or "U0…" is unreadable outside Slack. Members who joined through the form have
a display name on their `Member` row; everyone else's name is asked of Slack once (`users.info`, by
the `learn_names` job in `bot.people_jobs`) and kept here. A person erased with their organisation
loses their row (`privacy.erase.ROWS_OF_A_PERSON`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow


class SlackName(Base):
    __tablename__ = "slack_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    # None: Slack knows no such person (deactivated, or from another workspace); not asked again.
    name: Mapped[str | None] = mapped_column(String(120))
    looked_up_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def cached_names(session: Session, slack_user_ids: Iterable[str]) -> dict[str, str]:
    """The names Slack gave for these ids, where it gave one."""
    wanted = sorted({value for value in slack_user_ids if value})
    if not wanted:
        return {}
    rows = session.execute(
        select(SlackName.slack_user_id, SlackName.name).where(SlackName.slack_user_id.in_(wanted))
    )
    return {slack_user_id: name for slack_user_id, name in rows if name}


def remember_name(session: Session, slack_user_id: str, name: str | None, *, now: datetime) -> None:
    """Keep what Slack said about a person (a name, or None for nobody by that id)."""
    row = session.scalar(select(SlackName).where(SlackName.slack_user_id == slack_user_id))
    if row is None:
        session.add(SlackName(slack_user_id=slack_user_id, name=name, looked_up_at=now))
    else:
        row.name, row.looked_up_at = name, now
