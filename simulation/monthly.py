"""The simulated year's monthly round: waiting-list returns sent, missed or chased, and the bulletin
collected, compiled, approved, sent through the simulated Mailchimp and tracked."""

from __future__ import annotations

import math
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.articles import submit_article
from bulletins.compile import compile_bulletin
from bulletins.send import approve_bulletin, deliver_bulletin
from bulletins.tracking import CHECKPOINTS, poll_reports
from escalations.working_days import add_working_days, at_london
from intake.notices import remind_missing_return
from intake.ports import MissingReturnReminder
from intake.return_reminders import due_reminders
from intake.returns import record_return
from models.bulletins import Bulletin, BulletinState
from models.network import (
    OrganisationStatus,
    Service,
)
from models.returns import CapacityStatus, period_value
from simulation import content
from simulation.slack import PLAIN_INTAKE
from simulation.world import LONDON, OrganisationState, poisson, slug


class MonthlyEvents:
    """Events of the `Simulation` (see `simulation.engine`): each runs in its own transaction
    and uses the simulation's clock, random source and plans."""

    # ------------------------------------------------------------------------------------ returns
    def _plan_returns(self, session: Session, day: date) -> None:
        """Each organisation's return for last month: on time, late (after the reminder) or missed."""
        progress = (self.now - self.start) / (self.end - self.start)
        for state in sorted(self.organisations.values(), key=lambda s: s.id):
            if state.status == OrganisationStatus.DECLINED:
                continue
            on_time = min(0.97, state.return_habit + 0.1 * progress)
            draw = self.rng.random()
            if draw < on_time:
                first, last = day.day, max(day.day, self.reminder_day - 1)
            elif draw < on_time + (1 - on_time) * 0.55:
                first, last = max(day.day, self.reminder_day + 1), 27
            else:
                self.activity["returns missed (organisation-months)"] += 1
                continue
            if first > 28:
                continue
            send_day = day.replace(day=self.rng.randint(first, max(first, min(last, 28))))
            self.push(
                self._working_day_at(send_day, hour=9, spread_minutes=480), "send_returns", state.id, day
            )

    def _send_returns(self, session: Session, organisation_id: int, day: date) -> None:
        state = self.organisations[organisation_id]
        if not state.members or state.status == OrganisationStatus.DECLINED:
            return
        period = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        services = session.scalars(
            select(Service).where(Service.organisation_id == organisation_id).order_by(Service.id)
        ).all()
        member = self.rng.choice(state.members)
        for service in services:
            values = self._return_values(state, service)
            record_return(
                session,
                slack_user_id=member,
                service=str(service.id),
                period=period_value(period),
                **values,
            )
            self.activity["waiting-list returns"] += 1

    def _return_values(self, state: OrganisationState, service: Service) -> dict:
        profile = content.RETURN_PROFILES.get(service.category, content.DEFAULT_RETURN_PROFILE)
        level = state.waiting.get(service.id)
        if level is None:
            level = profile.waiting * self.rng.uniform(0.5, 1.4)
        level = max(0.0, level + profile.drift + self.rng.gauss(0, profile.waiting * 0.12))
        state.waiting[service.id] = level
        waiting = round(level)
        if waiting == 0:
            median = longest = 0
            capacity = CapacityStatus.HAS_CAPACITY
        else:
            median = max(
                1, round(profile.wait_weeks * math.sqrt(level / profile.waiting) * self.rng.uniform(0.8, 1.2))
            )
            longest = min(520, median + max(1, round(median * self.rng.uniform(0.5, 1.5))))
            if profile.assessment and self.rng.random() < 0.3:
                capacity = CapacityStatus.ASSESSMENT_REQUIRED
            elif level > profile.places * 1.2:
                capacity = CapacityStatus.NO_CAPACITY
            elif level > profile.places * 0.4:
                capacity = CapacityStatus.WAITLIST_ONLY
            else:
                capacity = CapacityStatus.HAS_CAPACITY
        return {
            "number_waiting": str(waiting),
            "new_referrals": str(
                poisson(self.rng, max(1.0, level * 0.3)) if level < 60 else round(level * 0.3)
            ),
            "median_wait_weeks": str(median),
            "longest_wait_weeks": str(longest),
            "capacity_status": capacity.value,
            "notes": None,
        }

    def _remind(self, session: Session, day: date) -> None:
        """The reminder job's day: organisations missing last month's return are told once."""
        if self.remind is not None:
            session.commit()
            self.activity["return reminders"] += self.remind(self.session_factory, today=day)
            return
        period, due = due_reminders(session, day)
        for item in due:
            services = [s.name for s in item.services]
            reminder = MissingReturnReminder(
                organisation=item.organisation.name, period=period, services=services
            )
            if remind_missing_return(
                session, organisation_id=item.organisation.id, reminder=reminder, render=PLAIN_INTAKE
            ):
                self.activity["return reminders"] += 1

    # ------------------------------------------------------------------------------------ bulletin
    def _article(self, session: Session, month: str) -> None:
        category = self.rng.choices(
            [c for c in self.categories if c in content.ARTICLE_WEIGHTS] or self.categories,
            weights=[
                content.ARTICLE_WEIGHTS.get(c, 1.0) for c in self.categories if c in content.ARTICLE_WEIGHTS
            ]
            or None,
            k=1,
        )[0]
        templates = [t for t in content.ARTICLES if t.category == category] or list(content.ARTICLES)
        template = self.rng.choice(templates)
        area = self.rng.choice(content.AREAS)
        title = template.title.format(area=area)
        number = next(self.article_numbers)
        if category in ("safeguarding-updates", "the-hive"):
            author = self.officer  # the officer forwards the boards' and the Hive's updates
        else:
            people = [m for s in sorted(self.organisations.values(), key=lambda s: s.id) for m in s.members]
            author = self.rng.choice(people) if people else self.officer
        submitted = submit_article(
            session,
            submitted_by=author,
            title=title,
            link=f"https://www.example.org/linkedup/{month}/{category}/{slug(title)}-{number}",
            summary=template.summary.format(area=area),
            category=category,
            month=month,
        )
        submitted.article.simulated = True
        self.officer_has_work = True
        self.activity["articles submitted"] += 1

    def _compile(self, session: Session, month: str) -> None:
        if session.scalar(select(Bulletin.id).where(Bulletin.month == month)) is not None:
            return
        bulletin = compile_bulletin(session, month, now=self.now)
        bulletin.simulated = True
        self.activity["bulletins compiled"] += 1
        approve_day = add_working_days(self.now.astimezone(LONDON).date(), 1)
        self.push(self._working_day_at(approve_day, hour=10, spread_minutes=90), "approve", month)

    def _approve(self, session: Session, month: str) -> None:
        send_at = None
        if self.rng.random() < 0.4:
            send_at = at_london(add_working_days(self.now.astimezone(LONDON).date(), 1), time(9, 0))
        approve_bulletin(session, month, by=self.officer, send_at=send_at, now=self.now)
        self.push(self.now + timedelta(minutes=1), "deliver", month)

    def _deliver(self, month: str) -> None:
        delivery = deliver_bulletin(self.session_factory, self.mailer, month, now=self.now)
        with self.session_factory() as session:
            bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
            sent = bulletin.sent_at if delivery.state == BulletinState.SENT else bulletin.scheduled_for
        if sent is None:
            return
        self.activity["bulletins sent"] += 1
        for _, offset in CHECKPOINTS:
            self.push(sent + offset + timedelta(minutes=5), "poll")

    _deliver.own_sessions = True

    def _poll(self) -> None:
        taken = poll_reports(self.session_factory, self.mailer, now=self.now)
        self.activity["report snapshots"] += sum(1 for snapshot in taken if snapshot.error is None)

    _poll.own_sessions = True
