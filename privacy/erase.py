"""An organisation's data: all of it as JSON (subject access), or its personal data erased.

**Export** gathers everything held about one organisation: the organisation and its services, its
members, every issue it raised with each board's turn (escalations) and the full history (events),
its waiting-list returns and the reminders sent for them, feedback from it, join requests for it,
its bulletin contact, articles its people submitted, and the audit rows about any of these.
Safeguarding-sensitive issues are included and marked: who receives the export must share those
only with the person who raised them.

**Erasure** removes the personal data — names, emails, Slack ids, the free text of issues, answers,
feedback, notes and reasons, messages queued to its people — and keeps what the reports count:
every issue stays (theme, board, urgency, sensitivity, state, dates and its escalations), every
return keeps its figures and its service's category, feedback keeps its rating and subject kind.
The organisation row stays too, renamed "Erased organisation N", so counts of organisations and
the reports built on them do not move.

What it cannot reach is said by `ErasurePlan.outside`: messages already posted in Slack (cards in
board channels, DMs) and the Mailchimp audience's own copy of the contact address. An organisation
that comes from the network file must also be removed there, or the next load brings it back.

The text of the organisation's records also appears in derived stores (the audit log, escalation
history details, queued Slack payloads, compiled bulletins): those are scrubbed by searching for
each erased value, so nothing personal survives anywhere in the database (the tests scan every
text and JSON column of every table for them).
"""

from __future__ import annotations

import enum
import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from models import audit, fields
from models.base import Base, utcnow
from models.bulletins import Article, Bulletin, BulletinContact, MailchimpWebhookEvent
from models.errors import NotFound
from models.escalations import Escalation, EscalationEvent
from models.feedback import Feedback
from models.issues import Issue
from models.joining import JoinRequest
from models.membership import officer_ids
from models.network import Board, BoardMember, Member, MemberRole, Organisation, Service
from models.outbox import OutboxMessage
from models.records import AuditLog
from models.returns import ReturnReminder, WaitingListReturn
from models.sign_in import SignInLink

ERASED = "erased"  # stands in for a Slack id (the columns are short)
ERASED_TEXT = "[erased]"
# Values shorter than this are not searched for in the derived stores (a two-letter word would
# match everywhere); every column that holds them directly is cleared anyway.
MIN_SCRUB_LENGTH = 4
# Keys of an escalation event's detail that hold what a person wrote (the rest is bookkeeping:
# deadlines, ladders, outbox keys). Events written by the system carry no one's words.
FREE_TEXT_KEYS = frozenset({"note", "answer", "reason", "decline_reason"})
SYSTEM_ACTOR = "system"


def find_organisation(session: Session, key: object) -> Organisation:
    """The organisation a person names by its number or its slug (as `network show` lists them)."""
    text = str(key or "").strip()
    chosen = fields.record_id(text)
    organisation = session.get(Organisation, chosen) if chosen is not None else None
    if organisation is None and text:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == text.lower()))
    if organisation is None:
        raise NotFound(f"No organisation has the id or slug {text!r}.")
    return organisation


# --- what is held about an organisation --------------------------------------------------------------


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

    @property
    def emails(self) -> set[str]:
        found = {c.email for c in self.contacts}
        if self.organisation.contact_email:
            found |= {self.organisation.contact_email, self.organisation.contact_email.lower()}
        return found


