"""Block Kit for `/linkedup bulletin`: the month's state in a sentence and one button per open step.

The steps come from `bulletins.desk`, so every state shows only what the state machine will accept;
the buttons reuse the preview's (Approve and schedule, Send now) where the step is the same.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    SectionBlock,
)

from bulletins.config import month_label
from bulletins.desk import Standing, Step
from handlers.blockkit import SECTION_MAX, clip, escape
from handlers.ids import BulletinAction

_BUTTONS = {
    Step.COMPILE: ("Compile and preview", BulletinAction.COMPILE, None),
    Step.APPROVE_AND_SCHEDULE: ("Approve and schedule", BulletinAction.SCHEDULE, "primary"),
    Step.SEND_NOW: ("Send now", BulletinAction.SEND_NOW, None),
    Step.RESCHEDULE: ("Choose a new time", BulletinAction.RESCHEDULE, "primary"),
    Step.SEND_NOW_INSTEAD: ("Send now instead", BulletinAction.SEND_NOW_INSTEAD, None),
    Step.CANCEL_SCHEDULE: ("Cancel the schedule", BulletinAction.CANCEL_SCHEDULE, "danger"),
    Step.RETRY: ("Retry", BulletinAction.RETRY, None),
}
_SENDS = (Step.SEND_NOW, Step.SEND_NOW_INSTEAD)


def _button(step: Step, month: str) -> ButtonElement:
    text, action_id, style = _BUTTONS[step]
    confirm = None
    if step in _SENDS:
        confirm = ConfirmObject(
            title="Send the bulletin now?",
            text=f"The {month_label(month)} bulletin goes to the whole Mailchimp audience at once.",
            confirm="Send now",
            deny="Not yet",
        )
    elif step == Step.CANCEL_SCHEDULE:
        confirm = ConfirmObject(
            title="Cancel the schedule?",
            text="The bulletin stays approved and waits until you choose a time or send it now.",
            confirm="Cancel the schedule",
            deny="Keep it",
        )
    return ButtonElement(text=text, action_id=action_id, value=month, style=style, confirm=confirm)


def standing_blocks(standing: Standing) -> list:
    """The state, and the buttons for the steps open in it (none once the bulletin is sent)."""
    text = f"*{month_label(standing.month)} bulletin — {standing.state}*\n{escape(standing.sentence)}"
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)))]
    if standing.steps:
        elements = [_button(step, standing.month) for step in standing.steps]
        blocks.append(ActionsBlock(block_id=f"bulletin-desk-{standing.month}", elements=elements))
    return blocks
