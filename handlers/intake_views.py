"""Block Kit for what intake tells people outside a request: the application card each officer
gets, the decision the applicant gets, the monthly waiting-list return reminder, and the Home tab of
someone no longer a member (`models.leavers`).

`SlackIntakeRenderer` implements `intake.ports.IntakeRenderer`; `intake.notices` decides who gets
which message and queues it in the outbox. The application card itself is built in
`handlers.join_form`, beside the join and decline forms whose fields it shows.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from handlers.blockkit import SECTION_MAX, clip, escape
from handlers.ids import IntakeAction
from handlers.join_form import applicant_message, request_blocks
from intake.ports import MissingReturnReminder
from models.joining import JoinRequest
from models.returns import period_label

NAME_MAX = 120  # a name as the reminder quotes it: ten of them and the sentence stay within a section


def reminder_text(reminder: MissingReturnReminder) -> str:
    """The reminder's one paragraph, within a section's 3000 characters whatever the names' lengths."""
    services = reminder.services
    listed = ", ".join(escape(clip(s, NAME_MAX)) for s in services[:10])
    listed += f" and {len(services) - 10} more" if len(services) > 10 else ""
    plural = "s" if len(services) != 1 else ""
    organisation = escape(clip(reminder.organisation, NAME_MAX * 2))
    text = (
        f"Hello — Linked-up has not yet received {organisation}'s waiting-list return for "
        f"{period_label(reminder.period)} ({len(services)} service{plural}: {listed}). "
        "Type `/linkedup waiting` (or use the button) to send it: it takes a minute, and it is how the "
        "boards hear about waiting lists."
    )
    return text if len(text) <= SECTION_MAX else clip(text, SECTION_MAX)


class SlackIntakeRenderer:
    """Block Kit for intake's notices (`intake.ports.IntakeRenderer`)."""

    def join_request(self, request: JoinRequest) -> dict:
        return {
            "text": f"New application {request.reference}",
            "blocks": [block.to_dict() for block in request_blocks(request)],
        }

    def join_decision(self, request: JoinRequest) -> dict:
        return {"text": applicant_message(request)}

    def return_reminder(self, reminder: MissingReturnReminder) -> dict:
        text = reminder_text(reminder)
        blocks = [
            SectionBlock(text=MarkdownTextObject(text=text)),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Send the return", action_id=IntakeAction.OPEN_RETURN_FORM, style="primary"
                    )
                ]
            ),
        ]
        return {"text": text, "blocks": [block.to_dict() for block in blocks]}

    def leaver_home(self, organisation: str) -> dict:
        """The Home tab of someone just removed: what it showed of the organisation is gone."""
        text = (
            f"You are no longer a member of *{escape(clip(organisation, NAME_MAX * 2))}* in Linked-up, so "
            "this page no longer shows its issues, returns or history. What you raised stays with the "
            "organisation. If this is a mistake, ask the development officer; to register another "
            "organisation or join one, use the button."
        )
        blocks = [
            SectionBlock(text=MarkdownTextObject(text=text)),
            ActionsBlock(
                elements=[ButtonElement(text="Register or join", action_id=IntakeAction.OPEN_JOIN_FORM)]
            ),
        ]
        return {"type": "home", "blocks": [block.to_dict() for block in blocks]}


RENDERER = SlackIntakeRenderer()
