"""Mailchimp's list webhooks: unsubscribe, cleaned and profile events, each applied once.

Mailchimp signs nothing; the secret in the URL is checked by the web layer. The body is
form-encoded with bracketed keys (`data[email]`). An unsubscribe clears the organisation's
consent so the next audience sync cannot re-subscribe the address; a cleaned address (hard
bounce) is never sent again until the organisation gives a new one.

Anyone who learns the URL can post to it, so a delivery is checked before anything is stored:
every address must be an e-mail address (an `upemail` would otherwise store any string as an
organisation's contact address), and no field may hold a NUL character (PostgreSQL refuses it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import audit, fields
from models.bulletins import BulletinContact, ContactStatus, MailchimpWebhookEvent
from models.errors import ValidationError
from models.network import Organisation

EVENTS = ("unsubscribe", "cleaned", "profile", "upemail", "subscribe", "campaign")


def event_key(form: Mapping[str, str]) -> str:
    """The same delivery twice has the same key: every field, in a stable order."""
    canonical = "&".join(f"{k}={form[k]}" for k in sorted(form))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _contact(session: Session, email: str) -> BulletinContact:
    contact = session.scalar(select(BulletinContact).where(BulletinContact.email == email))
    if contact is None:
        contact = BulletinContact(email=email)
        session.add(contact)
    return contact


ADDRESS_FIELDS = ("data[email]", "data[new_email]", "data[old_email]")


def _checked(form: Mapping[str, str]) -> None:
    """ValidationError naming each field that cannot be stored as it is."""
    errors: dict[str, str] = {}
    for name, value in form.items():
        if "\x00" in name or "\x00" in value:
            errors[name.replace("\x00", "")] = "contains a NUL character"
    for name in ADDRESS_FIELDS:
        if form.get(name, "").strip() and name not in errors:
            fields.email(form[name], name, errors)
    if errors:
        raise ValidationError(errors)


def apply_webhook(session: Session, form: Mapping[str, str]) -> str:
    """Apply one webhook delivery; returns what was done ("already applied" for a replay)."""
    kind = (form.get("type") or "").strip()
    if kind not in EVENTS:
        raise ValidationError({"type": f"unknown Mailchimp webhook type {kind!r}"})
    _checked(form)
    email = (form.get("data[email]") or form.get("data[new_email]") or "").strip().lower()
    key = event_key(form)
    if session.scalar(select(MailchimpWebhookEvent.id).where(MailchimpWebhookEvent.key == key)) is not None:
        return "already applied"

    organisations = (
        list(session.scalars(select(Organisation).where(func.lower(Organisation.contact_email) == email)))
        if email
        else []
    )
    if kind == "unsubscribe" and email:
        contact = _contact(session, email)
        contact.status = ContactStatus.UNSUBSCRIBED
        contact.suppressed = True
        contact.reason = f"unsubscribed in Mailchimp ({form.get('data[reason]') or 'no reason given'})"[:80]
        for org in organisations:
            org.bulletin_consent = False
        result = f"unsubscribed {email}; consent cleared for {len(organisations)} organisation(s)"
    elif kind == "cleaned" and email:
        contact = _contact(session, email)
        contact.status = ContactStatus.CLEANED
        contact.suppressed = True
        contact.reason = f"cleaned by Mailchimp ({form.get('data[reason]') or 'bounced'})"[:80]
        result = f"cleaned {email}"
    elif kind == "upemail" and email:
        old = (form.get("data[old_email]") or "").strip().lower()
        for org in session.scalars(select(Organisation).where(func.lower(Organisation.contact_email) == old)):
            org.contact_email = email
        result = f"email changed from {old} to {email}"
    elif kind == "profile":
        result = f"profile updated for {email}" if email else "profile updated"
    else:
        result = f"{kind} noted"

    event = MailchimpWebhookEvent(
        key=key,
        type=kind,
        email=email or None,
        fired_at=(form.get("fired_at") or "")[:32],
        result=result[:200],
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:  # the same delivery, concurrently
        return "already applied"
    audit.record(
        session,
        actor="mailchimp",
        action=f"mailchimp.{kind}",
        entity="bulletin_contact",
        entity_id=email or "-",
        after={"result": result, "fired_at": form.get("fired_at")},
    )
    return result
