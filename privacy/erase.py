"""Erasing an organisation's personal data, and the plan shown before anyone confirms it.

Erasure removes the personal data — names, emails, Slack ids, the free text of issues, answers,
feedback, notes and reasons, messages queued to its people — and keeps what the reports count:
every issue stays (theme, board, urgency, sensitivity, state, dates and its escalations), every
return keeps its figures, feedback keeps its rating and subject kind. The organisation row stays
too, renamed "Erased organisation N", so counts of organisations and the reports built on them do
not move.

What happens to each column is decided in one table, `privacy.columns` (a column nobody decided
about fails the tests). The organisation's own rows (its footprint) get their column's rule; the
derived stores — queued Slack payloads, audit and history details, compiled bulletins, errors — are
searched for every erased value in whatever form it was copied (`privacy.scrub`).

What it cannot reach is said by `ErasurePlan.outside`: messages already posted in Slack (cards in
board channels, DMs) and the Mailchimp audience's own copy of the contact address. An organisation
that comes from the network file must also be removed there, or the next load brings it back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, String, Table, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from models import audit
from models.base import Base
from models.escalations import EscalationEvent
from models.network import MemberRole, Organisation, Service
from models.outbox import OutboxMessage
from privacy.columns import (
    CATEGORY,
    CLEAR,
    DETAIL,
    EMAIL,
    ERASED_CATEGORY,
    LABEL,
    LABELS,
    PEOPLE,
    PERSON,
    SCRUB,
    columns_with,
    rule_of,
)
from privacy.footprint import ERASED, Footprint, footprint
from privacy.scrub import ERASED_TEXT, prepare, probe, scrub

# Values shorter than this are not searched for in the derived stores (a two-letter word would
# match everywhere); every column that holds them directly is cleared anyway.
MIN_SCRUB_LENGTH = 4
# Keys of an escalation event's detail that hold what a person wrote (the rest is bookkeeping:
# deadlines, ladders, outbox keys). Events written by the system carry no one's words.
FREE_TEXT_KEYS = frozenset({"note", "answer", "reason", "decline_reason"})
SYSTEM_ACTOR = "system"
PROBES_PER_QUERY = 40
# Rows that exist only for one person (a sign-in link, a browser's session, a contact address): they
# go when the person's Slack id or address does.
ROWS_OF_A_PERSON = {
    "sign_in_links": "slack_user_id",
    "dashboard_sessions": "slack_user_id",
    "slack_names": "slack_user_id",
    "notice_recipients": "slack_user_id",  # a notice's row for one person (unique per notice and person)
}
ROWS_OF_AN_ADDRESS = {"bulletin_contacts": "email"}
# Member rows are the organisation's (found by the footprint); another organisation's are never touched.
FOOTPRINT_ONLY = {"members"}


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
    return _plan(footprint(session, organisation))


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
        "articles emptied and unattributed": len(found.articles),
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


def own_rows(found: Footprint) -> dict[str, list[Base]]:
    """The footprint by table name: the rows whose columns get their rule."""
    rows: dict[str, list[Base]] = {}
    for row in [
        found.organisation,
        *found.services,
        *found.issues,
        *found.escalations,
        *found.events,
        *found.returns,
        *found.reminders,
        *found.feedback,
        *found.join_requests,
        *found.contacts,
        *found.articles,
        *found.audit_rows,
        *found.survey_recipients,
        *found.survey_responses,
    ]:  # a notice's recipients are deleted with their person (ROWS_OF_A_PERSON), not given column rules
        rows.setdefault(row.__table__.name, []).append(row)
    return rows


def _unshared_categories(session: Session, found: Footprint) -> set[str]:
    """Its services' categories no other organisation uses (a shared one is the network's term)."""
    mine = {s.category for s in found.services if s.category}
    shared = set(
        session.scalars(
            select(Service.category).where(
                Service.organisation_id != found.organisation.id, Service.category.in_(mine or {""})
            )
        )
    )
    return mine - shared


def personal_values(session: Session, found: Footprint) -> set[str]:
    """Every text the organisation's own rows hold under a rule (what its derived copies may repeat):
    read from the columns `privacy.columns` names, so a column given a rule is searched for too."""
    values: set[str] = set(found.people) | found.emails
    values |= {m.display_name for m in found.members if m.display_name and m.role != MemberRole.OFFICER}
    unshared = _unshared_categories(session, found)
    for table, rows in own_rows(found).items():
        for row in rows:
            for column in row.__table__.columns:
                rule = rule_of(table, column.name)
                value = getattr(row, _attribute(row, column.name))
                wanted = rule in (CLEAR, LABEL) or (rule == CATEGORY and value in unshared)
                if wanted and isinstance(value, str):
                    values.add(value)
    for line in found.events:
        values |= set(_free_text(line))
    values.discard(ERASED)
    return {v for v in values if isinstance(v, str) and v.strip()}


def _free_text(line: EscalationEvent) -> Iterable[str]:
    """What a person wrote into a history line (a board's reason, the organisation's note)."""
    if line.actor == SYSTEM_ACTOR:
        return
    for key, value in (line.detail or {}).items():
        if key in FREE_TEXT_KEYS and isinstance(value, str) and value.strip():
            yield value


def _attribute(row: Base, column_name: str) -> str:
    mapper = row.__mapper__
    return mapper.get_property_by_column(mapper.local_table.c[column_name]).key


def _emptied(column, value: Any) -> Any:
    if column.nullable:
        return None
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    return ""


def _apply_own_rules(found: Footprint, unshared: set[str], values: list[str]) -> None:
    people_and_addresses = found.people | {e.lower() for e in found.emails}
    for table, rows in own_rows(found).items():
        for row in rows:
            for column in row.__table__.columns:
                rule = rule_of(table, column.name)
                attribute = _attribute(row, column.name)
                value = getattr(row, attribute)
                if value is None:
                    continue
                if rule in (CLEAR, SCRUB, EMAIL):
                    new = _emptied(column, value)
                elif rule == LABEL:
                    new = LABELS[(table, column.name)].format(id=row.id)
                elif rule == CATEGORY:
                    new = ERASED_CATEGORY if value in unshared else value
                elif rule == PERSON:
                    new = (
                        ERASED
                        if str(value).lower() in people_and_addresses or value in found.people
                        else value
                    )
                elif rule == PEOPLE:
                    new = [v for v in value if v not in found.people]
                elif rule == DETAIL:
                    new = {
                        key: (ERASED_TEXT if key in FREE_TEXT_KEYS and isinstance(v, str) and v else v)
                        for key, v in scrub(value, values).items()
                    }
                else:
                    continue
                if new != value:
                    setattr(row, attribute, new)


def _tables() -> dict[str, Table]:
    return {table.name: table for table in Base.metadata.sorted_tables}


def _models() -> dict[str, type[Base]]:
    return {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers}


def _remove_people_everywhere(session: Session, people: set[str], emails: set[str]) -> None:
    """Their Slack ids (and addresses) wherever a PERSON (EMAIL) column holds them, in every table."""
    tables = _tables()
    if people:
        for name, column in ROWS_OF_A_PERSON.items():
            session.execute(delete(tables[name]).where(tables[name].c[column].in_(people)))
        for name, columns in columns_with(PERSON).items():
            if name in ROWS_OF_A_PERSON or name in FOOTPRINT_ONLY:
                continue
            for column in columns:
                table = tables[name]
                session.execute(update(table).where(table.c[column].in_(people)).values({column: ERASED}))
    if emails:
        for name, column in ROWS_OF_AN_ADDRESS.items():
            table = tables[name]
            session.execute(delete(table).where(func.lower(table.c[column]).in_(emails)))
        for name, columns in columns_with(EMAIL).items():
            if name in ROWS_OF_AN_ADDRESS:
                continue
            for column in columns:
                table = tables[name]
                session.execute(
                    update(table).where(func.lower(table.c[column]).in_(emails)).values({column: None})
                )
        session.execute(
            update(tables["audit_log"])
            .where(tables["audit_log"].c.entity_id.in_(emails))
            .values(entity_id=ERASED)
        )


def rows_holding_copies(session: Session, values: list[str]) -> Iterable[tuple[Base, list[str]]]:
    """(row, its attribute names) for every row whose SCRUB or DETAIL columns may hold an erased value:
    the database narrows by a verbatim piece of each value (`privacy.scrub.probe`); a value with no such
    piece makes the whole table searched."""
    if not values:
        return
    probes = sorted({probe(v) or "" for v in values})
    models = _models()
    for name, column_names in sorted(columns_with(SCRUB, DETAIL).items()):
        model = models[name]
        table = model.__table__
        attributes = [_attribute_of(model, c) for c in column_names]
        texts = [
            cast(table.c[c], String) if isinstance(table.c[c].type, JSON) else table.c[c]
            for c in column_names
        ]
        if "" in probes:
            conditions = [None]
        else:  # a few probes per statement: SQLite refuses an expression deeper than 1,000
            conditions = [
                or_(
                    *(t.contains(p, autoescape=True) for t in texts for p in probes[i : i + PROBES_PER_QUERY])
                )
                for i in range(0, len(probes), PROBES_PER_QUERY)
            ]
        seen: set[int] = set()
        for condition in conditions:
            query = select(model).order_by(table.c.id)
            for row in session.scalars(query if condition is None else query.where(condition)):
                if row.id not in seen:
                    seen.add(row.id)
                    yield row, attributes


def copies_of(session: Session, values: list[str]) -> list[tuple[Base, dict[str, Any]]]:
    """Every row of a derived store holding a copy of an erased value: (row, {attribute: scrubbed})."""
    found = []
    for row, attributes in rows_holding_copies(session, values):
        changed = {}
        for attribute in attributes:
            before = getattr(row, attribute)
            after = scrub(before, values)
            if after != before:
                changed[attribute] = after
        if changed:
            found.append((row, changed))
    return found


def _attribute_of(model: type[Base], column_name: str) -> str:
    mapper = model.__mapper__
    return mapper.get_property_by_column(mapper.local_table.c[column_name]).key


@dataclass(frozen=True)
class ErasureReport:
    plan: ErasurePlan
    scrubbed: dict[str, int]


def erase_organisation(session: Session, organisation: Organisation, *, actor: str) -> ErasureReport:
    """Erase the organisation's personal data in the caller's transaction (see the module docstring)."""
    found = footprint(session, organisation)
    plan = _plan(found)
    values = prepare(personal_values(session, found), min_length=MIN_SCRUB_LENGTH)
    unshared = _unshared_categories(session, found)
    people = set(found.people)
    emails = {e.lower() for e in found.emails}
    scrubbed: dict[str, int] = {}

    _apply_own_rules(found, unshared, values)
    for member in found.members:
        if member.role == MemberRole.OFFICER:
            member.organisation_id = None  # the officer stays the officer
        else:
            session.delete(member)
    for service in found.services:
        service.uuid = uuid4()
    for row in found.contacts:
        session.delete(row)
    organisation.bulletin_consent = False
    organisation.uuid = uuid4()
    session.flush()

    if people:
        addressed = [
            row
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.method == "dm"))
            if (row.payload or {}).get("user") in people
        ]
        for row in addressed:
            session.delete(row)
        scrubbed["outbox messages to its people deleted"] = len(addressed)
        session.flush()
    _remove_people_everywhere(session, people, emails)
    session.expire_all()

    changed: dict[str, int] = {}
    for row, scrubbed_values in copies_of(session, values):
        for attribute, after in scrubbed_values.items():
            setattr(row, attribute, after)
        changed[row.__table__.name] = changed.get(row.__table__.name, 0) + 1
    for name, count in sorted(changed.items()):
        scrubbed[f"{name} rows scrubbed"] = count
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
