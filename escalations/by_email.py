"""Board members outside Slack: the escalation's news by e-mail, with links to act.

Everything a Slack board member gets — the card, reminders, ladder moves, the answer, the pre-meeting
digest — a member with an e-mail address and no Slack id gets by e-mail: built here from the same
rows, at the same moment, in the same transaction, queued in the outbox (method "email") under a
key naming the escalation, the occasion and the member (`escalation:{id}:email:{occasion}:m{member}`),
so a retried flow or sweep sends nothing twice. A member with both gets Slack only.

Each e-mail about an item the member can act on carries one single-use link per action
(`models.email_links`): acknowledge, respond, decline, re-assign, escalate. A link opens a page that
shows the item and asks the member to confirm; only the confirmation acts, through the same flows as
the Slack buttons. A safeguarding-sensitive item is never described in an e-mail: it says that a
sensitive item awaits and links to the signed-in page.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalations.mail_views import MailKind, MailLink, MailView
from escalations.ports import mail_renderer
from escalations.views import withhold_organisation
from escalations.working_days import describe
from models.email_links import SIGN_IN, EmailLink, new_link
from models.escalations import Escalation, EscalationState, NextStep
from models.network import Board, BoardMember, Meeting

ITEM_PAGE = "/dashboard/email/item/{id}"  # the signed-in page of an item (sensitive items are read there)
DASHBOARD = "/dashboard/"
SIGN_INS_LIVE = 3  # unused sign-in links a member may hold at once (each lasts ten minutes)
LINK_LABELS = {
    "acknowledge": "Acknowledge",
    "respond": "Respond",
    "decline": "Decline",
    "reassign": "Re-assign to another board",
    "escalate": "Escalate to the next board",
}
OUTCOME_WORDS = {"accepted": "Accepted", "partly": "Partly accepted", "declined": "Declined"}


def email_key(escalation_id: int, occasion: str, member: BoardMember) -> str:
    return f"escalation:{escalation_id}:email:{occasion}:m{member.id}"


def email_row(key: str, member: BoardMember, body: dict, *, attachments: list[dict] | None = None) -> dict:
    """An outbox row sending `body` ({subject, text, html}) to the member's address."""
    payload = {"to": member.email, **body}
    if attachments:
        payload["attachments"] = attachments
    return {"key": key, "method": "email", "payload": payload}


def email_members(session: Session, board_ids: Iterable[int | None]) -> dict[int, list[BoardMember]]:
    """Each board's members reached by e-mail (an address and no Slack id), one query for the lot.

    None while the process has no e-mail (`ports.mail_renderer`): they cannot be reached, so the sweep
    reminds the officer as it does for a board with nobody named."""
    wanted = sorted({b for b in board_ids if b is not None})
    if not wanted or mail_renderer() is None:
        return {}
    found: dict[int, list[BoardMember]] = {}
    for member in session.scalars(
        select(BoardMember)
        .where(
            BoardMember.board_id.in_(wanted),
            BoardMember.slack_user_id.is_(None),
            BoardMember.email.is_not(None),
        )
        .order_by(BoardMember.id)
    ):
        found.setdefault(member.board_id, []).append(member)
    return found


def link_actions(escalation: Escalation) -> tuple[str, ...]:
    """What the member may do from the e-mail, as on the Slack card (Decline is Respond, declined)."""
    if escalation.state == EscalationState.OPEN:
        actions = ["acknowledge", "respond", "decline", "reassign"]
    elif escalation.state == EscalationState.ACKNOWLEDGED:
        actions = ["respond", "decline", "reassign"]
    else:
        return ()
    if not escalation.at_top:
        actions.append("escalate")
    return tuple(actions)


def _links(
    session: Session, escalation: Escalation, member: BoardMember, now: datetime
) -> tuple[MailLink, ...]:
    return tuple(
        MailLink(
            action=action,
            label=LINK_LABELS[action],
            nonce=new_link(session, member, action, escalation_id=escalation.id, now=now),
            member_id=member.id,
        )
        for action in link_actions(escalation)
    )


