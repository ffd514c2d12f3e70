"""What every intake form shares: private metadata, opening a modal once, the notice modal, receipts.

Acknowledging a submission: the modal turns into a receipt (`response_action: update`) carrying
the reference and a one-line summary — the person sees it at once, with no Web API call in the
3-second window, and it can never be lost because it *is* the HTTP answer. The same receipt is
also sent as a direct message through the outbox, so the reference stays findable in the app's
Messages tab after the modal is closed. (An ephemeral message would need a channel, which a
modal opened from the Home tab or a slash command in a DM does not reliably have, and it
disappears on reload.)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from handlers.blockkit import (
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    MODAL_TITLE_MAX,
    SECTION_MAX,
    clip,
    filled,
)
from handlers.ids import IntakeAction, IntakeCallback
from models.deliveries import act_once
from models.outbox import enqueue

log = logging.getLogger(__name__)

METADATA_MAX = 3000


def encode_metadata(data: dict) -> str:
    """Private metadata for a view: JSON, dropping the longest values until it fits Slack's 3000."""
    data = {key: value for key, value in data.items() if value not in (None, "")}
    encoded = json.dumps(data, separators=(",", ":"))
    while len(encoded) > METADATA_MAX and data:
        data.pop(max(data, key=lambda key: len(str(data[key]))))
        encoded = json.dumps(data, separators=(",", ":"))
    return encoded


def metadata(view: dict) -> dict:
    """The view's private metadata as a dict ({} when absent or not ours)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def submission_key(view: dict) -> str:
    """One key per opened modal: a retried or double-clicked submission of it stores once."""
    return f"view:{view['id']}"


def open_modal(client: WebClient, db: Session, trigger_id: str, view: View | dict) -> bool:
    """Open `view` at once; the same trigger delivered twice (a Slack retry) opens it only once."""

    def open_view() -> None:
        client.views_open(trigger_id=trigger_id, view=view)

    return act_once(db, key=f"modal:{trigger_id}", kind="modal", act=open_view)


def notice_view(message: str, *, offer_join: bool = False) -> View:
    """A small modal that explains why a form cannot open (not registered, awaiting approval…)."""
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=clip(message, SECTION_MAX)))]
    if offer_join:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Register or join",
                        action_id=IntakeAction.OPEN_JOIN_FORM,
                        style="primary",
                    )
                ]
            )
        )
    return View(
        type="modal", callback_id=IntakeCallback.NOTICE, title="Linked-up", close="Close", blocks=blocks
    )


def receipt_view(title: str, headline: str, details: list[str]) -> dict:
    """The modal after a successful submission: the reference first, then what was stored.

    Given as the view's dict (what `ack(response_action="update", view=…)` sends), filled from a
    template validated once per number of detail lines; `_receipt` builds it with slack_sdk.
    """
    texts = [
        clip(title, MODAL_TITLE_MAX),
        clip(headline, SECTION_MAX),
        *[clip(line, CONTEXT_TEXT_MAX) for line in details if line][:CONTEXT_ELEMENTS_MAX],
    ]
    return filled(("receipt", len(texts)), _receipt, texts)


def _receipt(texts: Sequence[str]) -> View:
    title, headline, *notes = texts
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=headline))]
    if notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line) for line in notes]))
    return View(type="modal", callback_id=IntakeCallback.RECEIPT, title=title, close="Done", blocks=blocks)


def send_receipt(
    db: Session, *, user: str, reference: str, headline: str, details: list[str], new: bool = False
) -> None:
    """The receipt as a direct message too (through the outbox; the key makes retries harmless).

    `new`: the reference was created in this transaction, so its receipt cannot be queued yet
    (saves a look-up); a retried delivery answering with an earlier record passes False.
    """
    text = "\n".join([headline, *[f"• {line}" for line in details if line]])
    enqueue(
        db,
        key=f"receipt:{reference}",
        method="dm",
        payload={"user": user, "text": clip(text, 3900)},
        new_key=new,
    )


def refresh_home(client: WebClient, user: str, view: View) -> None:
    """Republish someone's Home tab after an action on it; a failure only leaves it stale."""
    try:
        client.views_publish(user_id=user, view=view)
    except Exception:  # the change is saved; the Home tab refreshes on its next opening
        log.warning("could not refresh the Home tab of %s", user, exc_info=True)
