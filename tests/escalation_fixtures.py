"""A small network with a three-rung ladder, for the escalation tests.

Early Help Strategic Board (eh) → Children's Trust Board (ctb) → Health and Wellbeing Board (hwb, top)
Safeguarding Children Board (wscb, private, parent ctb: a sensitive item's ladder stops at wscb)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Board, Issue, Organisation, Theme, Urgency
from models.network import OrganisationStatus
from tests import factories

LONDON = ZoneInfo("Europe/London")
OFFICER = "U0OFFICER1"
RAISER = "U0RAISER01"
COLLEAGUE = "U0COLLEAG1"
EH_CHAIR = "U0EHCHAIR1"
EH_MEMBER = "U0EHMEMBR1"
EH_MEMBER_2 = "U0EHMEMBR2"
CTB_CHAIR = "U0CTBCHAIR"
HWB_CHAIR = "U0HWBCHAIR"
WSCB_CHAIR = "U0WSCBCHR1"
STRANGER = "U0STRANGER"
EH_CHANNEL = "C0EARLYHLP"
CTB_CHANNEL = "C0CTB00001"
HWB_CHANNEL = "C0HWB00001"
WSCB_CHANNEL = "G0WSCB0001"


def at(text: str) -> datetime:
    """London wall-clock time "YYYY-MM-DD HH:MM" as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)


@dataclass
class Network:
    eh: Board
    ctb: Board
    hwb: Board
    wscb: Board
    early_help: Theme
    funding: Theme
    safeguarding: Theme
    orphan: Theme
    organisation: Organisation


def network(db: Session, *, officer: bool = True) -> Network:
    hwb = factories.board(
        db,
        "hwb",
        "Health and Wellbeing Board",
        channel=HWB_CHANNEL,
        chair_slack_user_id=HWB_CHAIR,
        acknowledge_days=2,
        respond_days=10,
    )
    ctb = factories.board(
        db,
        "ctb",
        "Children's Trust Board",
        channel=CTB_CHANNEL,
        parent=hwb,
        chair_slack_user_id=CTB_CHAIR,
        acknowledge_days=1,
        respond_days=5,
        representative_slack_user_id="U0CTBREP01",
    )
    eh = factories.board(
        db,
        "eh",
        "Early Help Strategic Board",
        channel=EH_CHANNEL,
        parent=ctb,
        chair_slack_user_id=EH_CHAIR,
        members=(EH_MEMBER, EH_MEMBER_2),
        acknowledge_days=1,
        respond_days=5,
        max_reminders=3,
    )
    wscb = factories.board(
        db,
        "wscb",
        "Wirral Safeguarding Children Board",
        channel=WSCB_CHANNEL,
        parent=ctb,
        private=True,
        chair_slack_user_id=WSCB_CHAIR,
    )
    early_help = factories.theme(db, "early-help", "Early help", board=eh)
    funding = factories.theme(db, "funding", "Funding", board=ctb)
    safeguarding = factories.theme(db, "safeguarding", "Safeguarding", board=wscb)
    orphan = factories.theme(db, "transport", "Transport")
    organisation = factories.organisation(db, "Seacombe Young Carers (demo)", members=(RAISER, COLLEAGUE))
    if officer:
        factories.officer(db, OFFICER)
    return Network(eh, ctb, hwb, wscb, early_help, funding, safeguarding, orphan, organisation)


_counter = {"n": 0}


def issue(
    db: Session,
    organisation: Organisation,
    *,
    theme: Theme | None,
    title: str = "Waiting lists for family support are growing",
    sensitive: bool = False,
    urgency: Urgency = Urgency.ROUTINE,
    publish_allowed: bool = True,
    raised_by: str = RAISER,
    created_at: datetime | None = None,
) -> Issue:
    _counter["n"] += 1
    row = Issue(
        reference=f"LU-2026-{_counter['n']:04d}",
        organisation=organisation,
        raised_by=raised_by,
        title=title,
        description=f"{title}. Families wait twelve weeks for a first visit.",
        theme=theme,
        urgency=urgency,
        sensitive=sensitive,
        publish_allowed=publish_allowed and not sensitive,
        status_changed_at=created_at,
    )
    if created_at is not None:
        row.created_at = created_at
    db.add(row)
    db.flush()
    return row


def pending_organisation(db: Session, name: str = "New Brighton Parents (demo)") -> Organisation:
    return factories.organisation(db, name, members=("U0PENDING1",), status=OrganisationStatus.PENDING)
