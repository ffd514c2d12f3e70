"""Approving and sending a bulletin: audience sync, campaign create, content, schedule or send.

A month is sent at most once. Each Mailchimp step is committed as soon as it succeeds, and the
two steps whose answer could be lost after Mailchimp acted (create, send) first commit that they
started: a retry then asks Mailchimp what happened (finds the campaign by its unique title, reads
its status) instead of doing it again. A lease on the row keeps two workers from sending together.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bulletins.config import bulletin_config, month_label, parse_month
from bulletins.mailer import AudienceMember, MailchimpError, Mailer, SyncResult
from models import audit
from models.base import utcnow
from models.bulletins import Bulletin, BulletinContact, BulletinState, ContactStatus, SendMode
from models.errors import NotAllowed, NotFound, ValidationError
from models.membership import is_officer
from models.network import Organisation, OrganisationStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MIN_LEAD = timedelta(minutes=5)
IN_FLIGHT = (BulletinState.APPROVED, BulletinState.CAMPAIGN_CREATED, BulletinState.CONTENT_SET)
DONE = (BulletinState.SCHEDULED, BulletinState.SENT)


class SendInProgress(NotAllowed):
    """Another worker holds the bulletin's lease; it will finish the send."""


@dataclass(frozen=True)
class Approval:
    bulletin: Bulletin
    already: bool


@dataclass
class Delivery:
    month: str
    state: BulletinState
    campaign_id: str | None
    audience: SyncResult | None = None


def _bulletin(session: Session, month: str) -> Bulletin:
    bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if bulletin is None:
        raise NotFound(f"There is no bulletin for {month} yet; compile it first.")
    return bulletin


def check_send_time(send_at: datetime, *, now: datetime | None = None) -> datetime:
    """A schedule time Mailchimp accepts: on the quarter hour (UTC) and a few minutes ahead."""
    now = now or utcnow()
    if send_at.tzinfo is None:
        raise ValidationError({"schedule": "The send time needs a time zone."})
    send_at = send_at.astimezone(UTC)
    if send_at.minute % 15 or send_at.second or send_at.microsecond:
        raise ValidationError(
            {"schedule": "Mailchimp sends on the quarter hour: choose :00, :15, :30 or :45."}
        )
    if send_at < now + MIN_LEAD:
        raise ValidationError({"schedule": "Choose a time at least five minutes from now."})
    return send_at


