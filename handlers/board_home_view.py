"""The board member's part of the App Home: their boards' open items, with due dates and buttons.

A chair or member of a board (who may belong to no organisation) sees, where Slack opens, what
waits for their boards — acknowledge or answer, by when, overdue marked — with the same
Acknowledge and Respond buttons as the item's card in the board's channel.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from escalations.board_items import BoardItem, BoardItems
from escalations.working_days import describe
from handlers.blockkit import SECTION_MAX, clip, escape
from handlers.ids import EscalationAction


def _item_blocks(item: BoardItem) -> list:
    due = f"{item.waiting_for} due {describe(item.due)}" + (
        " — :rotating_light: *overdue*" if item.overdue else ""
    )
    text = f"`{item.reference}` *{escape(clip(item.title, 150))}*\n{escape(item.board)} · {due}"
    buttons = []
    if item.can_acknowledge:
        buttons.append(
            ButtonElement(
                text="Acknowledge", action_id=EscalationAction.ACKNOWLEDGE, value=str(item.escalation_id)
            )
        )
    buttons.append(
        ButtonElement(
            text="Respond", action_id=EscalationAction.RESPOND, value=str(item.escalation_id), style="primary"
        )
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX))),
        ActionsBlock(block_id=f"board-item-{item.escalation_id}", elements=buttons),
    ]


def board_blocks(board_items: BoardItems) -> list:
    """Header, one section and one row of buttons per item (a bounded number), and how many more wait."""
    boards = ", ".join(escape(name) for name in board_items.boards)
    blocks: list = [
        HeaderBlock(text="Your boards"),
        ContextBlock(elements=[MarkdownTextObject(text=clip(f"You sit on: {boards}", 3000))]),
    ]
    if not board_items.items:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="*Open items*: none — nothing waits for your boards."))
        )
        return blocks
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=f"*Open items* ({board_items.total}), nearest deadline first")
        )
    )
    for item in board_items.items:
        blocks += _item_blocks(item)
    hidden = board_items.total - len(board_items.items)
    if hidden > 0:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"…and {hidden} more — on each board's channel cards.")]
            )
        )
    return blocks
