"""The simulated year's targeted notices: a safeguarding update to the organisations serving ages 0–5
every quarter (acknowledgement asked within five working days), and a MASH training notice with ten places
to the two service categories most organisations run, every other month. People read and acknowledge
over the following days, some only after a reminder; some ask for a place. Everything goes through the
real domain functions (`notices.compose`, `notices.delivery`, `notices.responses`, `notices.reminders`),
so the acknowledgement rate in the health figures is counted as the dashboard and the board report count it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from audience.selection import AudienceSpec
from escalations.working_days import add_working_days, at_london, is_working_day
from models.network import Organisation, OrganisationStatus, Service
from models.notices import NoticeRecipient
from notices.compose import Draft, create_draft
from notices.delivery import confirm
from notices.ports import ChannelPointer, NoticeCard, ReminderView, SenderNote, SummaryView
from notices.reminders import remind_due, summarise_due
from notices.responses import acknowledge, request_place

FIRST_NOTICE_AFTER_DAYS = 20
SAFEGUARDING_EVERY_MONTHS = 3
TRAINING_EVERY_MONTHS = 2
ACKNOWLEDGE_WORKING_DAYS = 5
ACKNOWLEDGE_AT_ONCE = 0.6  # read and acknowledged within a few days of the DM
ACKNOWLEDGE_AFTER_REMINDER = 0.35
ASK_FOR_A_PLACE = 0.3
TRAINING_PLACES = 10


class PlainNoticeBodies:
    """Message bodies for the simulation's outbox (never shown in Slack)."""

    def card(self, view: NoticeCard) -> dict:
        return {"text": f"{view.kind.label}: {view.title}"}

    def reminder(self, view: ReminderView) -> dict:
        return {"text": f"Reminder {view.number} of {view.of}: {view.title}"}

    def summary(self, view: SummaryView) -> dict:
        return {"text": f"{view.title}: {view.acknowledged} of {view.sent} acknowledged"}

    def channel_post(self, view: ChannelPointer) -> dict:
        return {"text": f"A {view.kind.label.lower()} went to {view.audience_summary}"}

    def sender_note(self, view: SenderNote) -> dict:
        return {"text": f"{view.title} {view.text}"}


NOTICE_BODIES = PlainNoticeBodies()


class NoticeEvents:
    """Mixed into `simulation.engine.Simulation`: its clock, queue, officer and activity counts."""

    def _plan_notices(self) -> None:
        # Its own random stream: adding notices leaves every other event of a seed's year as it was.
        self.notice_rng = random.Random(f"linkedup-notices:{self.seed}")
        first = (self.start + timedelta(days=FIRST_NOTICE_AFTER_DAYS)).astimezone(self.start.tzinfo).date()
        for kind, every in (("safeguarding", SAFEGUARDING_EVERY_MONTHS), ("training", TRAINING_EVERY_MONTHS)):
            day, step = first + timedelta(days=7 if kind == "training" else 0), 0
            while at_london(day, time(11, 0)) < self.end:
                while not is_working_day(day):
                    day += timedelta(days=1)
                self.push(at_london(day, time(11, 0)), "notice_send", kind, day)
                step += every
                day = first + timedelta(days=30 * step + (7 if kind == "training" else 0))

    def _notice_send(self, session: Session, kind: str, day: date) -> None:
        if kind == "safeguarding":
            deadline = at_london(add_working_days(day, ACKNOWLEDGE_WORKING_DAYS), time(17, 0))
            draft = Draft(
                kind="safeguarding",
                title="Sentinel notice: safer sleeping for babies",
                body="The safeguarding board asks every service for babies to share this with all staff.",
                audience=AudienceSpec(age_range=(0, 5), include_simulated=True),
                requires_acknowledgement=True,
                deadline=deadline,
            )
        else:
            deadline = None
            draft = Draft(
                kind="training",
                title="MASH training: making a good referral",
                body="A half-day session on the Multi-Agency Safeguarding Hub and its thresholds.",
                audience=AudienceSpec(categories=self._common_categories(session), include_simulated=True),
                places=TRAINING_PLACES,
            )
        preview = create_draft(session, self.officer, draft, now=self.now)
        notice = confirm(session, preview.notice.id, self.officer, NOTICE_BODIES, now=self.now)
        self.activity["notices sent"] += 1
        people = session.scalars(
            select(NoticeRecipient.slack_user_id)
            .where(NoticeRecipient.notice_id == notice.id)
            .order_by(NoticeRecipient.id)
        ).all()
        for user in people:
            if deadline is not None and self.notice_rng.random() < ACKNOWLEDGE_AT_ONCE:
                self._plan_notice_answer("notice_acknowledge", notice.id, user, day, within=3)
            if deadline is None and self.notice_rng.random() < ASK_FOR_A_PLACE:
                self._plan_notice_answer("notice_place", notice.id, user, day, within=4)
        if deadline is not None:
            current = day + timedelta(days=1)
            while at_london(current, time(9, 40)) < deadline:
                if is_working_day(current):
                    self.push(at_london(current, time(9, 40)), "notice_remind", notice.id, current)
                current += timedelta(days=1)
            self.push(deadline, "notice_deadline")

    def _common_categories(self, session: Session) -> tuple[str, ...]:
        """The two service categories the most approved organisations run."""
        rows = session.execute(
            select(Service.category, Service.organisation_id)
            .join(Organisation, Organisation.id == Service.organisation_id)
            .where(Organisation.status == OrganisationStatus.APPROVED)
        ).all()
        counts = Counter(category for category, _ in set(rows))
        return tuple(category for category, _ in sorted(counts.items(), key=lambda c: (-c[1], c[0]))[:2])

    def _plan_notice_answer(self, event: str, notice_id: int, user: str, day: date, *, within: int) -> None:
        answer_day = add_working_days(day, self.notice_rng.randint(0, within))
        minutes = self.notice_rng.randint(0, 8 * 60)
        self.push(at_london(answer_day, time(9, 15)) + timedelta(minutes=minutes), event, notice_id, user)

    def _notice_acknowledge(self, session: Session, notice_id: int, user: str) -> None:
        if acknowledge(session, notice_id, user, NOTICE_BODIES, now=self.now).changed:
            self.activity["notice acknowledgements"] += 1

    def _notice_place(self, session: Session, notice_id: int, user: str) -> None:
        if request_place(session, notice_id, user, NOTICE_BODIES, now=self.now).changed:
            self.activity["training places asked for"] += 1

    def _notice_remind(self, session: Session, notice_id: int, day: date) -> None:
        """The reminders due now (for any notice); some of those reminded then acknowledge."""
        if not remind_due(session, NOTICE_BODIES, now=self.now):
            return
        self.activity["notice reminders"] += 1
        reminded = session.execute(
            select(NoticeRecipient.notice_id, NoticeRecipient.slack_user_id)
            .where(NoticeRecipient.last_reminded_at == self.now)
            .order_by(NoticeRecipient.id)
        ).all()
        for reminded_notice, user in reminded:
            if self.notice_rng.random() < ACKNOWLEDGE_AFTER_REMINDER:
                self._plan_notice_answer("notice_acknowledge", reminded_notice, user, day, within=1)

    def _notice_deadline(self, session: Session) -> None:
        summarise_due(session, NOTICE_BODIES, now=self.now)