def item_facts(escalation: Escalation) -> tuple[tuple[str, str], ...]:
    """The card's facts in words (the organisation left out as the card leaves it out)."""
    issue = escalation.issue
    facts = [("Board", escalation.board_name)]
    if issue.theme is not None:
        facts.append(("Theme", issue.theme.name))
    facts.append(("Urgency", issue.urgency.value.capitalize()))  # "Urgent", as the Slack card shows it
    if not withhold_organisation(escalation) and issue.organisation is not None:
        facts.append(("Organisation", issue.organisation.name))
    if escalation.state == EscalationState.OPEN:
        facts.append(("Acknowledge by", describe(escalation.acknowledge_by)))
    facts.append(("Respond by", describe(escalation.respond_by)))
    if len(escalation.rungs) > 1:
        facts.append(("Ladder", " → ".join(r.name for r in escalation.rungs)))
    return tuple(facts)


def _item_view(
    session: Session,
    escalation: Escalation,
    member: BoardMember,
    *,
    kind: MailKind,
    heading: str,
    paragraphs: tuple[str, ...] = (),
    now: datetime,
    with_links: bool = True,
    typed_paragraphs: bool = False,
    subject: str | None = None,
) -> MailView:
    """`typed_paragraphs`: the paragraphs quote what people wrote (an answer), so a sensitive item's
    e-mail leaves them out with the rest of its details."""
    issue = escalation.issue
    if issue.sensitive:
        # The heading is the bot's own words (reference, boards, dates); the subject, which would carry
        # the title, is replaced by it.
        return MailView(
            kind=kind,
            subject=f"{heading} (safeguarding-sensitive)",
            heading=heading,
            recipient=member.name,
            reference=issue.reference,
            paragraphs=(
                "This item is safeguarding-sensitive: its details are never sent by e-mail. Sign in to read "
                "it and to act on it.",
                *(() if typed_paragraphs else paragraphs),
            ),
            sensitive=True,
            page_path=ITEM_PAGE.format(id=escalation.id),
            page_label="Sign in to read it",
        )
    return MailView(
        kind=kind,
        subject=subject or heading,
        heading=heading,
        recipient=member.name,
        reference=issue.reference,
        title=issue.title,
        description=issue.description,
        facts=item_facts(escalation),
        paragraphs=paragraphs,
        links=_links(session, escalation, member, now) if with_links else (),
    )


def card_emails(
    session: Session,
    escalation: Escalation,
    *,
    now: datetime,
    members: list[BoardMember] | None = None,
) -> list[dict]:
    """The card, by e-mail, for each e-mail member of the board that now holds the item."""
    render = mail_renderer()
    if render is None:
        return []
    if members is None:
        members = email_members(session, [escalation.board_id]).get(escalation.board_id, [])
    issue = escalation.issue
    if escalation.previous_id is None:
        heading = f"{issue.reference} for the {escalation.board_name}"
    else:
        heading = f"{issue.reference} has come to the {escalation.board_name}"
    subject = f"{heading}: {issue.title}"
    paragraphs = (
        f"Please acknowledge it by {describe(escalation.acknowledge_by)} and answer by "
        f"{describe(escalation.respond_by)}. Each link below opens a page where you confirm; "
        "nothing happens until you do.",
    )
    rows = []
    for member in members:
        view = _item_view(
            session,
            escalation,
            member,
            kind=MailKind.CARD,
            heading=heading,
            paragraphs=paragraphs,
            now=now,
            subject=subject,
        )
        rows.append(email_row(email_key(escalation.id, "card", member), member, render.message(view)))
    return rows