def footprint(session: Session, organisation: Organisation) -> Footprint:
    org_id = organisation.id
    services = list(
        session.scalars(select(Service).where(Service.organisation_id == org_id).order_by(Service.id))
    )
    members = list(
        session.scalars(select(Member).where(Member.organisation_id == org_id).order_by(Member.id))
    )
    issues = list(session.scalars(select(Issue).where(Issue.organisation_id == org_id).order_by(Issue.id)))
    issue_ids = [i.id for i in issues]
    escalations = (
        list(
            session.scalars(
                select(Escalation).where(Escalation.issue_id.in_(issue_ids)).order_by(Escalation.id)
            )
        )
        if issue_ids
        else []
    )
    events = (
        list(
            session.scalars(
                select(EscalationEvent)
                .where(EscalationEvent.issue_id.in_(issue_ids))
                .order_by(EscalationEvent.at, EscalationEvent.id)
            )
        )
        if issue_ids
        else []
    )
    service_ids = [s.id for s in services]
    returns = (
        list(
            session.scalars(
                select(WaitingListReturn)
                .where(WaitingListReturn.service_id.in_(service_ids))
                .order_by(WaitingListReturn.period, WaitingListReturn.id)
            )
        )
        if service_ids
        else []
    )
    reminders = list(
        session.scalars(
            select(ReturnReminder).where(ReturnReminder.organisation_id == org_id).order_by(ReturnReminder.id)
        )
    )
    join_requests = list(
        session.scalars(
            select(JoinRequest).where(JoinRequest.organisation_id == org_id).order_by(JoinRequest.id)
        )
    )
    officers = set(officer_ids(session))
    people = {m.slack_user_id for m in members if m.role != MemberRole.OFFICER}
    people |= {i.raised_by for i in issues} | {r.submitted_by for r in returns}
    people |= {j.slack_user_id for j in join_requests}
    feedback = list(
        session.scalars(
            select(Feedback)
            .where(or_(Feedback.organisation_id == org_id, Feedback.slack_user_id.in_(people or {""})))
            .order_by(Feedback.id)
        )
    )
    people |= {f.slack_user_id for f in feedback if f.organisation_id == org_id}
    people -= officers | {ERASED}
    contacts = list(
        session.scalars(
            select(BulletinContact)
            .where(
                or_(
                    BulletinContact.organisation_id == org_id,
                    BulletinContact.email == (organisation.contact_email or "").lower(),
                )
            )
            .order_by(BulletinContact.id)
        )
    )
    articles = list(
        session.scalars(select(Article).where(Article.submitted_by.in_(people or {""})).order_by(Article.id))
    )
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
    )


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


# --- export ----------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_data(row: Base) -> dict[str, Any]:
    """Every column of a row, as JSON-able values."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__table__.columns}


def export_organisation(session: Session, organisation: Organisation) -> dict[str, Any]:
    """All the organisation's data, grouped as a person would read it (see the module docstring)."""
    found = footprint(session, organisation)
    events_by_issue: dict[int, list[dict]] = {}
    for line in found.events:
        events_by_issue.setdefault(line.issue_id, []).append(row_data(line))
    escalations_by_issue: dict[int, list[dict]] = {}
    for row in found.escalations:
        escalations_by_issue.setdefault(row.issue_id, []).append(row_data(row))
    service_names = {s.id: s.name for s in found.services}
    return {
        "exported_at": utcnow().isoformat(),
        "organisation": row_data(organisation),
        "services": [row_data(s) for s in found.services],
        "members": [row_data(m) for m in found.members],
        "issues": [
            {
                **row_data(issue),
                "theme": issue.theme.name if issue.theme else None,
                "escalations": escalations_by_issue.get(issue.id, []),
                "history": events_by_issue.get(issue.id, []),
            }
            for issue in found.issues
        ],
        "waiting_list_returns": [
            {**row_data(r), "service": service_names.get(r.service_id)} for r in found.returns
        ],
        "return_reminders": [row_data(r) for r in found.reminders],
        "feedback": [row_data(f) for f in found.feedback],
        "join_requests": [row_data(j) for j in found.join_requests],
        "bulletin_contacts": [row_data(c) for c in found.contacts],
        "articles": [row_data(a) for a in found.articles],
        "audit": [row_data(a) for a in found.audit_rows],
        "sensitive_issues": [i.reference for i in found.issues if i.sensitive],
    }


# --- erasure ---------------------------------------------------------------------------------------------


@dataclass
class ErasurePlan:
    """What `erase_organisation` would change, for the person about to confirm it."""

    organisation: str
    organisation_id: int
    counts: dict[str, int]
    outside: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"Organisation {self.organisation_id}: {self.organisation}"]
        lines += [f"  {what}: {count}" for what, count in self.counts.items() if count]
        if self.outside:
            lines.append("Not reachable from here (do these by hand):")
            lines += [f"  - {line}" for line in self.outside]
        return lines


def erasure_plan(session: Session, organisation: Organisation) -> ErasurePlan:
    found = footprint(session, organisation)
    return _plan(found)


