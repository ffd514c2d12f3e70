"""Board members outside Slack: acting on an item from an e-mail's link, and signing in by e-mail.

A link never acts when opened: mail scanners (Outlook Safe Links and the like) open every link in
every e-mail, so GET shows the item and a form, and only the form's POST — with the CSRF token every
dashboard form carries — spends the link and acts. The action is the same domain flow the Slack
buttons call (`escalations.flows`), with the member named as `mail:<board member id>`, so the Slack
card, the raiser's status note and the history change exactly as they do for a Slack member.

Each refusal is one sentence: a reused, expired or altered link, a link for someone else (the
browser is signed in as another person), an item already answered or moved on.

Sign-in by e-mail: a board member outside Slack types their address; if it is a board member's, a
one-time link (ten minutes, like Slack's) is e-mailed, and the page says the same whether or not it
was, so nobody learns who is on a board. The dashboard session names the person `mail:<id>`.
"""

from __future__ import annotations

from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.web.dashboard import bp
from bot.web.dashboard.web import (
    current_viewer,
    db,
    now,
    safe_next,
    secret,
    signed_in,
    start_session,
)
from escalations import flows
from escalations.by_email import LINK_LABELS, item_facts, link_actions, sign_in_email
from escalations.messages import enqueue_rows
from escalations.people import names_of
from handlers.escalation_views import RENDERER
from models import email_links
from models.email_links import EmailLink, EmailLinkRefused, actor_of, check_link, spend_link
from models.errors import NotAllowed, ValidationError
from models.escalations import Escalation, Outcome
from models.network import Board, BoardMember
from models.wording import Mention, Wording
from reporting.access import Viewer

ACTIONS = tuple(LINK_LABELS)
ANSWER_OUTCOMES = (("accepted", "Accepted"), ("partly", "Partly accepted"))


def _words(value: object) -> str:
    """A refusal in words, with the people named (a Slack mention reads as a code on a web page)."""
    if not isinstance(value, Wording):
        return str(value)
    names = names_of(db(), [p.user for p in value.parts if isinstance(p, Mention)])
    out = []
    for part in value.parts:
        if isinstance(part, Mention):
            out.append(
                names.get(part.user or "", "Linked-up (automatic)" if not part.user else "a board member")
            )
        elif isinstance(part, str):
            out.append(part.replace("*", ""))
        else:
            out.append(getattr(part, "text", None) or getattr(part, "label", ""))
    return "".join(out)


def _refusal(exc: Exception) -> str:
    return _words(exc.args[0]) if exc.args else str(exc)


def _other_person(link: EmailLink) -> str | None:
    """A refusal when the browser is signed in as someone other than the person the link was sent to."""
    viewer = current_viewer()
    if viewer is None:
        return None
    mine = {
        actor_of(row)
        for row in email_links.rows_of_person(db(), f"{email_links.ACTOR_PREFIX}{link.board_member_id}")
    }
    if viewer.slack_user_id in mine:
        return None
    return (
        f"This link was sent to another board member, and this browser is signed in as {viewer.name}: "
        "sign out first, or use the link in your own e-mail."
    )


def _page(
    escalation: Escalation,
    action: str,
    *,
    form_action: str,
    errors=None,
    values=None,
    status=200,
    choices=(),
):
    """The item, as the card shows it, and the form for one action (`choices`: links to the others)."""
    return (
        render_template(
            "dashboard/email_action.html",
            viewer=current_viewer(),
            escalation=escalation,
            issue=escalation.issue,
            facts=item_facts(escalation),
            action=action,
            label=LINK_LABELS[action],
            form_action=form_action,
            choices=choices,
            boards=_boards_for(escalation) if action == "reassign" else [],
            outcomes=ANSWER_OUTCOMES,
            errors=errors or {},
            values=values or {},
        ),
        status,
    )


def _refused(message: str, status: int = 403):
    return render_template("dashboard/email_refused.html", viewer=current_viewer(), message=message), status


# --- acting from an e-mail's link ----------------------------------------------------------------


