"""Raising issues and challenges: validation, the suggested theme, references, Slack retries, and
sending the new issue on to its board ("raise, then route").

Issues of a *pending* organisation are kept and acknowledged like any other; routing to a board
waits for the officer's approval (the routing step checks `organisation.status`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.flows import RoutingDecision, current_routing, route_received_issue
from escalations.ports import Renderer
from intake.joining import submitting_organisation
from intake.references import next_reference
from intake.submissions import store_once
from intake.suggestions import suggest_theme
from models import audit, fields
from models.base import utcnow
from models.errors import ValidationError
from models.issues import Issue, Urgency
from models.network import Theme

TITLE_MAX = 150
DESCRIPTION_MAX = 3000
GROUP_MAX = 200
LINK_MAX = 500


class IssueSource(enum.StrEnum):
    """Where the issue was raised from."""

    SLACK = "slack"
    COMMAND = "command"  # /linkedup issue
    MESSAGE = "message"  # the "Raise as Linked-up issue" message shortcut
    MENTION = "mention"  # the button offered when someone @-mentions the bot
    HOME = "home"  # the App Home button


AGE_RANGES: dict[str, str] = {
    "0-4": "0–4 (early years)",
    "5-11": "5–11 (primary)",
    "12-15": "12–15 (secondary)",
    "16-18": "16–18",
    "19-25": "19–25 (SEND, care leavers)",
    "all": "All ages",
}


@dataclass(frozen=True)
class RaisedIssue:
    issue: Issue
    duplicate_delivery: bool
    theme_suggested: bool = False  # the theme was left empty and the suggestion was applied
    # Where it went: a board, triage or held (None for a retried delivery not yet routed anywhere).
    routed: RoutingDecision | None = None


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
    description: object,
    title: object = None,
    theme_id: object = None,
    urgency: object = Urgency.ROUTINE,
    sensitive: object = False,
    publish_allowed: object = False,
    affected_age_range: object = None,
    affected_group: object = None,
    source: IssueSource | str = IssueSource.SLACK,
    source_link: str | None = None,
    delivery_key: str | None = None,
) -> RaisedIssue:
    """Store an issue from a member of an organisation and give it its reference.

    A `delivery_key` (a modal's view id, a trigger or event id) seen before returns the issue it
    created then. An empty theme takes the suggested one, if the text points to any.
    """
    stored = store_once(
        session,
        delivery_key,
        kind="issue",
        find=lambda ref: session.scalar(select(Issue).where(Issue.reference == ref)),
        reference_of=lambda raised: raised.issue.reference,
        create=lambda: _raise(
            session,
            slack_user_id=slack_user_id,
            description=description,
            title=title,
            theme_id=theme_id,
            urgency=urgency,
            sensitive=sensitive,
            publish_allowed=publish_allowed,
            affected_age_range=affected_age_range,
            affected_group=affected_group,
            source=source,
            source_link=source_link,
        ),
    )
    if stored.duplicate_delivery:
        return RaisedIssue(stored.record, duplicate_delivery=True)
    return stored.record


def raise_and_route(session: Session, *, now: datetime, render: Renderer, **values) -> RaisedIssue:
    """Raise an issue (see `raise_issue` for `values`) and route it to its board at once.

    One transaction (the caller commits): the issue and its escalation card are stored together or
    not at all. A retried delivery routes nothing again and says where the first one went.
    """
    raised = raise_issue(session, **values)
    if raised.duplicate_delivery:
        routed = current_routing(session, raised.issue)
    else:
        routed = route_received_issue(session, raised.issue, now=now, render=render, just_raised=True)
    return replace(raised, routed=routed)


def _raise(session: Session, *, slack_user_id: str, **values) -> RaisedIssue:
    organisation = submitting_organisation(session, slack_user_id)
    errors: dict[str, str] = {}
    description = fields.text(
        values["description"],
        "description",
        errors,
        label="a description of the issue or challenge",
        required=True,
        max_length=DESCRIPTION_MAX,
    )
    raw_title = values["title"] if str(values["title"] or "").strip() else title_from(description or "")
    title = fields.text(raw_title, "title", errors, label="a title", required=True, max_length=TITLE_MAX)
    theme = _theme(session, values["theme_id"], errors)
    urgency = fields.choice(
        values["urgency"] or Urgency.ROUTINE.value,
        "urgency",
        errors,
        allowed=[u.value for u in Urgency],
        label="how urgent it is",
    )
    age_range = fields.choice(
        values["affected_age_range"],
        "affected_age_range",
        errors,
        allowed=AGE_RANGES,
        label="the age range",
        required=False,
    )
    group = fields.text(
        values["affected_group"], "affected_group", errors, label="who is affected", max_length=GROUP_MAX
    )
    if errors:
        raise ValidationError(errors)

    suggested = False
    if theme is None:
        suggestion = suggest_theme(session, f"{title} {description}")
        if suggestion is not None:
            theme, suggested = suggestion.theme, True
    sensitive = fields.flag(values["sensitive"])
    now = utcnow()
    issue = Issue(
        reference=next_reference(session, at=now),
        organisation=organisation,
        raised_by=slack_user_id,
        title=title,
        description=description,
        theme=theme,
        urgency=Urgency(urgency),
        sensitive=sensitive,
        # A safeguarding-sensitive issue is never published, whatever was ticked.
        publish_allowed=fields.flag(values["publish_allowed"]) and not sensitive,
        affected_age_range=age_range,
        affected_group=group,
        source=IssueSource(values["source"]).value,
        source_link=_link(values["source_link"]),
        status_changed_at=now,
    )
    session.add(issue)
    session.flush()
    audit.record(
        session,
        actor=slack_user_id,
        action="issue.raised",
        entity="issue",
        entity_id=issue.reference,
        after={
            "title": title,
            "organisation": organisation.name,
            "organisation_status": organisation.status.value,
            "status": issue.status.value,
            "theme": theme.name if theme else None,
            "theme_suggested": suggested,
            "source": issue.source,
        },
    )
    return RaisedIssue(issue, duplicate_delivery=False, theme_suggested=suggested)


def _theme(session: Session, value: object, errors: dict[str, str]) -> Theme | None:
    if value in (None, ""):
        return None
    if isinstance(value, Theme):
        return value
    chosen = fields.record_id(value)
    theme = session.get(Theme, chosen) if chosen is not None else None
    if theme is None:
        errors["theme"] = "That theme is no longer in the network; choose another."
    return theme


def _link(value: str | None) -> str | None:
    """Only a Slack https link we built ourselves is kept (private metadata comes back from Slack)."""
    if value and value.startswith("https://") and len(value) <= LINK_MAX:
        return value
    return None
