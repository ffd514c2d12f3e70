"""A whole small network with something in every table, for the hostile-input, authorisation,
privacy and fault suites: everything is made through the domain functions people's actions call,
so the rows are the ones the product really writes.

Who is who (Slack ids from `tests.escalation_fixtures`):
- OFFICER — the development officer
- RAISER, COLLEAGUE — members of Seacombe Young Carers; RAISER raised every item
- EH_MEMBER (member), EH_CHAIR (chair) — Early Help Strategic Board, which holds the routine item
- WSCB_CHAIR, WSCB_MEMBER — the safeguarding board (private), which holds the sensitive item
- CTB_CHAIR — the Children's Trust Board (the next rung up)
- OTHER_MEMBER — a member of another organisation; STRANGER — in the workspace, in no role
- APPLICANT — has asked to register a new organisation (pending)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bulletins.articles import submit_article
from bulletins.compile import compile_bulletin
from escalations import flows
from handlers.escalation_views import RENDERER
from intake.feedback import give_feedback
from intake.issues import raise_issue
from intake.joining import apply_to_network
from intake.returns import record_return
from models import BoardMember, Escalation, Issue, Organisation, Service
from models.base import Base, utcnow
from models.returns import last_complete_month, london_today, period_value
from tests import bulletin_support, factories
from tests.escalation_fixtures import (
    COLLEAGUE,
    CTB_CHAIR,
    EH_CHAIR,
    EH_MEMBER,
    OFFICER,
    RAISER,
    STRANGER,
    WSCB_CHAIR,
    network,
)

WSCB_MEMBER = "U0WSCBMEM1"
OTHER_MEMBER = "U0OTHERORG"
APPLICANT = "U0APPLICNT"
ROUTINE_TEXT = "The Saturday drop-in for young carers closes in March unless the room hire is renewed."
SENSITIVE_TITLE = "Worrying pattern of older men collecting girls outside the drop-in"
SENSITIVE_TEXT = (
    "Three girls aged 13 and 14 were collected after the Tuesday session by the same older men in a "
    "grey van; staff reported it to the designated safeguarding lead."
)

__all__ = [
    "APPLICANT",
    "COLLEAGUE",
    "CTB_CHAIR",
    "EH_CHAIR",
    "EH_MEMBER",
    "OFFICER",
    "OTHER_MEMBER",
    "RAISER",
    "SENSITIVE_TEXT",
    "SENSITIVE_TITLE",
    "STRANGER",
    "WSCB_CHAIR",
    "WSCB_MEMBER",
    "World",
    "build_world",
    "table_counts",
]


@dataclass
class World:
    organisation_id: int
    other_organisation_id: int
    service_id: int
    routine_issue_id: int
    routine_reference: str
    routine_escalation_id: int
    sensitive_issue_id: int
    sensitive_reference: str
    sensitive_escalation_id: int
    triage_issue_id: int
    triage_reference: str
    join_request_id: int
    feedback_id: int
    article_id: int
    month: str
    board_ids: dict[str, int]


def build_world(db: Session) -> World:
    """The network, its people, one item of each kind, all committed."""
    net = network(db)
    bulletin_support.network(db)
    db.add(BoardMember(board=net.wscb, slack_user_id=WSCB_MEMBER))
    db.add(BoardMember(board=net.wscb, slack_user_id=WSCB_CHAIR))  # the network file lists chairs as members
    service = factories.service(db, net.organisation, "Young carers group")
    other = factories.organisation(db, "Leasowe Youth Club (demo)", members=(OTHER_MEMBER,))
    db.commit()

    now = utcnow()
    routine = raise_issue(
        db,
        slack_user_id=RAISER,
        title="Saturday drop-in may close",
        description=ROUTINE_TEXT,
        theme_id=net.early_help.id,
        publish_allowed=True,
    ).issue
    routine_route = flows.route_received_issue(db, routine, now=now, render=RENDERER)
    sensitive = raise_issue(
        db,
        slack_user_id=RAISER,
        title=SENSITIVE_TITLE,
        description=SENSITIVE_TEXT,
        theme_id=net.safeguarding.id,
        sensitive=True,
    ).issue
    sensitive_route = flows.route_received_issue(db, sensitive, now=now, render=RENDERER)
    triage = raise_issue(
        db,
        slack_user_id=RAISER,
        title="Bus passes for young carers",
        description="Young carers cannot afford the bus to the Saturday group.",
        theme_id=net.orphan.id,
    ).issue
    flows.route_received_issue(db, triage, now=now, render=RENDERER)
    period = last_complete_month(london_today())
    record_return(
        db,
        slack_user_id=RAISER,
        service=service.id,
        period=period_value(period),
        number_waiting=14,
        new_referrals=5,
        median_wait_weeks=6,
        longest_wait_weeks=11,
        capacity_status="waitlist_only",
        notes="Two referrals came from the school nurse.",
    )
    feedback = give_feedback(
        db,
        slack_user_id=RAISER,
        about="network",
        rating=4,
        comment="The network meeting helped us find a new room.",
        reply_wanted=True,
    ).record
    request = apply_to_network(
        db,
        slack_user_id=APPLICANT,
        name="Birkenhead Parents Forum (demo)",
        scheme="GB-CHC",
        identifier="1000001",
        contact_email="chair@birkenhead-parents.example.org",
        bulletin_consent=True,
        services={
            "service_1_name": "Parent peer support",
            "service_1_category": "family support",
            "service_1_ages": "0-18",
        },
        service_count=1,
    ).record
    month = bulletin_support.this_month()
    article = submit_article(
        db,
        submitted_by=RAISER,
        title="Young carers' awareness day",
        link="https://www.example.org/young-carers-day",
        summary="A day of activities for young carers and their families.",
        category="training-and-events",
        month=month,
    ).article
    compile_bulletin(db, month, now=now, actor=OFFICER)
    db.commit()
    return World(
        organisation_id=net.organisation.id,
        other_organisation_id=other.id,
        service_id=service.id,
        routine_issue_id=routine.id,
        routine_reference=routine.reference,
        routine_escalation_id=routine_route.escalation_id,
        sensitive_issue_id=sensitive.id,
        sensitive_reference=sensitive.reference,
        sensitive_escalation_id=sensitive_route.escalation_id,
        triage_issue_id=triage.id,
        triage_reference=triage.reference,
        join_request_id=request.id,
        feedback_id=feedback.id,
        article_id=article.id,
        month=month,
        board_ids={"eh": net.eh.id, "ctb": net.ctb.id, "hwb": net.hwb.id, "wscb": net.wscb.id},
    )


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the schema, to prove a refused request wrote nothing anywhere."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def escalation(db: Session, escalation_id: int) -> Escalation:
    db.expire_all()
    return db.get(Escalation, escalation_id)


def issue(db: Session, issue_id: int) -> Issue:
    db.expire_all()
    return db.get(Issue, issue_id)


def organisation(db: Session, organisation_id: int) -> Organisation:
    db.expire_all()
    return db.get(Organisation, organisation_id)


def service(db: Session, service_id: int) -> Service:
    db.expire_all()
    return db.get(Service, service_id)