def _plan(found: Footprint) -> ErasurePlan:
    organisation = found.organisation
    counts = {
        "people (Slack ids) removed": len(found.people),
        "members removed": sum(1 for m in found.members if m.role != MemberRole.OFFICER),
        "services renamed": len(found.services),
        "issues emptied of text (kept for the counts)": len(found.issues),
        "board answers removed": sum(1 for e in found.escalations if e.answer or e.decline_reason),
        "history lines cleared": len(found.events),
        "waiting-list returns' notes removed (figures kept)": len(found.returns),
        "feedback comments removed (ratings kept)": len(found.feedback),
        "join requests anonymised": len(found.join_requests),
        "bulletin contacts deleted": len(found.contacts),
        "articles unattributed": len(found.articles),
        "audit rows emptied": len(found.audit_rows),
    }
    outside = [
        "messages already posted in Slack (escalation cards in board channels, direct messages)",
    ]
    if found.contacts or organisation.contact_email:
        outside.append("the address in the Mailchimp audience: archive or permanently delete it in Mailchimp")
    for user, board in found.board_roles:
        outside.append(f"{user} also sits on the {board} (a role from the network file); that role is kept")
    if organisation.slug:
        outside.append(
            f"the network file lists this organisation (slug {organisation.slug}): remove it there, "
            "or the next `linkedup network load` brings it back"
        )
    return ErasurePlan(organisation.name, organisation.id, counts, outside)


def _values(found: Footprint) -> list[str]:
    """Every personal value, to search the derived stores for (longest first, so a value containing
    another is replaced whole).

    Only values that identify the organisation or were written about its items: service names are
    left out (another organisation may run a "Young carers group"; its own rows are renamed and
    the rows about them emptied), and so is what the system wrote into the history.
    """
    organisation = found.organisation
    values: set[str] = set(found.people) | found.emails
    values |= {v for v in (organisation.name, organisation.slug, organisation.org_identifier) if v}
    values |= {m.display_name for m in found.members if m.display_name}
    for issue in found.issues:
        values |= {v for v in (issue.title, issue.description, issue.affected_group, issue.source_link) if v}
        values |= {v for v in (issue.answer_text,) if v}
    for row in found.escalations:
        values |= {v for v in (row.answer, row.decline_reason) if v}
    for line in found.events:
        values |= set(_free_text(line))
    values |= {v for f in found.feedback for v in (f.comment, f.subject, f.reply_text) if v}
    values |= {r.notes for r in found.returns if r.notes}
    values |= {j.reason for j in found.join_requests if j.reason}
    values = {v.strip() for v in values if isinstance(v, str)}
    return sorted((v for v in values if len(v) >= MIN_SCRUB_LENGTH), key=len, reverse=True)


def _free_text(line: EscalationEvent) -> Iterable[str]:
    """What a person wrote into a history line (a board's reason, the organisation's note)."""
    if line.actor == SYSTEM_ACTOR:
        return
    for key, value in (line.detail or {}).items():
        if key in FREE_TEXT_KEYS and isinstance(value, str) and value.strip():
            yield value


def scrub(value: Any, erased: list[str]) -> Any:
    """`value` (text or JSON) with every occurrence of an erased value replaced."""
    if isinstance(value, str):
        for text in erased:
            if text in value:
                value = value.replace(text, ERASED_TEXT)
            escaped = html.escape(text)
            if escaped != text and escaped in value:
                value = value.replace(escaped, ERASED_TEXT)
        return value
    if isinstance(value, dict):
        return {scrub(k, erased): scrub(v, erased) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, erased) for item in value]
    return value


def _json_forms(text: str) -> set[str]:
    """How a value looks inside stored JSON (SQLAlchemy writes it with ASCII escapes) and in HTML."""
    return {text, json.dumps(text)[1:-1], html.escape(text)}


def _rows_mentioning(session: Session, model, columns, erased: list[str]) -> list:
    """Rows of `model` whose text or JSON columns contain any erased value (searched in SQL)."""
    forms = sorted({form for text in erased for form in _json_forms(text)})
    found = {}
    for start in range(0, len(forms), 40):
        clauses = [
            cast(column, String).contains(form, autoescape=True)
            for form in forms[start : start + 40]
            for column in columns
        ]
        for row in session.scalars(select(model).where(or_(*clauses))):
            found[row.id] = row
    return list(found.values())


@dataclass(frozen=True)
class ErasureReport:
    plan: ErasurePlan
    scrubbed: dict[str, int]


