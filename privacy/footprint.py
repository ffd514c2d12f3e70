"""What both export and erasure walk: every row held about one organisation, found once.

An organisation is named by its number or its slug (`intake.membership.find_organisation`); its
footprint is its own rows (services, members, issues, returns, reminders, join requests), the rows of
its people (feedback, articles, bulletin contacts), the history of its issues, and the audit rows
about any of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from models.base import Base
from models.bulletins import Article, BulletinContact
from models.escalations import Escalation, EscalationEvent
from models.feedback import Feedback
from models.issues import Issue
from models.joining import JoinRequest
from models.membership import officer_ids
from models.network import Board, BoardMember, Member, MemberRole, Organisation, Service
from models.notices import NoticeRecipient
from models.records import AuditLog
from models.returns import ReturnReminder, WaitingListReturn
from models.surveys import SurveyRecipient, SurveyResponse

ERASED = "erased"  # stands in for a Slack id (the columns are short); never one of an organisation's people


@dataclass
class Footprint:
    """Every row held about the organisation, found once for the export, the plan and the erasure."""

    organisation: Organisation
    services: list[Service]
    members: list[Member]
    people: set[str]  # Slack ids of its people: members, and whoever raised or sent its records
    issues: list[Issue]
    escalations: list[Escalation]
    events: list[EscalationEvent]
    returns: list[WaitingListReturn]
    reminders: list[ReturnReminder]
    feedback: list[Feedback]
    join_requests: list[JoinRequest]
    contacts: list[BulletinContact]
    articles: list[Article]
    audit_rows: list[AuditLog]
    board_roles: list[tuple[str, str]] = field(default_factory=list)  # (Slack id, board name)
    # Surveys: whom they reached, and the named answers (anonymous ones name no one, so none are found).
    survey_recipients: list[SurveyRecipient] = field(default_factory=list)
    survey_responses: list[SurveyResponse] = field(default_factory=list)
    # Notices: whom each reached, and what they did with it (acknowledged, a place asked for).
    notice_recipients: list[NoticeRecipient] = field(default_factory=list)

    @property
    def emails(self) -> set[str]:
        found = {c.email for c in self.contacts}
        if self.organisation.contact_email:
            found |= {self.organisation.contact_email, self.organisation.contact_email.lower()}
        return found


def footprint(session: Session, organisation: Organisation) -> Footprint:
    """Every row held about the organisation, each kind read once, in a stable order."""
    org_id = organisation.id
    services = _rows(session, Service, Service.organisation_id == org_id, Service.id)
    members = _rows(session, Member, Member.organisation_id == org_id, Member.id)
    issues = _rows(session, Issue, Issue.organisation_id == org_id, Issue.id)
    issue_ids = [i.id for i in issues]
    escalations = _rows_in(session, Escalation, Escalation.issue_id, issue_ids, Escalation.id)
    events = _rows_in(
        session, EscalationEvent, EscalationEvent.issue_id, issue_ids, EscalationEvent.at, EscalationEvent.id
    )
    returns = _rows_in(
        session,
        WaitingListReturn,
        WaitingListReturn.service_id,
        [s.id for s in services],
        WaitingListReturn.period,
        WaitingListReturn.id,
    )
    reminders = _rows(session, ReturnReminder, ReturnReminder.organisation_id == org_id, ReturnReminder.id)
    join_requests = _rows(session, JoinRequest, JoinRequest.organisation_id == org_id, JoinRequest.id)
    officers = set(officer_ids(session))
    people = {m.slack_user_id for m in members if m.role != MemberRole.OFFICER}
    people |= {i.raised_by for i in issues} | {r.submitted_by for r in returns}
    people |= {j.slack_user_id for j in join_requests}
    feedback = _rows(
        session,
        Feedback,
        or_(Feedback.organisation_id == org_id, Feedback.slack_user_id.in_(people or {""})),
        Feedback.id,
    )
    people |= {f.slack_user_id for f in feedback if f.organisation_id == org_id}
    people -= officers | {ERASED}
    contacts = _rows(
        session,
        BulletinContact,
        or_(
            BulletinContact.organisation_id == org_id,
            BulletinContact.email == (organisation.contact_email or "").lower(),
        ),
        BulletinContact.id,
    )
    articles = _rows(session, Article, Article.submitted_by.in_(people or {""}), Article.id)
    about = [("organisation", str(org_id))]
    about += [("issue", i.reference) for i in issues]
    about += [("waiting_list_return", r.reference) for r in returns]
    about += [("feedback", f.reference) for f in feedback]
    about += [("join_request", j.reference) for j in join_requests]
    about += [("bulletin_contact", c.email) for c in contacts]
    about += [("article", str(a.id)) for a in articles]
    audit_rows = _audit_rows(session, about)
    board_roles = [
        (user, board)
        for user, board in session.execute(
            select(BoardMember.slack_user_id, Board.name)
            .join(Board, Board.id == BoardMember.board_id)
            .where(BoardMember.slack_user_id.in_(people or {""}))
            .order_by(Board.name)
        )
    ]
    return Footprint(
        organisation,
        services,
        members,
        people,
        issues,
        escalations,
        events,
        returns,
        reminders,
        feedback,
        join_requests,
        contacts,
        articles,
        audit_rows,
        board_roles,
        _rows(
            session,
            SurveyRecipient,
            or_(SurveyRecipient.organisation_id == org_id, SurveyRecipient.slack_user_id.in_(people or {""})),
            SurveyRecipient.id,
        ),
        _rows(
            session,
            SurveyResponse,
            or_(
                SurveyResponse.organisation_id == org_id,
                SurveyResponse.for_organisation_id == org_id,
                SurveyResponse.slack_user_id.in_(people or {""}),
            ),
            SurveyResponse.id,
        ),
        _rows(
            session,
            NoticeRecipient,
            or_(NoticeRecipient.organisation_id == org_id, NoticeRecipient.slack_user_id.in_(people or {""})),
            NoticeRecipient.id,
        ),
    )


def _rows(session: Session, model: type[Base], condition: ColumnElement[bool], *order) -> list:
    return list(session.scalars(select(model).where(condition).order_by(*order)))


def _rows_in(session: Session, model: type[Base], column, ids: list[int], *order) -> list:
    """Rows whose `column` is one of `ids` (none without asking the database when there are no ids)."""
    return _rows(session, model, column.in_(ids), *order) if ids else []


def _audit_rows(session: Session, about: list[tuple[str, str]]) -> list[AuditLog]:
    rows: dict[int, AuditLog] = {}
    for entity in {kind for kind, _ in about}:
        ids = [value for kind, value in about if kind == entity]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in session.scalars(
                select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id.in_(chunk))
            ):
                rows[row.id] = row
    return sorted(rows.values(), key=lambda row: (row.at, row.id))