def nudge_emails(
    session: Session,
    escalation: Escalation,
    members: list[BoardMember],
    *,
    step: NextStep,
    now: datetime,
) -> list[dict]:
    """The sweep's reminder (or acknowledgement-overdue notice) to the board's e-mail members, after
    the Slack one was counted: the same number, under the same cap."""
    render = mail_renderer()
    if render is None or not members:
        return []
    issue = escalation.issue
    number, cap = escalation.reminders_sent, escalation.current_rung.max_reminders
    if step == NextStep.REMIND_ACKNOWLEDGE:
        heading = f"Reminder: {issue.reference} needs acknowledging by {describe(escalation.acknowledge_by)}"
    elif step == NextStep.REMIND_RESPOND:
        heading = (
            f"Reminder: the {escalation.board_name}'s answer to {issue.reference} is due "
            f"{describe(escalation.respond_by)}"
        )
    else:
        heading = f"{issue.reference} was not acknowledged by {describe(escalation.acknowledge_by)}"
    kind = MailKind.ACKNOWLEDGE_OVERDUE if step == NextStep.ACKNOWLEDGE_OVERDUE else MailKind.REMINDER
    paragraphs = (f"Reminder {number} of at most {cap} for this item.",)
    rows = []
    for member in members:
        view = _item_view(
            session, escalation, member, kind=kind, heading=heading, paragraphs=paragraphs, now=now
        )
        key = email_key(escalation.id, f"nudge:{number}", member)
        rows.append(email_row(key, member, render.message(view)))
    return rows


def answered_emails(session: Session, escalation: Escalation, *, now: datetime) -> list[dict]:
    """The board's answer, confirmed to its e-mail members (as the Slack card shows it to the channel)."""
    render = mail_renderer()
    if render is None:
        return []
    members = email_members(session, [escalation.board_id]).get(escalation.board_id, [])
    issue = escalation.issue
    heading = f"The {escalation.board_name} has answered {issue.reference}"
    paragraphs: list[str] = [
        f"Outcome: {OUTCOME_WORDS.get(escalation.outcome.value, escalation.outcome.value)}"
    ]
    paragraphs.append(f"“{escalation.answer}”")
    if escalation.decline_reason:
        paragraphs.append(f"Why declined: {escalation.decline_reason}")
    paragraphs.append("The answer has gone back to the organisation that raised it.")
    rows = []
    for member in members:
        view = _item_view(
            session,
            escalation,
            member,
            kind=MailKind.ANSWERED,
            heading=heading,
            paragraphs=tuple(paragraphs),
            now=now,
            with_links=False,
            typed_paragraphs=True,
        )
        key = email_key(escalation.id, f"answer:v{escalation.version}", member)
        rows.append(email_row(key, member, render.message(view)))
    return rows


def moved_emails(session: Session, old: Escalation, new: Escalation, *, now: datetime) -> list[dict]:
    """The item has left the board (escalated or re-assigned): its e-mail members are told, as the Slack
    card in their channel says it moved on; their links for it now answer that it has moved on."""
    render = mail_renderer()
    if render is None:
        return []
    members = email_members(session, [old.board_id]).get(old.board_id, [])
    issue = old.issue
    how = "re-assigned" if old.state == EscalationState.REASSIGNED else "escalated"
    heading = f"{issue.reference} has left the {old.board_name}: {how} to the {new.board_name}"
    paragraphs = ("Nothing more is needed from your board for it.",)
    rows = []
    for member in members:
        view = _item_view(
            session,
            old,
            member,
            kind=MailKind.MOVED,
            heading=heading,
            paragraphs=paragraphs,
            now=now,
            with_links=False,
        )
        rows.append(email_row(email_key(old.id, "moved", member), member, render.message(view)))
    return rows


