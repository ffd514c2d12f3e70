"""Erasing an organisation's personal data, and the plan shown before anyone confirms it.

Erasure removes the personal data — names, emails, Slack ids, the free text of issues, answers,
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

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from models import audit
from models.bulletins import Bulletin, MailchimpWebhookEvent
from models.escalations import Escalation, EscalationEvent
from models.network import MemberRole, Organisation
from models.outbox import OutboxMessage
from models.records import AuditLog
from models.sign_in import SignInLink
from privacy.footprint import ERASED, Footprint, footprint

ERASED_TEXT = "[erased]"
# Values shorter than this are not searched for in the derived stores (a two-letter word would
# match everywhere); every column that holds them directly is cleared anyway.
MIN_SCRUB_LENGTH = 4
# Keys of an escalation event's detail that hold what a person wrote (the rest is bookkeeping:
# deadlines, ladders, outbox keys). Events written by the system carry no one's words.
FREE_TEXT_KEYS = frozenset({"note", "answer", "reason", "decline_reason"})
SYSTEM_ACTOR = "system"


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
