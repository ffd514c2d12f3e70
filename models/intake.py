"""Raising issues and challenges: validation, references, de-duplication of Slack retries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.base import utcnow
from models.deliveries import claim_delivery, find_delivery
from models.errors import ValidationError
from models.issues import Issue, Urgency
from models.membership import organisation_of
from models.references import next_reference

TITLE_MAX = 150
DESCRIPTION_MAX = 3000


@dataclass(frozen=True)
class RaisedIssue:
    issue: Issue
    duplicate_delivery: bool


def title_from(description: str) -> str:
    """A title for an issue raised with one line of text: its first sentence, shortened."""
    first = description.strip().splitlines()[0] if description.strip() else ""
    for stop in (". ", "? ", "! "):
        if stop in first:
            first = first.split(stop, 1)[0] + stop.strip()
            break
    return first if len(first) <= 80 else first[:77].rstrip() + "…"


def raise_issue(
    session: Session,
    *,
    slack_user_id: str,
    description: str,
    title: str | None = None,
    theme_id: int | None = None,
    urgency: Urgency = Urgency.ROUTINE,
    sensitive: bool = False,
    publish_allowed: bool = False,
    delivery_key: str | None = None,
) -> RaisedIssue:
    """Store an issue from a member of an organisation and give it its reference.

    A `delivery_key` (Slack trigger or event id) seen before returns the issue it created then.
    """
    if delivery_key is not None:
        earlier = find_delivery(session, delivery_key)
        if earlier is not None and earlier.result:
            existing = session.scalar(select(Issue).where(Issue.reference == earlier.result))
            if existing is not None:
                return RaisedIssue(existing, duplicate_delivery=True)

    organisation = organisation_of(session, slack_user_id)
    description = description.strip()
    title = (title or title_from(description)).strip()
    errors = {}
    if not description:
        errors["description"] = "Describe the issue or challenge."
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep the description under {DESCRIPTION_MAX} characters."
    if not title:
        errors["title"] = "Give the issue a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    if errors:
        raise ValidationError(errors)

    now = utcnow()
    issue = Issue(
        reference=next_reference(session, at=now),
        organisation=organisation,
        raised_by=slack_user_id,
        title=title,
        description=description,
        theme_id=theme_id,
        urgency=urgency,
        sensitive=sensitive,
        publish_allowed=publish_allowed and not sensitive,
        status_changed_at=now,
    )
    session.add(issue)
    session.flush()
    if delivery_key is not None and not claim_delivery(
        session, key=delivery_key, kind="issue", result=issue.reference
    ):
        # A concurrent retry of the same request won the race: undo ours, return theirs.
        session.rollback()
        return raise_issue(
            session, slack_user_id=slack_user_id, description=description, delivery_key=delivery_key
        )
    audit.record(
        session,
        actor=slack_user_id,
        action="issue.raised",
        entity="issue",
        entity_id=issue.reference,
        after={"title": title, "organisation": organisation.name, "status": issue.status.value},
    )
    return RaisedIssue(issue, duplicate_delivery=False)
