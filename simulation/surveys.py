"""The simulated year's survey: once every twelve months the officer sends "Have your say" (the shipped
template) to every member, people answer over the following weeks, the reminders go out on the
template's schedule (3 and 1 working days before the close) and move some of those who had not
answered, and the survey closes on its date. Everything goes through the real domain functions
(`surveys.lifecycle`, `surveys.answers`, `surveys.reminders`), so the response rate in the health
figures is counted exactly as the dashboard and the board report count it.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.working_days import add_working_days, at_london, is_working_day
from models.surveys import SurveyRecipient
from surveys import answers, lifecycle, reminders
from surveys.definition import CHOICE_KINDS, LONG, MULTIPLE, RATING, SHORT, closing_moment
from surveys.file import TEMPLATE, read_definition
from surveys.ports import AnsweredFor, Closed, Draft, Invitation

FIRST_SURVEY_AFTER_DAYS = 45  # the officer sends it once the year is under way
OPEN_WORKING_DAYS = 15  # three working weeks to answer
ANSWER_AT_ONCE = 0.3  # share of people who answer from the invitation alone
ANSWER_AFTER_REMINDER = 0.2  # of those still to answer, per reminder
ANSWER_TEXTS = (
    "The bulletin's vacancies and training dates are what we read first.",
    "More notice of safeguarding training, please; places go quickly.",
    "Our waiting list for counselling keeps growing and the boards should know.",
    "The bi-monthly meeting is useful when the speaker is on our theme.",
    "Funding news earlier in the month would help us bid in time.",
)


class PlainSurveyRenderer:
    """Message bodies for the simulation's outbox (never shown in Slack)."""

    def invitation(self, invitation: Invitation) -> dict:
        return {"text": f"Survey: {invitation.title}"}

    def reminder(self, invitation: Invitation, days_left: int) -> dict:
        return {"text": f"Reminder: {invitation.title} closes in {days_left} working days"}

    def draft(self, draft: Draft) -> dict:
        return {"text": f"Survey ready: {draft.title} ({draft.audience})"}

    def answered_for(self, notice: AnsweredFor) -> dict:
        return {"text": f"{notice.by} answered {notice.title} for {notice.organisation}"}

    def receipt(self, title: str, *, anonymous: bool, replaced: bool, closes_at: datetime) -> dict:
        return {"text": f"Thank you for answering {title}"}

    def closed(self, closed: Closed) -> dict:
        return {"text": f"{closed.title} closed: {closed.answered} of {closed.people} answered"}


SURVEY_RENDERER = PlainSurveyRenderer()


class SurveyEvents:
    """Mixed into `simulation.engine.Simulation`: its rng, clock, queue and officer."""

    def _plan_surveys(self) -> None:
        first = (self.start + timedelta(days=FIRST_SURVEY_AFTER_DAYS)).astimezone(self.start.tzinfo).date()
        day = first
        while at_london(day, time(10, 0)) < self.end:
            while not is_working_day(day):
                day += timedelta(days=1)
            self.push(at_london(day, time(10, 0)), "survey_open", day)
            day = date(day.year + 1, day.month, min(day.day, 28))
        self.survey_planned: set[str] = set()
        # Its own random stream: adding the survey leaves every other event of a seed's year as it was.
        self.survey_rng = random.Random(f"linkedup-survey:{self.seed}")

    def _survey_open(self, session: Session, day: date) -> None:
        closes_on = add_working_days(day, OPEN_WORKING_DAYS)
        if closing_moment(closes_on) >= self.end:
            return  # the year ends before it could close: not started
        definition = read_definition(TEMPLATE.read_text(encoding="utf-8"), now=self.now, source="template")
        definition = replace(
            definition, closes_on=closes_on, audience=replace(definition.audience, include_simulated=True)
        )
        survey = lifecycle.create_survey(
            session,
            definition,
            officer=self.officer,
            now=self.now,
            render=SURVEY_RENDERER,
            source="simulation",
            simulated=True,
        )
        lifecycle.open_survey(session, survey.id, officer=self.officer, now=self.now, render=SURVEY_RENDERER)
        self.activity["surveys"] += 1
        users = session.scalars(
            select(SurveyRecipient.slack_user_id)
            .where(SurveyRecipient.survey_id == survey.id)
            .order_by(SurveyRecipient.id)
        ).all()
        for user in users:
            if self.survey_rng.random() < ANSWER_AT_ONCE:
                self._plan_answer(survey.id, user, day, within=5)
        current = day + timedelta(days=1)
        while current < closes_on:
            if is_working_day(current):
                self.push(at_london(current, time(9, 35)), "survey_remind", survey.id, current)
            current += timedelta(days=1)
        self.push(survey.closes_at, "survey_close", survey.id)

    def _plan_answer(self, survey_id: int, user: str, day: date, *, within: int) -> None:
        if user in self.survey_planned:
            return
        self.survey_planned.add(user)
        answer_day = add_working_days(day, self.survey_rng.randint(0, within))
        self.push(
            at_london(answer_day, time(9, 0)) + timedelta(minutes=self.survey_rng.randint(0, 8 * 60 + 15)),
            "survey_answer",
            survey_id,
            user,
        )

    def _survey_remind(self, session: Session, survey_id: int, day: date) -> None:
        if not reminders.send_reminders(session, now=self.now, render=SURVEY_RENDERER):
            return
        self.activity["survey reminders"] += 1
        waiting = session.scalars(
            select(SurveyRecipient.slack_user_id).where(
                SurveyRecipient.survey_id == survey_id, SurveyRecipient.answered.is_(False)
            )
        ).all()
        for user in sorted(waiting):
            if user not in self.survey_planned and self.survey_rng.random() < ANSWER_AFTER_REMINDER:
                self._plan_answer(survey_id, user, day, within=1)

    def _survey_answer(self, session: Session, survey_id: int, user: str) -> None:
        survey = lifecycle.get_survey(session, survey_id)
        raw = {}
        for question in lifecycle.questions_of(survey):
            if question.kind == RATING:
                raw[question.id] = self.survey_rng.choice((2, 3, 3, 4, 4, 4, 5))
            elif question.kind in CHOICE_KINDS:
                if question.kind == MULTIPLE:
                    raw[question.id] = self.survey_rng.sample(
                        list(question.options), self.survey_rng.randint(1, 2)
                    )
                else:
                    raw[question.id] = self.survey_rng.choice(question.options)
            elif question.kind in (SHORT, LONG) and (question.required or self.survey_rng.random() < 0.4):
                raw[question.id] = self.survey_rng.choice(ANSWER_TEXTS)
        answers.submit(session, survey_id, user=user, raw=raw, now=self.now, render=SURVEY_RENDERER)
        self.activity["survey answers"] += 1

    def _survey_close(self, session: Session, survey_id: int) -> None:
        lifecycle.close_survey(session, survey_id, now=self.now, render=SURVEY_RENDERER)
