"""`/linkedup feedback`, and the officer's reply to feedback that asked for one."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    OptionGroup,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.blockkit import clip, escape, mention, option
from handlers.commands import subcommand
from handlers.errors import refuse_in_modal
from handlers.forms import (
    encode_metadata,
    metadata,
    open_modal,
    receipt_view,
    refresh_home,
    send_receipt,
    submission_key,
)
from handlers.home_view import home_view
from handlers.ids import DecisionField, FeedbackField, IntakeAction, IntakeCallback
from intake.feedback import COMMENT_MAX, REPLY_MAX, SUBJECT_MAX, give_feedback, reply_to_feedback
from models.errors import NotAllowed, NotFound
from models.feedback import Feedback
from models.fields import record_id
from models.membership import is_officer
from models.network import Board
from models.outbox import enqueue
from models.wording import Mention, said

FIELD = IntakeAction.FIELD
RATINGS = {"1": "1 — poor", "2": "2", "3": "3 — OK", "4": "4", "5": "5 — excellent"}
BOARDS_MAX = 95  # the four fixed choices + boards stay within a select's 100 options


def feedback_modal(boards: list[Board]) -> View:
    general = [
        option("The Linked-up network", "network"),
        option("The bulletin", "bulletin"),
        option("The Hive", "hive"),
        option("A service", "service"),
    ]
    about = StaticSelectElement(action_id=FIELD, placeholder="Choose what it is about", options=general)
    if boards:
        about = StaticSelectElement(
            action_id=FIELD,
            placeholder="Choose what it is about",
            option_groups=[
                OptionGroup(label="Linked-up", options=general),
                OptionGroup(
                    label="A board",
                    options=[option(board.name, f"board:{board.id}") for board in boards[:BOARDS_MAX]],
                ),
            ],
        )
    return View(
        type="modal",
        callback_id=IntakeCallback.FEEDBACK,
        title="Give feedback",
        submit="Send",
        close="Cancel",
        blocks=[
            InputBlock(block_id=FeedbackField.ABOUT, label="About", element=about),
            InputBlock(
                block_id=FeedbackField.SUBJECT,
                label="Which service?",
                optional=True,
                hint="Only when your feedback is about a service.",
                element=PlainTextInputElement(action_id=FIELD, max_length=SUBJECT_MAX),
            ),
            InputBlock(
                block_id=FeedbackField.RATING,
                label="Rating",
                element=RadioButtonsElement(
                    action_id=FIELD, options=[option(label, value) for value, label in RATINGS.items()]
                ),
            ),
            InputBlock(
                block_id=FeedbackField.COMMENT,
                label="Comment",
                optional=True,
                element=PlainTextInputElement(action_id=FIELD, multiline=True, max_length=COMMENT_MAX),
            ),
            InputBlock(
                block_id=FeedbackField.REPLY_WANTED,
                label="Reply",
                optional=True,
                element=CheckboxesElement(
                    action_id=FIELD,
                    options=[option("I would like a reply from the development officer", "yes")],
                ),
            ),
        ],
    )


def open_feedback_form(client: WebClient, db: Session, *, trigger_id: str) -> None:
    boards = list(db.scalars(select(Board).order_by(Board.name)))
    open_modal(client, db, trigger_id, feedback_modal(boards))


@subcommand(
    "feedback",
    usage="feedback",
    summary="feedback about a board, a service, the network, the bulletin or the Hive",
)
def feedback_command(ack: Ack, command: dict, context: BoltContext, client: WebClient, **_) -> None:
    open_feedback_form(client, context["db"], trigger_id=command["trigger_id"])
    ack()


def open_from_home(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    open_feedback_form(client, db, trigger_id=body["trigger_id"])


def submit_feedback(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    values = context["form"]
    stored = give_feedback(
        db,
        slack_user_id=user,
        about=values.get(FeedbackField.ABOUT),
        subject=values.get(FeedbackField.SUBJECT),
        rating=values.get(FeedbackField.RATING),
        comment=values.get(FeedbackField.COMMENT),
        reply_wanted=values.get(FeedbackField.REPLY_WANTED),
        delivery_key=submission_key(view),
    )
    row = stored.record
    headline = (
        f":white_check_mark: Thanks — your feedback is *{row.reference}*: "
        f"{row.rating}/5 about {escape(row.about_text)}."
    )
    details = [
        "The development officer will reply to you here." if row.reply_wanted else "No reply was asked for.",
    ]
    send_receipt(db, user=user, reference=row.reference, headline=headline, details=details)
    db.commit()
    ack(response_action="update", view=receipt_view("Feedback received", headline, details))


def reply_modal(feedback: Feedback) -> View:
    said = f"“{escape(clip(feedback.comment, 2500))}”" if feedback.comment else "(no comment)"
    return View(
        type="modal",
        callback_id=IntakeCallback.FEEDBACK_REPLY,
        title="Reply to feedback",
        submit="Send reply",
        close="Cancel",
        private_metadata=encode_metadata({"feedback": feedback.id}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"`{feedback.reference}` · {feedback.rating}/5 about {escape(feedback.about_text)} "
                    f"from {mention(feedback.slack_user_id)}\n{said}"
                )
            ),
            InputBlock(
                block_id=DecisionField.REPLY,
                label="Your reply (sent as a direct message)",
                element=PlainTextInputElement(action_id=FIELD, multiline=True, max_length=REPLY_MAX),
            ),
        ],
    )


def ask_reply(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    value = body["actions"][0].get("value") or ""

    def opener() -> None:
        if not is_officer(db, user):
            raise NotAllowed("Only the development officer answers feedback.")
        chosen = record_id(value)
        feedback = db.get(Feedback, chosen) if chosen is not None else None
        if feedback is None:
            raise NotFound("That feedback no longer exists.")
        if feedback.replied_at is not None:
            raise NotAllowed(
                said(
                    "{ref} was already answered by {who}.",
                    ref=feedback.reference,
                    who=Mention(feedback.replied_by),
                )
            )
        open_modal(client, db, body["trigger_id"], reply_modal(feedback))

    opener()


def submit_reply(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    reply = reply_to_feedback(
        db,
        feedback_id=metadata(view).get("feedback"),
        officer=user,
        text=context["form"].get(DecisionField.REPLY),
    )
    feedback = reply.feedback
    if reply.changed:
        enqueue(
            db,
            key=f"feedback-reply:{feedback.reference}",
            method="dm",
            payload={
                "user": feedback.slack_user_id,
                "text": clip(
                    f"Reply to your feedback {feedback.reference} about {feedback.about_text}, from the "
                    f"development officer:\n{escape(feedback.reply_text or '')}",
                    3900,
                ),
            },
        )
    db.commit()
    ack()
    refresh_home(client, user, home_view(db, user))


def register(app: App) -> None:
    app.action(IntakeAction.OPEN_FEEDBACK_FORM, middleware=[refuse_in_modal])(open_from_home)
    app.view(IntakeCallback.FEEDBACK)(submit_feedback)
    app.action(IntakeAction.REPLY_TO_FEEDBACK, middleware=[refuse_in_modal])(ask_reply)
    app.view(IntakeCallback.FEEDBACK_REPLY)(submit_reply)