def approve_bulletin(
    session: Session,
    month: str,
    *,
    by: str,
    send_at: datetime | None = None,
    now: datetime | None = None,
    officer_only: bool = True,
) -> Approval:
    """Approve the draft to go now (`send_at=None`) or at `send_at`; a second approval changes nothing."""
    month = parse_month(month)
    now = now or utcnow()
    if officer_only and not is_officer(session, by):
        raise NotAllowed("Only the development officer can approve the bulletin.")
    bulletin = _bulletin(session, month)
    if bulletin.state != BulletinState.DRAFT:
        return Approval(bulletin, already=True)
    if send_at is not None:
        send_at = check_send_time(send_at, now=now)
    # Claim the draft → approved transition atomically: a concurrent second press updates no row.
    claimed = session.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin.id, Bulletin.state == BulletinState.DRAFT)
        .values(
            state=BulletinState.APPROVED,
            approved_by=by,
            approved_at=now,
            send_mode=SendMode.SCHEDULE if send_at else SendMode.NOW,
            scheduled_for=send_at,
            campaign_title=f"Linked-up bulletin {month} [{uuid.uuid4().hex[:10]}]",
            next_attempt_at=now,
            failed_step=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(bulletin)
    if not claimed:
        return Approval(bulletin, already=True)
    audit.record(
        session,
        actor=by,
        action="bulletin.approved",
        entity="bulletin",
        entity_id=month,
        after={"send": "now" if send_at is None else send_at.isoformat()},
    )
    return Approval(bulletin, already=False)


def _changeable(session: Session, month: str, *, by: str) -> Bulletin:
    """The approved bulletin whose sending the officer may still change (not once it is sent)."""
    if not is_officer(session, by):
        raise NotAllowed("Only the development officer can change when the bulletin goes out.")
    bulletin = _bulletin(session, parse_month(month))
    if bulletin.state == BulletinState.DRAFT:
        raise NotAllowed(f"The {month_label(month)} bulletin is not approved yet: approve it first.")
    if bulletin.state == BulletinState.SENT:
        raise NotAllowed(f"The {month_label(month)} bulletin has been sent; it cannot be changed.")
    return bulletin


def is_held(bulletin: Bulletin) -> bool:
    """Approved, but its schedule cancelled: it waits for the officer to choose a time or send it."""
    return (
        bulletin.state in IN_FLIGHT
        and bulletin.send_mode == SendMode.SCHEDULE
        and bulletin.scheduled_for is None
    )


def change_send_time(
    session: Session, month: str, *, by: str, send_at: datetime | None, now: datetime | None = None
) -> Bulletin:
    """Send now, or at a new time, an approved bulletin not yet sent: after a failure, a cancelled
    schedule, or one Mailchimp has scheduled (the next delivery run unschedules it first)."""
    bulletin = _changeable(session, month, by=by)
    if send_at is not None:
        send_at = check_send_time(send_at, now=now)
    if bulletin.state == BulletinState.SCHEDULED:
        bulletin.state = BulletinState.CONTENT_SET  # send_started_at stays: dispatch asks Mailchimp first
    bulletin.send_mode = SendMode.SCHEDULE if send_at else SendMode.NOW
    bulletin.scheduled_for = send_at
    bulletin.failed_step = None
    bulletin.last_error = None
    bulletin.next_attempt_at = now or utcnow()
    audit.record(
        session,
        actor=by,
        action="bulletin.send_time_changed",
        entity="bulletin",
        entity_id=month,
        after={"send": "now" if send_at is None else send_at.isoformat()},
    )
    return bulletin


def cancel_schedule(session: Session, month: str, *, by: str, now: datetime | None = None) -> Bulletin:
    """Stop an approved bulletin from going: it waits (held) until the officer chooses a time or Send now.

    One Mailchimp already holds is unscheduled by the next delivery run; nothing else is repeated.
    """
    bulletin = _changeable(session, month, by=by)
    if is_held(bulletin):
        return bulletin
    scheduled = bulletin.state == BulletinState.SCHEDULED
    if scheduled:
        bulletin.state = BulletinState.CONTENT_SET
    bulletin.send_mode = SendMode.SCHEDULE
    bulletin.scheduled_for = None
    bulletin.failed_step = None
    bulletin.last_error = None
    bulletin.next_attempt_at = (now or utcnow()) if scheduled else None
    audit.record(
        session, actor=by, action="bulletin.schedule_cancelled", entity="bulletin", entity_id=bulletin.month
    )
    return bulletin


def retry_bulletin(session: Session, month: str, *, by: str, now: datetime | None = None) -> Bulletin:
    """Clear a failure so the next delivery run resumes from the last finished step."""
    if not is_officer(session, by):
        raise NotAllowed("Only the development officer can retry the bulletin.")
    bulletin = _bulletin(session, parse_month(month))
    if bulletin.state not in IN_FLIGHT:
        raise NotAllowed(
            f"The {month} bulletin is {bulletin.state.value.replace('_', ' ')}; there is nothing to retry."
        )
    bulletin.failed_step = None
    bulletin.last_error = None
    bulletin.next_attempt_at = now or utcnow()
    return bulletin


# --- audience -------------------------------------------------------------------------------------


def audience(session: Session) -> list[AudienceMember]:
    """Who should receive the bulletin, and who must be told to stop.

    Subscribed: contact addresses of approved, real organisations that consented (plus any
    addresses the network file lists), less anyone Mailchimp told us unsubscribed or was cleaned.
    Unsubscribed: addresses we subscribed earlier whose consent has since ended.
    """
    config = bulletin_config(session)
    wanted: dict[str, int | None] = {}
    for org_id, email in session.execute(
        select(Organisation.id, Organisation.contact_email).where(
            Organisation.bulletin_consent.is_(True),
            Organisation.contact_email.is_not(None),
            Organisation.status == OrganisationStatus.APPROVED,
            Organisation.simulated.is_(False),
        )
    ):
        if email and "@" in email:
            wanted.setdefault(email.strip().lower(), org_id)
    for email in config.contacts:
        wanted.setdefault(email, None)
    known = {contact.email: contact for contact in session.scalars(select(BulletinContact))}
    members = [
        AudienceMember(email, ContactStatus.SUBSCRIBED.value)
        for email in wanted
        if not (email in known and known[email].suppressed)
    ]
    members += [
        AudienceMember(email, ContactStatus.UNSUBSCRIBED.value)
        for email, contact in known.items()
        if email not in wanted and contact.status == ContactStatus.SUBSCRIBED and not contact.suppressed
    ]
    return members


def sync_audience(session: Session, mailer: Mailer, *, now: datetime | None = None) -> SyncResult:
    """Push the audience to Mailchimp in batches and remember what each address was told."""
    now = now or utcnow()
    members = audience(session)
    result = mailer.sync_audience(members)
    failed = {email.lower() for email, _ in result.errors}
    orgs = {
        email.strip().lower(): org_id
        for org_id, email in session.execute(
            select(Organisation.id, Organisation.contact_email).where(Organisation.contact_email.is_not(None))
        )
        if email
    }
    known = {contact.email: contact for contact in session.scalars(select(BulletinContact))}
    for member in members:
        if member.email in failed:
            continue
        contact = known.get(member.email)
        if contact is None:
            contact = BulletinContact(email=member.email)
            session.add(contact)
        contact.status = ContactStatus(member.status)
        contact.organisation_id = orgs.get(member.email)
        contact.synced_at = now
    for email, error in result.errors:
        log.warning("Mailchimp refused audience member %s: %s", email, error)
    return result


# --- delivery -------------------------------------------------------------------------------------


def _claim(session: Session, month: str, owner: str, now: datetime) -> bool:
    claimed = session.execute(
        update(Bulletin)
        .where(
            Bulletin.month == month,
            Bulletin.state.in_(IN_FLIGHT),
            or_(Bulletin.lease_until.is_(None), Bulletin.lease_until < now),
        )
        .values(lease_until=now + LEASE, lease_owner=owner)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return bool(claimed)


def _release(session_factory: sessionmaker[Session], month: str, owner: str) -> None:
    with session_factory() as session:
        session.execute(
            update(Bulletin)
            .where(Bulletin.month == month, Bulletin.lease_owner == owner)
            .values(lease_until=None, lease_owner=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _record_failure(
    session_factory: sessionmaker[Session],
    month: str,
    step: str,
    message: str,
    *,
    retryable: bool,
    now: datetime,
) -> None:
    """Keep the last persisted state; note the failure, and when (if ever) to try again by itself."""
    with session_factory() as session:
        bulletin = _bulletin(session, month)
        bulletin.failed_step = step
        bulletin.last_error = message[:2000]
        bulletin.attempts = (bulletin.attempts or 0) + 1
        delay = timedelta(minutes=min(60, 2 ** min(bulletin.attempts, 6)))
        bulletin.next_attempt_at = now + delay if retryable else None
        audit.record(
            session,
            actor="mailchimp",
            action="bulletin.send_failed",
            entity="bulletin",
            entity_id=month,
            after={"step": step, "error": bulletin.last_error[:500], "retry": retryable},
        )
        session.commit()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _step_audience(session: Session, bulletin: Bulletin, mailer: Mailer, now: datetime) -> SyncResult:
    result = sync_audience(session, mailer, now=now)
    bulletin.audience_synced_at = now
    return result


def _step_create(session: Session, bulletin: Bulletin, mailer: Mailer, now: datetime) -> None:
    if bulletin.create_started_at is not None:
        # An earlier attempt may have created the campaign and lost the answer: look before creating.
        found = mailer.find_campaign(
            bulletin.campaign_title, since=bulletin.create_started_at - timedelta(days=1)
        )
        if found is not None:
            bulletin.campaign_id = found.id
            bulletin.state = BulletinState.CAMPAIGN_CREATED
            return
    bulletin.create_started_at = now
    session.commit()
    config = bulletin_config(session)
    bulletin.campaign_id = mailer.create_campaign(
        title=bulletin.campaign_title,
        subject=bulletin.subject,
        preview_text=bulletin.preview_text or "",
        from_name=config.from_name,
        reply_to=config.reply_to,
    )
    bulletin.state = BulletinState.CAMPAIGN_CREATED


def _step_content(session: Session, bulletin: Bulletin, mailer: Mailer, now: datetime) -> None:
    mailer.set_content(bulletin.campaign_id, html=bulletin.html, text=bulletin.text)
    bulletin.state = BulletinState.CONTENT_SET


def _step_dispatch(session: Session, bulletin: Bulletin, mailer: Mailer, now: datetime) -> None:
    if bulletin.send_started_at is not None:
        # The send or schedule call may have reached Mailchimp: ask before repeating it.
        info = mailer.get_campaign(bulletin.campaign_id)
        if info.status in ("sending", "sent"):
            bulletin.state = BulletinState.SENT
            bulletin.sent_at = _parse_time(info.send_time) or now
            return
        if info.status == "schedule":
            wanted = bulletin.scheduled_for if bulletin.send_mode == SendMode.SCHEDULE else None
            if wanted is not None and _parse_time(info.send_time) == wanted:
                bulletin.state = BulletinState.SCHEDULED
                return
            mailer.unschedule(bulletin.campaign_id)  # rescheduled, sent now instead, or cancelled
        bulletin.send_started_at = None
        if is_held(bulletin):
            bulletin.next_attempt_at = None
            return
    if bulletin.send_mode == SendMode.SCHEDULE and (
        bulletin.scheduled_for is None or bulletin.scheduled_for < now + timedelta(minutes=1)
    ):
        raise ValidationError(
            {"schedule": "The chosen send time has passed: choose a new time or send it now."}
        )
    bulletin.send_started_at = now
    session.commit()
    if bulletin.send_mode == SendMode.SCHEDULE:
        mailer.schedule(bulletin.campaign_id, bulletin.scheduled_for)
        bulletin.state = BulletinState.SCHEDULED
    else:
        mailer.send(bulletin.campaign_id)
        bulletin.state = BulletinState.SENT
        bulletin.sent_at = now


def _next_step(bulletin: Bulletin):
    if bulletin.state == BulletinState.CONTENT_SET and is_held(bulletin) and bulletin.send_started_at is None:
        return None, None  # cancelled: ready in Mailchimp, waiting for the officer
    if bulletin.state == BulletinState.APPROVED and bulletin.audience_synced_at is None:
        return "audience sync", _step_audience
    return {
        BulletinState.APPROVED: ("campaign create", _step_create),
        BulletinState.CAMPAIGN_CREATED: ("content set", _step_content),
        BulletinState.CONTENT_SET: (
            "schedule" if bulletin.send_mode == SendMode.SCHEDULE else "send",
            _step_dispatch,
        ),
    }.get(bulletin.state, (None, None))


def deliver_bulletin(
    session_factory: sessionmaker[Session], mailer: Mailer, month: str, *, now: datetime | None = None
) -> Delivery:
    """Run the approved bulletin's remaining steps, committing after each; resumes after any failure.

    Raises the step's `MailchimpError` (after recording it on the row), `SendInProgress` when
    another worker holds the lease, `NotAllowed` when the bulletin is not approved.
    """
    month = parse_month(month)
    owner = uuid.uuid4().hex
    with session_factory() as session:
        now = now or utcnow()
        bulletin = _bulletin(session, month)
        if bulletin.state in DONE:
            return Delivery(month, bulletin.state, bulletin.campaign_id)
        if bulletin.state == BulletinState.DRAFT:
            raise NotAllowed(f"The {month} bulletin has not been approved yet.")
        if not _claim(session, month, owner, now):
            raise SendInProgress(f"The {month} bulletin is being sent by another process right now.")
    audience_result = None
    try:
        while True:
            with session_factory() as session:
                bulletin = _bulletin(session, month)
                step, run = _next_step(bulletin)
                if run is None:
                    return Delivery(month, bulletin.state, bulletin.campaign_id, audience_result)
                try:
                    outcome = run(session, bulletin, mailer, now)
                except MailchimpError as exc:
                    session.rollback()
                    _record_failure(session_factory, month, step, str(exc), retryable=exc.retryable, now=now)
                    raise
                except ValidationError as exc:
                    session.rollback()
                    message = "; ".join(exc.errors.values())
                    _record_failure(session_factory, month, step, message, retryable=False, now=now)
                    raise
                if isinstance(outcome, SyncResult):
                    audience_result = outcome
                bulletin.failed_step = None
                bulletin.last_error = None
                bulletin.attempts = 0
                audit.record(
                    session,
                    actor="mailchimp",
                    action=f"bulletin.{step.replace(' ', '_')}",
                    entity="bulletin",
                    entity_id=month,
                    after={"state": bulletin.state.value, "campaign_id": bulletin.campaign_id},
                )
                session.commit()
    finally:
        _release(session_factory, month, owner)


def due_deliveries(session: Session, *, now: datetime | None = None) -> list[str]:
    """Months approved and waiting for their next delivery attempt (not those waiting for a person)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Bulletin.month)
            .where(
                Bulletin.state.in_(IN_FLIGHT),
                Bulletin.next_attempt_at.is_not(None),
                Bulletin.next_attempt_at <= now,
                or_(Bulletin.lease_until.is_(None), Bulletin.lease_until < now),
            )
            .order_by(Bulletin.month)
        )
    )