def erase_organisation(session: Session, organisation: Organisation, *, actor: str) -> ErasureReport:
    """Erase the organisation's personal data in the caller's transaction (see the module docstring)."""
    found = footprint(session, organisation)
    plan = _plan(found)
    erased = _values(found)
    people = found.people
    emails = {e.lower() for e in found.emails}
    scrubbed: dict[str, int] = {}

    for service in found.services:
        service.name = f"Service {service.id}"
        service.uuid = uuid4()
    for member in found.members:
        if member.role == MemberRole.OFFICER:
            member.organisation_id = None  # the officer stays the officer
        else:
            session.delete(member)
    for issue in found.issues:
        issue.title = "Erased issue"
        issue.description = ""
        issue.raised_by = ERASED
        issue.affected_group = None
        issue.source_link = None
        issue.answer_text = None
    for row in found.escalations:
        row.answer = None
        row.decline_reason = None
        if row.acknowledged_by in people:
            row.acknowledged_by = ERASED
        if row.responded_by in people:
            row.responded_by = ERASED
    for line in found.events:
        detail = scrub(line.detail or {}, erased)
        line.detail = {
            key: (ERASED_TEXT if key in FREE_TEXT_KEYS and isinstance(value, str) and value else value)
            for key, value in detail.items()
        }
        if line.actor in people:
            line.actor = ERASED
    for row in found.returns:
        row.notes = None
        row.submitted_by = ERASED
    for row in found.reminders:
        row.recipients = []
    for row in found.feedback:
        row.comment = None
        row.subject = None
        row.reply_text = None
        row.slack_user_id = ERASED
    for row in found.join_requests:
        row.slack_user_id = ERASED
        row.reason = None
    for row in found.contacts:
        session.delete(row)
    for row in found.articles:
        row.submitted_by = ERASED
    for row in found.audit_rows:
        row.before = None
        row.after = None
        if row.actor in people:
            row.actor = ERASED
        if row.entity == "bulletin_contact":
            row.entity_id = ERASED

    # Derived stores: wherever else the erased values were copied.
    session.flush()
    if emails:
        for row in session.scalars(
            select(MailchimpWebhookEvent).where(MailchimpWebhookEvent.email.in_(emails))
        ):
            row.email = None
            row.result = scrub(row.result, erased)
    if people:
        session.execute(delete(SignInLink).where(SignInLink.slack_user_id.in_(people)))
        addressed = [
            row
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.method == "dm"))
            if (row.payload or {}).get("user") in people
        ]
        for row in addressed:
            session.delete(row)
        scrubbed["outbox messages to its people deleted"] = len(addressed)
    session.flush()
    for model, columns in (
        (OutboxMessage, (OutboxMessage.payload, OutboxMessage.result, OutboxMessage.last_error)),
        (AuditLog, (AuditLog.before, AuditLog.after, AuditLog.actor, AuditLog.entity_id)),
        (EscalationEvent, (EscalationEvent.detail, EscalationEvent.actor)),
        (Escalation, (Escalation.acknowledged_by, Escalation.responded_by)),
        (Bulletin, (Bulletin.html, Bulletin.text, Bulletin.summary, Bulletin.last_error)),
        (MailchimpWebhookEvent, (MailchimpWebhookEvent.result,)),
    ):
        rows = _rows_mentioning(session, model, columns, erased) if erased else []
        for row in rows:
            for column in columns:
                before = getattr(row, column.key)
                after = scrub(before, erased)
                if (
                    column.key in ("actor", "acknowledged_by", "responded_by", "entity_id")
                    and after != before
                ):
                    after = ERASED
                if after != before:
                    setattr(row, column.key, after)
        if rows:
            scrubbed[f"{model.__tablename__} rows scrubbed"] = len(rows)

    organisation.name = f"Erased organisation {organisation.id}"
    organisation.slug = None
    organisation.org_identifier = None
    organisation.contact_email = None
    organisation.bulletin_consent = False
    organisation.uuid = uuid4()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="organisation.erased",
        entity="organisation",
        entity_id=organisation.id,
        after={"counts": {k: v for k, v in plan.counts.items() if v}, "scrubbed": scrubbed},
    )
    return ErasureReport(plan, scrubbed)