def _link_for_this_person(session, token: str):
    """(the link, None) when `token` is a live action link for whoever holds this browser, else
    (None, the refusal): the same checks before the page is shown and before it acts."""
    try:
        link = check_link(session, token, secret=secret(), now=now())
    except EmailLinkRefused as refused:
        return None, _refused(str(refused))
    if link.action not in ACTIONS or link.escalation_id is None:
        return None, _refused("This link is not valid; use the link in the e-mail as it was sent.")
    if other := _other_person(link):
        return None, _refused(other)
    return link, None


@bp.get("/email/act/<token>", endpoint="email_act")
def email_act(token: str):
    """Show the item and the form; nothing changes (a mail scanner opening this is harmless)."""
    session = db()
    link, refusal = _link_for_this_person(session, token)
    if refusal is not None:
        return refusal
    escalation = session.get(Escalation, link.escalation_id)
    if escalation is None:
        return _refused("That item no longer exists.", 404)
    if escalation.issue.sensitive:  # never shown to whoever holds a link: read behind sign-in
        return redirect(url_for("dashboard.email_item", escalation_id=escalation.id))
    if link.action not in link_actions(escalation):
        return _refused(_state(escalation), 409)
    return _page(escalation, link.action, form_action=url_for("dashboard.email_act", token=token))


def _state(escalation: Escalation) -> str:
    from escalations.views import state_in_words

    return _words(state_in_words(escalation))


@bp.post("/email/act/<token>")
def email_act_confirm(token: str):
    """The member confirmed: spend the link and call the same flow as the Slack button."""
    session = db()
    link, refusal = _link_for_this_person(session, token)
    if refusal is not None:
        return refusal
    member = session.get(BoardMember, link.board_member_id)
    if member is None:
        return _refused("You are no longer on this board, so this link no longer works.")
    held = session.get(Escalation, link.escalation_id)
    if held is not None and held.issue.sensitive:
        return _refused("This item is safeguarding-sensitive: sign in to the dashboard to act on it.")
    escalation_id, action = link.escalation_id, link.action

    def spend_and_act() -> str:
        spend_link(session, link, now=now())  # in the same transaction: a refused action keeps the link
        return _act(actor_of(member), escalation_id, action, request.form)

    form_action = url_for("dashboard.email_act", token=token)
    return _confirmed(session, escalation_id, action, form_action, spend_and_act, current_viewer())


def _act(actor: str, escalation_id: int, action: str, form) -> str:
    """One flow, as the Slack buttons call it; returns what happened, in words."""
    session, moment = db(), now()
    common = {"escalation_id": escalation_id, "actor": actor, "now": moment, "render": RENDERER}
    if action == "acknowledge":
        escalation = flows.acknowledge(session, **common)
        return f"{escalation.issue.reference} is acknowledged. The organisation has been told."
    if action in ("respond", "decline"):
        declined = action == "decline"
        reason = form.get("reason", "")
        escalation = flows.respond(
            session,
            answer=form.get("answer", "") or (reason if declined else ""),
            outcome=Outcome.DECLINED if declined else form.get("outcome", ""),
            decline_reason=reason if declined else "",
            follow_up_date=_date(form.get("follow_up_date", "")),
            **common,
        )
        return f"The answer to {escalation.issue.reference} has gone back to the organisation."
    if action == "reassign":
        escalation = flows.reassign(
            session, board_id=form.get("board", ""), reason=form.get("reason", ""), **common
        )
        return f"{escalation.issue.reference} has gone to the {escalation.board_name}."
    escalation = flows.escalate(session, reason=form.get("reason", ""), **common)
    return f"{escalation.issue.reference} has gone up to the {escalation.board_name}."


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            {"follow_up_date": "Give the follow-up date as a date, e.g. 2027-03-01."}
        ) from None


# --- the signed-in page of an item (how a sensitive item is read and acted on) ----------------------


