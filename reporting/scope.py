"""How every dashboard query is narrowed to what the viewer may see, and how it runs.

The rules themselves are `reporting.access`; these are their SQL shapes (an issue is held by a board
when it has an escalation there) and the one planner setting a board member's figures need.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import ColumnElement, Select, select, text
from sqlalchemy.orm import Session, aliased

from models.escalations import Escalation
from models.issues import Issue
from reporting.access import Viewer, issue_visibility


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


@contextmanager
def in_one_process(session: Session) -> Iterator[None]:
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


def for_viewer(session: Session, viewer: Viewer) -> AbstractContextManager[None]:
    """No parallel workers for anyone but the officer (see `in_one_process`)."""
    return nullcontext() if viewer.sees_everything else in_one_process(session)


def visible_escalations(statement: Select, viewer: Viewer) -> Select:
    """Narrow a statement over escalations to those whose issue the viewer may see. The officer sees
    every issue, so nothing is joined: at a million escalations the join alone costs more than the
    figures (every escalation has its issue: issue_id is a non-null foreign key)."""
    if viewer.sees_everything:
        return statement
    return statement.join(Issue, Issue.id == Escalation.issue_id).where(visible(viewer))