def follow_up_emails(session: Session, escalation: Escalation, *, now: datetime) -> list[dict]:
    """The follow-up the board promised is due today: its chair, when outside Slack, is told by e-mail
    (a Slack chair gets the DM)."""
    render = mail_renderer()
    board = escalation.board
    if render is None or board is None or board.chair_slack_user_id or not board.chair_email:
        return []
    chair = next((m for m in board.members if m.email == board.chair_email and m.slack_user_id is None), None)
    if chair is None:
        return []
    issue = escalation.issue
    view = _item_view(
        session,
        escalation,
        chair,
        kind=MailKind.FOLLOW_UP,
        heading=f"Follow-up due today on {issue.reference}",
        paragraphs=(
            f"The {escalation.board_name} said it would follow up by today. Tell the Linked-up officer what "
            "has happened since the answer, and they will pass it on to the organisation.",
        ),
        now=now,
        with_links=False,
    )
    key = email_key(escalation.id, f"follow_up:{escalation.follow_up_date}", chair)
    return [email_row(key, chair, render.message(view))]


def digest_recipient(board: Board) -> BoardMember | None:
    """The e-mail member who gets the board's digest: its representative, else its chair, when that
    person has no Slack id (a Slack representative or chair gets it in Slack)."""
    if board.representative_slack_user_id:
        return None
    address = board.representative_email
    if address is None and not board.chair_slack_user_id:
        address = board.chair_email
    if address is None:
        return None
    return next((m for m in board.members if m.email == address and m.slack_user_id is None), None)


def digest_email(
    session: Session, meeting: Meeting, member: BoardMember, items: tuple[str, ...], *, key: str, ics: bytes
) -> dict | None:
    """The pre-meeting digest by e-mail, with the meeting attached as an .ics invitation."""
    render = mail_renderer()
    if render is None:
        return None
    board = meeting.board
    when = describe(meeting.starts_at)
    view = MailView(
        kind=MailKind.DIGEST,
        subject=f"{board.name} meets {when}: {len(items)} item{'s' if len(items) != 1 else ''} pending",
        heading=f"Before the {board.name} meets {when}",
        recipient=member.name,
        facts=(
            ("Meeting", meeting.title),
            ("When", when),
            *((("Where", meeting.location),) if meeting.location else ()),
        ),
        paragraphs=(
            "What the board has pending with Linked-up:" if items else "Nothing is pending with Linked-up.",
        ),
        items=items,
        # Notify cannot attach the .ics, so every digest also links the board's calendar feed.
        page_path=f"/calendar.ics?board={board.slug}",
        page_label="Add the board's meetings to your calendar",
    )
    attachment = {
        "filename": "meeting.ics",
        "mime_type": "text/calendar",
        "content_base64": base64.b64encode(ics).decode("ascii"),
    }
    return email_row(key, member, render.message(view), attachments=[attachment])


def sign_in_email(
    session: Session, member: BoardMember, *, now: datetime, next_path: str | None = None
) -> dict | None:
    """A one-time link to the dashboard for an e-mail member (the e-mail counterpart of Slack's).

    None, and nothing sent, while the member already holds `SIGN_INS_LIVE` unused links that have not
    expired: the sign-in form is open to anyone, who could otherwise fill a director's inbox (and the
    network's Notify allowance) by submitting their address again and again. The form says the same
    either way; a link comes free again as one is used or expires, ten minutes after it was sent."""
    render = mail_renderer()
    if render is None or member.email is None:
        return None
    live = session.scalar(
        select(func.count(EmailLink.id)).where(
            EmailLink.board_member_id == member.id,
            EmailLink.action == SIGN_IN,
            EmailLink.used_at.is_(None),
            EmailLink.expires_at > now,
        )
    )
    if int(live or 0) >= SIGN_INS_LIVE:
        return None
    nonce = new_link(session, member, SIGN_IN, now=now)
    view = MailView(
        kind=MailKind.SIGN_IN,
        subject="Your Linked-up dashboard sign-in link",
        heading="Sign in to the Linked-up dashboard",
        recipient=member.name,
        paragraphs=(
            "The link works once, within 10 minutes. If you did not ask for it, ignore this e-mail.",
        ),
        links=(MailLink(action=SIGN_IN, label="Sign in", nonce=nonce, member_id=member.id),),
        page_path=next_path,
    )
    return email_row(f"sign-in:{nonce}:m{member.id}", member, render.message(view))