@bp.get("/email/item/<int:escalation_id>", endpoint="email_item")
@signed_in
def email_item(viewer: Viewer, escalation_id: int):
    escalation = db().get(Escalation, escalation_id)
    if escalation is None:
        return _refused("That item no longer exists.", 404)
    if not flows.may_act_for_board(db(), escalation, viewer.slack_user_id):
        return _refused(f"Only members of the {escalation.board_name} and the officer can open this item.")
    actions = link_actions(escalation)
    if not actions:
        return _refused(_state(escalation), 409)
    action = request.args.get("action", actions[0])
    if action not in actions:
        action = actions[0]
    form_action = url_for("dashboard.email_item_act", escalation_id=escalation_id, action=action)
    return _page(escalation, action, form_action=form_action, choices=[(a, LINK_LABELS[a]) for a in actions])


def _boards_for(escalation: Escalation) -> list[Board]:
    boards = db().scalars(select(Board).where(Board.id != escalation.board_id).order_by(Board.name)).all()
    return [b for b in boards if b.private] if escalation.issue.sensitive else list(boards)


@bp.post("/email/item/<int:escalation_id>/<action>", endpoint="email_item_act")
@signed_in
def email_item_act(viewer: Viewer, escalation_id: int, action: str):
    if action not in ACTIONS:
        return _refused("There is no such action.", 404)
    form_action = url_for("dashboard.email_item_act", escalation_id=escalation_id, action=action)

    def act() -> str:
        return _act(viewer.slack_user_id, escalation_id, action, request.form)

    return _confirmed(db(), escalation_id, action, form_action, act, viewer)


def _confirmed(session, escalation_id: int, action: str, form_action: str, act, viewer):
    """Run the confirmed action and answer: done, the form again with its errors (400), or the
    refusal (409); a refusal or an error rolls the whole transaction back."""
    try:
        done = act()
    except ValidationError as invalid:
        session.rollback()
        escalation = session.get(Escalation, escalation_id)
        return _page(
            escalation,
            action,
            form_action=form_action,
            errors=invalid.errors,
            values=request.form,
            status=400,
        )
    except NotAllowed as refused:
        session.rollback()
        return _refused(_refusal(refused), 409)
    session.commit()
    return render_template("dashboard/email_done.html", viewer=viewer, message=done)


# --- signing in by e-mail -----------------------------------------------------------------------------


@bp.route("/sign-in/email", methods=["GET", "POST"], endpoint="email_sign_in_request")
def email_sign_in_request():
    """Ask for a sign-in link by e-mail; the answer is the same whether or not the address is known."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("dashboard/email_sign_in.html", viewer=None, sent=False, next_url=next_url)
    typed = request.form.get("email", "").strip()
    try:
        address = validate_email(typed, check_deliverability=False).normalized
    except EmailNotValidError:
        return (
            render_template(
                "dashboard/email_sign_in.html",
                viewer=None,
                sent=False,
                next_url=next_url,
                error="That is not an e-mail address.",
            ),
            400,
        )
    session = db()
    member = session.scalars(
        select(BoardMember)
        .where(func.lower(BoardMember.email) == address.lower(), BoardMember.slack_user_id.is_(None))
        .order_by(BoardMember.id)
        .limit(1)
    ).first()
    if member is not None:
        row = sign_in_email(session, member, now=now(), next_path=next_url)
        if row is not None:
            enqueue_rows(session, [row])
            session.commit()
    return render_template("dashboard/email_sign_in.html", viewer=None, sent=True, next_url=next_url)


@bp.get("/email/sign-in/<token>", endpoint="email_sign_in")
def email_sign_in(token: str):
    try:
        check_link(db(), token, secret=secret(), action=email_links.SIGN_IN, now=now())
    except EmailLinkRefused as refused:
        return _refused(str(refused))
    return render_template(
        "dashboard/email_sign_in_confirm.html",
        viewer=None,
        token=token,
        next_url=safe_next(request.args.get("next")),
    )


@bp.post("/email/sign-in/<token>")
def email_sign_in_redeem(token: str):
    session = db()
    try:
        link = check_link(session, token, secret=secret(), action=email_links.SIGN_IN, now=now())
        spend_link(session, link, now=now())
    except EmailLinkRefused as refused:
        session.rollback()
        return _refused(str(refused))
    member = session.get(BoardMember, link.board_member_id)
    if member is None:
        return _refused("You are no longer on a board, so this link no longer works.")
    start_session(session, actor_of(member))
    session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.overview"))
