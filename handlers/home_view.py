"""The App Home tab and the `/linkedup status` message, summarised to fit Slack's limits.

Home: the person's organisation (open issues, last return per service, buttons for the three
forms), for a board's chair or member their boards' open items (`handlers.board_home_view`) and,
for the officer, the triage queues. Long lists are paged (Newer/Older buttons)
and packed into few sections, so even 200 open issues and 60 services stay far below 100
blocks and 3000 characters a section.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.board_items import open_items
from handlers.blockkit import MESSAGE_BLOCKS_MAX, age_of, clip, escape, mention, pack_lines
from handlers.board_home_view import board_blocks
from handlers.bulletin_views import article_queue_blocks
from handlers.ids import IntakeAction
from handlers.join_form import request_blocks
from handlers.notices import home_blocks as notice_home_blocks
from handlers.survey_views import survey_home_blocks
from intake.joining import pending_request_of
from models import fields
from models.base import utcnow
from models.membership import find_member
from models.network import Meeting, MemberRole, Organisation, OrganisationStatus
from models.returns import LONDON, WaitingListReturn, last_complete_month, london_today, period_label
from reporting.overview import IssuePage, ServicePage, open_issues, service_returns
from reporting.triage import officer_triage

HOME_BLOCKS_MAX = 100
BOARD_ITEMS_SHOWN = 10  # two blocks each: a board member's Home stays far below 100 blocks
ISSUES_PER_PAGE = 20
SERVICES_PER_PAGE = 20
STATUS_ISSUES = 25
STATUS_SERVICES = 10
# Slack refuses messages whose blocks hold much more text than this in total (msg_blocks_too_long).
MESSAGE_TEXT_BUDGET = 11_000

STATUS_LABELS = {
    OrganisationStatus.APPROVED: "Member organisation of the Linked-up network",
    OrganisationStatus.PENDING: "Awaiting the officer's approval — you can already raise issues, "
    "send waiting-list returns and feedback",
    OrganisationStatus.DECLINED: "Registration declined — type `/linkedup join` to apply again",
}


def home_view(db: Session, user: str, *, issues_page: int = 1, services_page: int = 1) -> View:
    member = find_member(db, user)
    organisation = member.organisation if member is not None else None
    officer = member is not None and member.role == MemberRole.OFFICER
    blocks: list = []
    blocks += survey_home_blocks(db, user, officer=officer)  # surveys waiting (and live rates, officer)
    blocks += notice_home_blocks(db, user)  # notices to acknowledge; a sender's notices, live
    if organisation is not None:
        blocks += organisation_blocks(db, organisation, user, issues_page, services_page)
    waiting = None
    if organisation is None and (waiting := pending_request_of(db, user)) is not None:
        blocks += [
            HeaderBlock(text="Linked-up"),
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Your request to join *{escape(waiting.organisation.name)}* "
                    f"({waiting.reference}) is waiting for the development officer's approval."
                )
            ),
            _form_buttons(include_join=False, only_feedback=True),
        ]
    board_items = open_items(db, user, now=utcnow(), limit=BOARD_ITEMS_SHOWN)
    if board_items is not None:
        blocks += board_blocks(board_items)
    elif organisation is None and waiting is None and not officer:
        blocks += welcome_blocks()
    if officer:
        blocks += triage_blocks(db)
    return View(type="home", blocks=fit(blocks, HOME_BLOCKS_MAX))


def welcome_blocks() -> list:
    return [
        HeaderBlock(text="Welcome to Linked-up"),
        SectionBlock(
            text=MarkdownTextObject(
                text="Linked-up carries the voice of children's and young people's voluntary organisations "
                "to the boards that can act on it. Register your organisation (or join one already "
                "registered) to raise issues and send waiting-list returns; anyone can give feedback."
            )
        ),
        _form_buttons(include_join=True, only_feedback=True),
    ]


def organisation_blocks(
    db: Session, organisation: Organisation, user: str, issues_page: int, services_page: int
) -> list:
    issues = open_issues(
        db, organisation_id=organisation.id, viewer=user, page=issues_page, per_page=ISSUES_PER_PAGE
    )
    period = last_complete_month(london_today())
    services = service_returns(
        db, organisation_id=organisation.id, period=period, page=services_page, per_page=SERVICES_PER_PAGE
    )
    blocks: list = [
        HeaderBlock(text=clip(organisation.name, 150)),
        ContextBlock(elements=[MarkdownTextObject(text=STATUS_LABELS[organisation.status])]),
        _form_buttons(include_join=False),
        DividerBlock(),
    ]
    blocks += issue_section(issues)
    blocks += _pager(
        "issues", issues.page.number, issues.page.pages, issues.page.number, services.page.number
    )
    blocks.append(DividerBlock())
    blocks += returns_section(services)
    blocks += _pager(
        "services", services.page.number, services.page.pages, issues.page.number, services.page.number
    )
    meeting = next_meeting(db)
    if meeting is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=meeting)]))
    return blocks


def issue_lines(page: IssuePage, now: datetime) -> list[str]:
    lines = []
    for issue in page.issues:
        theme = escape(issue.theme.name) if issue.theme else "no theme yet"
        lock = " · :lock: sensitive" if issue.sensitive else ""
        standing = page.standings.get(issue.id)
        where = f"\n      {escape(standing.sentence())}" if standing is not None else ""
        lines.append(
            f"`{issue.reference}` {escape(clip(issue.title, 90))} — *{issue.status.value}* · {theme} · "
            f"{age_of(issue.created_at, now)}{lock}{where}"
        )
    return lines


def issue_section(page: IssuePage) -> list:
    if page.page.total == 0:
        return [
            SectionBlock(
                text=MarkdownTextObject(text="*Open issues*: none. Raise one with the button above.")
            )
        ]
    heading = f"*Open issues* ({page.page.total})"
    if page.page.pages > 1:
        heading += f" · page {page.page.number} of {page.page.pages}, newest first"
    return [SectionBlock(text=MarkdownTextObject(text=heading)), *pack_lines(issue_lines(page, utcnow()))]


def return_line(service_name: str, latest: WaitingListReturn | None) -> str:
    name = escape(clip(service_name, 80))
    if latest is None:
        return f"*{name}*: no return yet"
    return (
        f"*{name}*: {period_label(latest.period)} — {latest.number_waiting} waiting, "
        f"{latest.new_referrals} new referrals, median {latest.median_wait_weeks} / longest "
        f"{latest.longest_wait_weeks} weeks, {latest.capacity_status.label.lower()}"
    )


def returns_section(page: ServicePage) -> list:
    if page.page.total == 0:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Waiting-list returns*: no services registered yet; "
                    "ask the development officer to add them."
                )
            )
        ]
    heading = f"*Waiting-list returns* · {period_label(page.missing_for)}: "
    heading += (
        f"{page.missing} of {page.page.total} services still to send" if page.missing else "all services sent"
    )
    if page.page.pages > 1:
        heading += f" · page {page.page.number} of {page.page.pages}"
    lines = [return_line(item.service.name, item.latest) for item in page.services]
    return [SectionBlock(text=MarkdownTextObject(text=heading)), *pack_lines(lines)]


def next_meeting(db: Session) -> str | None:
    meeting = db.scalar(
        select(Meeting).where(Meeting.starts_at > utcnow()).order_by(Meeting.starts_at).limit(1)
    )
    if meeting is None:
        return None
    local = meeting.starts_at.astimezone(LONDON)
    when = f"{local:%A} {local.day} {local:%B %Y, %H:%M}"
    return f":calendar: Next meeting: *{escape(clip(meeting.title, 150))}*, {when}"


def triage_blocks(db: Session) -> list:
    triage = officer_triage(db, period=last_complete_month(london_today()))
    now = utcnow()
    blocks: list = [DividerBlock(), HeaderBlock(text="Officer triage")]
    blocks.append(_heading("Applications to approve", triage.requests_total))
    for request in triage.requests:
        blocks += request_blocks(request, origin="home")
    blocks += _more(triage.requests_total, len(triage.requests), "oldest first; decide these to see the rest")
    blocks += article_queue_blocks(db)
    blocks.append(_heading("New issues with no board yet", triage.unrouted_total))
    lines = [
        f"`{issue.reference}` {escape(clip(issue.title, 80))} — {escape(clip(issue.organisation.name, 60))}"
        f"{' (pending approval)' if issue.organisation.status == OrganisationStatus.PENDING else ''} · "
        f"{age_of(issue.created_at, now)}"
        for issue in triage.unrouted
    ]
    blocks += pack_lines(lines)
    blocks += _more(triage.unrouted_total, len(triage.unrouted), "see the dashboard for all of them")
    blocks.append(_heading("Feedback awaiting a reply", triage.feedback_total))
    for feedback in triage.feedback:
        comment = f": “{escape(clip(feedback.comment, 300))}”" if feedback.comment else ""
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"`{feedback.reference}` {feedback.rating}/5 about {escape(feedback.about_text)} "
                    f"from {mention(feedback.slack_user_id)}{comment}"
                ),
                accessory=ButtonElement(
                    text="Reply…", action_id=IntakeAction.REPLY_TO_FEEDBACK, value=str(feedback.id)
                ),
            )
        )
    blocks += _more(triage.feedback_total, len(triage.feedback), "oldest first")
    blocks.append(
        _heading(f"Missing {period_label(triage.period)} waiting-list returns", triage.missing_total)
    )
    lines = [
        f"{escape(clip(item.organisation.name, 80))} — {len(item.services)} service"
        f"{'s' if len(item.services) != 1 else ''}: "
        f"{escape(clip(', '.join(service.name for service in item.services), 200))}"
        for item in triage.missing
    ]
    blocks += pack_lines(lines)
    blocks += _more(triage.missing_total, len(triage.missing), "see the dashboard for all of them")
    return blocks


def status_message(db: Session, user: str, organisation: Organisation) -> tuple[str, list]:
    """`/linkedup status`: the organisation's open items with reference, state and age."""
    issues = open_issues(db, organisation_id=organisation.id, viewer=user, per_page=STATUS_ISSUES)
    period = last_complete_month(london_today())
    services = service_returns(db, organisation_id=organisation.id, period=period, per_page=STATUS_SERVICES)
    text = f"{escape(organisation.name)}: {issues.page.total} open issues"
    blocks: list = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{escape(clip(organisation.name, 200))}* · {STATUS_LABELS[organisation.status]}"
            )
        )
    ]
    blocks += issue_section(issues)
    blocks += _more(issues.page.total, len(issues.issues), "see the Linked-up Home tab for the rest")
    blocks += returns_section(services)
    blocks += _more(services.page.total, len(services.services), "see the Linked-up Home tab for the rest")
    return text, fit(within_text_budget(blocks, MESSAGE_TEXT_BUDGET), MESSAGE_BLOCKS_MAX)


