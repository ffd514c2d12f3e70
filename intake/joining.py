"""Joining the network: registering an organisation, or asking to join one already registered.

Both need the officer's approval. A registered organisation is *pending* until then: its members
can already raise issues, send returns and feedback (acknowledged and kept), but its issues are
only routed to boards once it is approved. Asking to join an existing organisation makes no one
a member until the officer approves: otherwise anyone in the workspace could speak (and read
status) for any organisation. One rule for both keeps the officer's queue the single gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalations.flows import RoutingDecision, route_pending_issues_of
from escalations.ports import Renderer
from intake.identifiers import InvalidIdentifier, normalise_org_id
from intake.notices import tell_applicant
from intake.ports import IntakeRenderer
from intake.references import next_reference
from intake.service_entries import parse_entries, service_categories
from intake.submissions import Stored, store_once
from models import audit, fields
from models.base import utcnow
from models.errors import NotAllowed, NotFound, NotRegistered, ValidationError
from models.joining import JoinRequest, RequestKind, RequestStatus
from models.membership import find_member, is_officer
from models.network import (
    Member,
    MemberRole,
    Organisation,
    OrganisationStatus,
    Service,
    organisation_name_contains,
)

NAME_MAX = 200
REASON_MAX = 1000


@dataclass(frozen=True)
class Decision:
    request: JoinRequest
    changed: bool  # False when it had already been decided (a second click, another officer)
    # Approving a registration: where each issue kept while the organisation waited went.
    routed: tuple[RoutingDecision, ...] = ()


def submitting_organisation(session: Session, slack_user_id: str) -> Organisation:
    """The organisation a person submits for: pending ones may submit, declined ones may not."""
    member = find_member(session, slack_user_id)
    if member is not None and member.organisation is not None:
        organisation = member.organisation
        if organisation.status == OrganisationStatus.DECLINED:
            raise NotAllowed(
                f"{organisation.name}'s registration was declined, so nothing can be sent for it. "
                "Type `/linkedup join` to apply again, or contact the development officer."
            )
        return organisation
    waiting = pending_request_of(session, slack_user_id)
    if waiting is not None:
        raise NotAllowed(
            f"Your request to join {waiting.organisation.name} ({waiting.reference}) is waiting for the "
            "development officer's approval. You'll get a message as soon as it is decided."
        )
    raise NotRegistered()


def pending_request_of(session: Session, slack_user_id: str) -> JoinRequest | None:
    return session.scalar(
        select(JoinRequest)
        .where(JoinRequest.slack_user_id == slack_user_id, JoinRequest.status == RequestStatus.PENDING)
        .order_by(JoinRequest.id.desc())
        .limit(1)
    )


def ensure_may_apply(session: Session, slack_user_id: str) -> None:
    """Refuse a second application: a member of a live organisation, or one already waiting."""
    member = find_member(session, slack_user_id)
    organisation = member.organisation if member is not None else None
    if organisation is not None and organisation.status != OrganisationStatus.DECLINED:
        raise NotAllowed(
            f"You are already a member of {organisation.name}. "
            "Type `/linkedup status` to see what it has raised."
        )
    waiting = pending_request_of(session, slack_user_id)
    if waiting is not None:
        raise NotAllowed(
            f"You already applied ({waiting.reference}, {waiting.organisation.name}); "
            "the development officer will decide soon."
        )


def apply_to_network(
    session: Session,
    *,
    slack_user_id: str,
    existing_organisation: object = None,
    name: object = None,
    scheme: object = None,
    identifier: object = None,
    contact_email: object = None,
    bulletin_consent: object = False,
    services: Mapping[str, object] | None = None,
    service_count: int = 0,
    delivery_key: str | None = None,
) -> Stored[JoinRequest]:
    """The join form: either ask to join `existing_organisation` (an id) or register a new one.

    `services` holds the form's service fields by block id (`intake.service_entries.field_id`) for
    its `service_count` groups.
    """
    return store_once(
        session,
        delivery_key,
        kind="join_request",
        find=lambda ref: session.scalar(select(JoinRequest).where(JoinRequest.reference == ref)),
        reference_of=lambda request: request.reference,
        create=lambda: _apply(
            session,
            slack_user_id=slack_user_id,
            existing_organisation=existing_organisation,
            name=name,
            scheme=scheme,
            identifier=identifier,
            contact_email=contact_email,
            bulletin_consent=bulletin_consent,
            services=dict(services or {}),
            service_count=service_count,
        ),
    )


def _apply(
    session: Session, *, slack_user_id: str, existing_organisation: object, **registration
) -> JoinRequest:
    ensure_may_apply(session, slack_user_id)
    if existing_organisation not in (None, ""):
        typed = [registration["name"], registration["identifier"], *registration["services"].values()]
        if any(str(value or "").strip() for value in typed):
            raise ValidationError(
                {
                    "name": "Either choose your organisation above or register a new one here, not both. "
                    "Clear these fields to join the organisation you chose."
                }
            )
        return _request_to_join(session, slack_user_id, existing_organisation)
    return _register(session, slack_user_id, **registration)


def _request_to_join(session: Session, slack_user_id: str, organisation_id: object) -> JoinRequest:
    chosen = fields.record_id(organisation_id)
    organisation = session.get(Organisation, chosen) if chosen is not None else None
    if organisation is None or organisation.status == OrganisationStatus.DECLINED:
        raise ValidationError(
            {"existing_organisation": "Choose an organisation registered with the network."}
        )
    request = _new_request(session, RequestKind.JOIN, slack_user_id, organisation)
    audit.record(
        session,
        actor=slack_user_id,
        action="organisation.join_requested",
        entity="join_request",
        entity_id=request.reference,
        after={"organisation": organisation.name},
    )
    return request


def _register(
    session: Session,
    slack_user_id: str,
    *,
    name: object,
    scheme: object,
    identifier: object,
    contact_email: object,
    bulletin_consent: object,
    services: Mapping[str, object],
    service_count: int,
) -> JoinRequest:
    errors: dict[str, str] = {}
    clean_name = fields.text(
        name, "name", errors, label="your organisation's name", required=True, max_length=NAME_MAX
    )
    org_id = None
    if str(identifier or "").strip():
        try:
            org_id = normalise_org_id(str(identifier), str(scheme) if scheme else None)
        except InvalidIdentifier as exc:
            errors["identifier"] = str(exc)
    email = fields.email(contact_email, "contact_email", errors)
    try:
        service_lines = parse_entries(services, service_count, service_categories(session))
    except ValidationError as exc:
        errors.update(exc.errors)
        service_lines = []

    revived = None
    if clean_name:
        same_name = session.scalar(
            select(Organisation).where(func.lower(Organisation.name) == clean_name.lower())
        )
        if same_name is not None and same_name.status != OrganisationStatus.DECLINED:
            errors["name"] = (
                f"{same_name.name} is already registered. Choose it under “Already registered?” "
                "at the top to ask to join it."
            )
        revived = same_name
    if org_id:
        holder = session.scalar(select(Organisation).where(Organisation.org_identifier == org_id))
        if holder is not None and holder is not revived:
            errors["identifier"] = f"{org_id} is already registered to {holder.name}."
    if errors:
        raise ValidationError(errors)

    # A declined organisation applying again under its own name is a resubmission, not a clash.
    organisation = revived or Organisation(name=clean_name)
    organisation.name = clean_name
    organisation.org_identifier = org_id
    organisation.contact_email = email
    organisation.bulletin_consent = fields.flag(bulletin_consent)
    organisation.status = OrganisationStatus.PENDING
    session.add(organisation)
    existing_names = {service.name.casefold() for service in organisation.services}
    for line in service_lines:
        if line.name.casefold() in existing_names:
            continue
        organisation.services.append(
            Service(
                name=line.name,
                category=line.category,
                min_age=line.min_age,
                max_age=line.max_age,
                places_available=line.places_available,
                places_maximum=line.places_maximum,
            )
        )
    session.flush()
    _make_member(session, slack_user_id, organisation)
    request = _new_request(session, RequestKind.REGISTER, slack_user_id, organisation)
    audit.record(
        session,
        actor=slack_user_id,
        action="organisation.registered",
        entity="organisation",
        entity_id=organisation.id,
        after={
            "name": organisation.name,
            "org_identifier": org_id,
            "contact_email": email,
            "services": [line.name for line in service_lines],
            "request": request.reference,
        },
    )
    return request


def _new_request(session: Session, kind: RequestKind, slack_user_id: str, organisation: Organisation):
    request = JoinRequest(
        reference=next_reference(session, at=utcnow()),
        kind=kind,
        slack_user_id=slack_user_id,
        organisation=organisation,
    )
    session.add(request)
    session.flush()
    return request


def _make_member(session: Session, slack_user_id: str, organisation: Organisation) -> Member:
    member = find_member(session, slack_user_id)
    if member is None:
        member = Member(slack_user_id=slack_user_id, role=MemberRole.MEMBER)
        session.add(member)
    member.organisation = organisation
    session.flush()
    return member


def decide_request(
    session: Session,
    *,
    request_id: object,
    officer: str,
    approve: bool,
    reason: object = None,
    tell: IntakeRenderer | None = None,
) -> Decision:
    """Approve or decline an application. Deciding one already decided changes nothing.

    With `tell`, the applicant's message saying so is queued in the same transaction (once: a replayed
    decision changes nothing, so queues nothing)."""
    if not is_officer(session, officer):
        raise NotAllowed("Only the development officer can approve or decline organisations.")
    chosen = fields.record_id(request_id)
    request = session.get(JoinRequest, chosen) if chosen is not None else None
    if request is None:
        raise NotFound("That application no longer exists.")
    if request.status != RequestStatus.PENDING:
        return Decision(request, changed=False)
    errors: dict[str, str] = {}
    clean_reason = fields.text(
        reason, "reason", errors, label="the reason", required=not approve, max_length=REASON_MAX
    )
    if errors:
        raise ValidationError(errors)
    organisation = request.organisation
    before = {"status": request.status.value, "organisation_status": organisation.status.value}
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.reason = clean_reason
    request.decided_by = officer
    request.decided_at = utcnow()
    if request.kind == RequestKind.REGISTER:
        organisation.status = OrganisationStatus.APPROVED if approve else OrganisationStatus.DECLINED
    elif approve:
        _make_member(session, request.slack_user_id, organisation)
    session.flush()
    audit.record(
        session,
        actor=officer,
        action="join_request.approved" if approve else "join_request.declined",
        entity="join_request",
        entity_id=request.reference,
        before=before,
        after={
            "status": request.status.value,
            "organisation_status": organisation.status.value,
            "reason": clean_reason,
        },
    )
    if tell is not None:
        tell_applicant(session, request, render=tell)
    return Decision(request, changed=True)


def approve_and_route_held(
    session: Session,
    *,
    request_id: object,
    officer: str,
    now: datetime,
    render: Renderer,
    tell: IntakeRenderer | None = None,
) -> Decision:
    """Approve an application; approving a registration routes the issues held while it waited.

    The approval and the routing share the caller's transaction: an organisation is never approved
    with its issues left behind. A second click (already decided) routes nothing again.
    """
    decision = decide_request(session, request_id=request_id, officer=officer, approve=True, tell=tell)
    if not decision.changed or decision.request.kind != RequestKind.REGISTER:
        return decision
    routed = route_pending_issues_of(session, decision.request.organisation, now=now, render=render)
    return replace(decision, routed=tuple(routed))


def pending_requests(session: Session, *, limit: int) -> tuple[int, list[JoinRequest]]:
    """How many applications wait for the officer, and the oldest `limit` of them."""
    where = JoinRequest.status == RequestStatus.PENDING
    total = session.scalar(select(func.count()).select_from(JoinRequest).where(where)) or 0
    rows = session.scalars(select(JoinRequest).where(where).order_by(JoinRequest.id).limit(limit)).all()
    return total, list(rows)


def search_organisations(session: Session, query: str, *, limit: int = 100) -> list[Organisation]:
    """Organisations one can ask to join, by name (for the join form's type-ahead)."""
    statement = select(Organisation).where(
        Organisation.status != OrganisationStatus.DECLINED, organisation_name_contains(query)
    )
    return list(session.scalars(statement.order_by(Organisation.name).limit(limit)))
