"""A draft bulletin never quotes what is no longer so: it is recompiled when what it quotes changes.

"You said, we did" quotes boards' answers under each item's theme. After the draft is compiled an
answer can be withdrawn (the organisation was not satisfied, so the item is open again), a new one
given, or an item's theme corrected; the officer must not approve a draft that says otherwise. A
change to a publishable item's answer or theme after the draft was compiled makes the draft stale,
and the `refresh_drafts` job compiles it again (the officer is offered the new preview). An approved
bulletin is left alone: what the officer approved is what is sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.compile import compile_bulletin
from models.bulletins import Bulletin, BulletinState
from models.escalations import EscalationEvent
from models.issues import Issue

# History lines that change what "You said, we did" says: an answer given or withdrawn, a theme corrected.
QUOTED_CHANGES = ("responded", "not_satisfied", "theme_changed")


def stale_drafts(session: Session) -> list[Bulletin]:
    """Draft bulletins compiled before the latest change to a publishable item's answer or theme."""
    drafts = session.scalars(
        select(Bulletin).where(Bulletin.state == BulletinState.DRAFT).order_by(Bulletin.month)
    ).all()
    stale = []
    for draft in drafts:
        changed = session.scalar(
            select(EscalationEvent.id)
            .join(Issue, Issue.id == EscalationEvent.issue_id)
            .where(
                EscalationEvent.kind.in_(QUOTED_CHANGES),
                EscalationEvent.at > draft.compiled_at,
                Issue.publish_allowed.is_(True),
                Issue.sensitive.is_(False),
            )
            .limit(1)
        )
        if changed is not None:
            stale.append(draft)
    return stale


def refresh_drafts(session: Session, *, now: datetime, base_url: str | None = None) -> list[Bulletin]:
    """Compile every stale draft again (in the caller's transaction); the bulletins recompiled."""
    return [
        compile_bulletin(session, draft.month, now=now, actor="scheduler", base_url=base_url)
        for draft in stale_drafts(session)
    ]
