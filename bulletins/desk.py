"""Where a month's bulletin stands and what the officer can do next, from every state.

`/linkedup bulletin` shows this: a sentence for the state and the steps that make sense in it, so
the officer is never left without a way on (a draft can be compiled again, approved and scheduled or
sent now; an approved or scheduled one rescheduled, sent now instead or held; a stopped one retried).
A sent bulletin is final; it says how to read it again. Deciding the steps here, beside the state
machine, keeps the buttons and the refusals of `bulletins.send` in step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.articles import pending_article_count
from bulletins.config import LONDON, bulletin_config, month_label
from bulletins.send import IN_FLIGHT, is_held
from models.bulletins import Bulletin, BulletinState, SendMode


class Step(enum.StrEnum):
    COMPILE = "compile"  # compile (again) and send the preview
    APPROVE_AND_SCHEDULE = "approve_and_schedule"
    SEND_NOW = "send_now"  # approve a draft and send it at once
    RESCHEDULE = "reschedule"  # choose a (new) time for an approved bulletin
    SEND_NOW_INSTEAD = "send_now_instead"  # an approved or scheduled bulletin goes at once
    CANCEL_SCHEDULE = "cancel_schedule"  # hold an approved or scheduled bulletin
    RETRY = "retry"  # resume after a failed step


@dataclass(frozen=True)
class Standing:
    month: str
    state: str  # a few words: "not compiled", "draft", "approved", "held", "scheduled", "stopped", "sent"
    sentence: str
    steps: tuple[Step, ...]


def _at(moment: datetime | None) -> str:
    return f"{moment.astimezone(LONDON):%A %-d %B at %H:%M}" if moment else "an unknown time"


def standing(session: Session, month: str) -> Standing:
    """The month's bulletin as the officer sees it: its state in a sentence, and the steps open to them."""
    label = month_label(month)
    bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if bulletin is None:
        day = bulletin_config(session).compile_day
        waiting = pending_article_count(session)
        return Standing(
            month,
            "not compiled",
            f"The {label} bulletin is not compiled yet; it is compiled on day {day} of the month, or now "
            f"with Compile. {waiting} article(s) wait for your decision.",
            (Step.COMPILE,),
        )
    if bulletin.state == BulletinState.DRAFT:
        return Standing(
            month,
            "draft",
            f"The {label} bulletin is a draft with {bulletin.article_count} article(s), compiled "
            f"{_at(bulletin.compiled_at)}. Compile again to take in articles decided since "
            "(the preview comes to you), then approve it.",
            (Step.COMPILE, Step.APPROVE_AND_SCHEDULE, Step.SEND_NOW),
        )
    if bulletin.state == BulletinState.SENT:
        return Standing(
            month,
            "sent",
            f"The {label} bulletin was sent {_at(bulletin.sent_at)} with {bulletin.article_count} "
            f"article(s); it cannot change. To read it again: `linkedup bulletin compile --month {month} "
            "--out FILE` writes it as sent.",
            (),
        )
    if bulletin.failed_step and bulletin.state in IN_FLIGHT:
        return Standing(
            month,
            "stopped",
            f"Sending the {label} bulletin stopped at {bulletin.failed_step}: "
            f"{bulletin.last_error or 'no detail'}. Retry carries on from there.",
            (Step.RETRY, Step.RESCHEDULE, Step.SEND_NOW_INSTEAD, Step.CANCEL_SCHEDULE),
        )
    if is_held(bulletin):
        return Standing(
            month,
            "held",
            f"The {label} bulletin is approved but its schedule was cancelled: it waits for you to choose a "
            "time or send it now.",
            (Step.RESCHEDULE, Step.SEND_NOW_INSTEAD),
        )
    if bulletin.state == BulletinState.SCHEDULED:
        return Standing(
            month,
            "scheduled",
            f"The {label} bulletin is scheduled in Mailchimp for {_at(bulletin.scheduled_for)}.",
            (Step.RESCHEDULE, Step.SEND_NOW_INSTEAD, Step.CANCEL_SCHEDULE),
        )
    if bulletin.send_mode == SendMode.NOW:
        return Standing(
            month,
            "approved",
            f"The {label} bulletin is approved to go now; Mailchimp gets it within a minute.",
            (Step.RESCHEDULE, Step.CANCEL_SCHEDULE),
        )
    return Standing(
        month,
        "approved",
        f"The {label} bulletin is approved for {_at(bulletin.scheduled_for)}; "
        "it is being handed to Mailchimp.",
        (Step.RESCHEDULE, Step.SEND_NOW_INSTEAD, Step.CANCEL_SCHEDULE),
    )