def _form_buttons(*, include_join: bool, only_feedback: bool = False) -> ActionsBlock:
    buttons = []
    if include_join:
        buttons.append(
            ButtonElement(text="Register or join", action_id=IntakeAction.OPEN_JOIN_FORM, style="primary")
        )
    if not only_feedback:
        buttons += [
            ButtonElement(text="Raise an issue", action_id=IntakeAction.OPEN_ISSUE_FORM, style="primary"),
            ButtonElement(text="Waiting-list return", action_id=IntakeAction.OPEN_RETURN_FORM),
        ]
    buttons.append(ButtonElement(text="Give feedback", action_id=IntakeAction.OPEN_FEEDBACK_FORM))
    return ActionsBlock(block_id="forms", elements=buttons)


def _heading(title: str, total: int) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=f"*{title}* ({total})" if total else f"*{title}*: none"))


def _more(total: int, shown: int, hint: str) -> list:
    if total <= shown:
        return []
    return [ContextBlock(elements=[MarkdownTextObject(text=f"…and {total - shown} more — {hint}.")])]


def _pager(kind: str, current: int, pages: int, issues_page: int, services_page: int) -> list:
    if pages <= 1:
        return []
    buttons = []
    for label, target, action in (
        ("‹ Newer" if kind == "issues" else "‹ Previous", current - 1, IntakeAction.HOME_PAGE_PREVIOUS),
        ("Older ›" if kind == "issues" else "Next ›", current + 1, IntakeAction.HOME_PAGE_NEXT),
    ):
        if 1 <= target <= pages:
            pages_value = {"issues": issues_page, "services": services_page, kind: target}
            buttons.append(
                ButtonElement(
                    text=label,
                    action_id=action,
                    value=f"issues={pages_value['issues']};services={pages_value['services']}",
                )
            )
    return [ActionsBlock(block_id=f"pager-{kind}", elements=buttons)]


def parse_pages(value: str) -> dict[str, int]:
    pages = {"issues": 1, "services": 1}
    for part in (value or "").split(";"):
        name, _, number = part.partition("=")
        page = fields.page_number(number) if name in pages else None  # ASCII digits only ("²" is not)
        if page is not None:
            pages[name] = min(page, 10_000)
    return pages


def block_text_length(block) -> int:
    data = block.to_dict()
    length = len((data.get("text") or {}).get("text", ""))
    for element in data.get("elements", []):
        if isinstance(element.get("text"), str):
            length += len(element["text"])
    return length


def within_text_budget(blocks: list, budget: int) -> list:
    """The leading blocks whose text fits `budget`, then a note that the rest is on the Home tab."""
    kept, used = [], 0
    for block in blocks:
        used += block_text_length(block)
        if used > budget:
            note = "…more on the Linked-up Home tab."
            kept.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
            break
        kept.append(block)
    return kept


def fit(blocks: list, limit: int) -> list:
    """Never more than `limit` blocks: the last kept block says how much was left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    kept.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"…{len(blocks) - len(kept)} more items not shown here.")]
        )
    )
    return kept
