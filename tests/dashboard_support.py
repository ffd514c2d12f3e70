"""Helpers for dashboard tests: sign in through the real one-time link flow, and a small network
whose items exercise every rule of the access matrix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from escalations.ladder import snapshot
from models import Board, Issue, IssueStatus, Organisation, Theme
from models.base import utcnow
from models.escalations import Escalation, EscalationEvent, EscalationState
from models.sign_in import issue_sign_in_link
from tests import factories

BASE = "http://localhost"


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


def link_for(app, db: Session, slack_user_id: str, **kwargs) -> str:
    """A fresh sign-in link path for this user, as `/linkedup dashboard` would give it."""
    url = issue_sign_in_link(db, slack_user_id, base_url=BASE, secret=app.secret_key, **kwargs)
    db.commit()
    return url.removeprefix(BASE)


def sign_in(app, db: Session, slack_user_id: str) -> FlaskClient:
    """A test client signed in as this user, through the link page and its Sign in button."""
    client = app.test_client()
    page = client.get(link_for(app, db, slack_user_id))
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    response = client.post(
        "/dashboard/sign-in",
        data={"csrf_token": form_value(html, "csrf_token"), "token": form_value(html, "token")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf_of(client: FlaskClient) -> str:
    return form_value(client.get("/dashboard/").get_data(as_text=True), "csrf_token")


@dataclass
class World:
    cjcg: Board
    wscb: Board
    ctb: Board
    funding: Theme
    youth: Theme
    org_a: Organisation
    org_b: Organisation
    issues: dict[str, Issue]


OFFICER = "U0OFFICER1"
CJCG_MEMBER = "U0CJCG0001"
WSCB_MEMBER = "U0WSCB0001"
CTB_MEMBER = "U0CTB00001"
MEMBER_A = "U0MEMBERA1"
MEMBER_A2 = "U0MEMBERA2"
MEMBER_B = "U0MEMBERB1"


def _issue(
    db, ref, org, raised_by, title, *, theme=None, sensitive=False, status=IssueStatus.RECEIVED, at=None
):
    issue = Issue(
        reference=ref,
        organisation=org,
        raised_by=raised_by,
        title=title,
        description=f"Description of {title.lower()}",
        theme=theme,
        sensitive=sensitive,
        status=status,
        created_at=at or utcnow(),
    )
    db.add(issue)
    db.flush()
    return issue


def escalate(
    db,
    issue: Issue,
    board: Board,
    *,
    started: datetime,
    state: EscalationState = EscalationState.OPEN,
    acknowledged: datetime | None = None,
    responded: datetime | None = None,
    ack_days: int = 1,
    respond_days: int = 5,
) -> Escalation:
    """An escalation row as the router makes one (ladder snapshot, deadlines) plus its start event."""
    row = Escalation(
        issue=issue,
        board=board,
        state=state,
        rung=0,
        ladder=snapshot(board, sensitive=issue.sensitive, taken_at=started),
        started_at=started,
        acknowledge_by=started + timedelta(days=ack_days),
        respond_by=started + timedelta(days=respond_days),
        acknowledged_at=acknowledged,
        responded_at=responded,
    )
    db.add(row)
    db.flush()
    db.add(
        EscalationEvent(
            issue_id=issue.id,
            escalation_id=row.id,
            at=started,
            actor="system",
            kind="routed",
            to_state="open",
            to_board=board.name,
        )
    )
    db.flush()
    return row


def build_world(db: Session, *, now: datetime | None = None) -> World:
    """Three boards (one private), two organisations, and items that each role sees differently:

    - LU-A1 funding item of org A, with CJCG (acknowledged late, answered in time)
    - LU-A2 sensitive item raised by MEMBER_A, with the safeguarding board (WSCB), overdue
    - LU-B1 youth item of org B, with the CTB
    - LU-B2 funding item of org B, with CJCG, overdue for acknowledgement
    - LU-B3 item of org B in the officer's triage (no board yet)
    """
    now = now or utcnow()
    factories.officer(db, OFFICER)
    cjcg = factories.board(
        db, "cjcg", "Children's Joint Commissioning Group", channel="C0CJCG", members=(CJCG_MEMBER,)
    )
    wscb = factories.board(
        db,
        "wscb",
        "Wirral Safeguarding Children Board",
        channel="C0WSCB",
        members=(WSCB_MEMBER,),
        private=True,
    )
    ctb = factories.board(db, "ctb", "Children's Trust Board", channel="C0CTB", members=(CTB_MEMBER,))
    funding = factories.theme(db, "funding", "Funding", board=cjcg)
    youth = factories.theme(db, "youth", "Youth provision", board=ctb)
    org_a = factories.organisation(db, "Alpha Young Carers", members=(MEMBER_A, MEMBER_A2))
    org_b = factories.organisation(db, "Beta Youth Club", members=(MEMBER_B,))
    day = timedelta(days=1)
    issues = {
        "LU-A1": _issue(
            db,
            "LU-2026-0001",
            org_a,
            MEMBER_A,
            "Grant cliff edge",
            theme=funding,
            status=IssueStatus.ANSWERED,
            at=now - 20 * day,
        ),
        "LU-A2": _issue(
            db,
            "LU-2026-0002",
            org_a,
            MEMBER_A,
            "Worrying pattern at drop-in",
            sensitive=True,
            at=now - 10 * day,
        ),
        "LU-B1": _issue(
            db, "LU-2026-0003", org_b, MEMBER_B, "No youth club on Fridays", theme=youth, at=now - 2 * day
        ),
        "LU-B2": _issue(
            db, "LU-2026-0004", org_b, MEMBER_B, "Room hire costs doubled", theme=funding, at=now - 4 * day
        ),
        "LU-B3": _issue(db, "LU-2026-0005", org_b, MEMBER_B, "Something unclear", at=now - 1 * day),
    }
    escalate(
        db,
        issues["LU-A1"],
        cjcg,
        started=now - 20 * day,
        state=EscalationState.RESPONDED,
        acknowledged=now - 18 * day,
        responded=now - 17 * day,
    )
    escalate(db, issues["LU-A2"], wscb, started=now - 10 * day)
    escalate(db, issues["LU-B1"], ctb, started=now - 2 * day + timedelta(hours=1), ack_days=3)
    escalate(db, issues["LU-B2"], cjcg, started=now - 4 * day)
    db.commit()
    return World(cjcg, wscb, ctb, funding, youth, org_a, org_b, issues)


# Who sees which items (by the short keys above).
VISIBLE = {
    OFFICER: {"LU-A1", "LU-A2", "LU-B1", "LU-B2", "LU-B3"},
    CJCG_MEMBER: {"LU-A1", "LU-B2"},
    WSCB_MEMBER: {"LU-A2"},
    CTB_MEMBER: {"LU-B1"},
    MEMBER_A: {"LU-A1", "LU-A2"},
    MEMBER_A2: {"LU-A1"},
    MEMBER_B: {"LU-B1", "LU-B2", "LU-B3"},
}
