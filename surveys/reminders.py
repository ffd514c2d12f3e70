"""Reminders to those who have not answered, on the officer's schedule, capped, in working hours.

The schedule is a list of working days before the close (`[3, 1]`: three working days before, and
the last working day before). Reminder n is due from 9:00 on its day; the job runs often, sends
only inside working hours (a reminder due on a Sunday goes on Monday morning), and each person gets
reminder n at most once: their `reminders_sent` count goes up with the message in one transaction,
and the outbox key names the survey, the reminder and the person. Someone who has left the network
is not reminded (`models.leavers.still_in_network`). The number of reminders is capped
by the definition (at most three), so nobody is nagged daily.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from escalations.working_days import DAY_STARTS, at_london, in_working_hours, london, previous_working_day
from models.leavers import still_in_network
from models.network import Organisation
from models.outbox import enqueue
from models.surveys import Survey, SurveyRecipient, SurveyState
from surveys.lifecycle import invitation
from surveys.ports import SurveyRenderer


def reminder_moments(survey: Survey) -> list[tuple[int, datetime]]:
    """(working days before the close, when it is due) for each scheduled reminder, earliest first."""
    closing_day = london(survey.closes_at).date()
    moments = []
    for days in sorted(set(survey.reminder_days or []), reverse=True):
        day = closing_day
        for _ in range(days):
            day = previous_working_day(day)
        moments.append((days, at_london(day, DAY_STARTS)))
    return moments


def due_reminder(survey: Survey, now: datetime) -> tuple[int, int] | None:
    """(reminder number from 1, days before close) of the latest reminder now due, if any."""
    due = None
    for number, (days, moment) in enumerate(reminder_moments(survey), start=1):
        if survey.opened_at is not None and moment <= survey.opened_at:
            continue  # due before the survey went out: the invitation itself is that reminder
        if moment <= now:
            due = (number, days)
    return due


def send_reminders(session: Session, *, now: datetime, render: SurveyRenderer) -> int:
    """Remind the non-respondents of every open survey whose reminder is due; how many were reminded."""
    if not in_working_hours(now):
        return 0
    surveys = session.scalars(
        select(Survey).where(Survey.state == SurveyState.OPEN, Survey.closes_at > now).order_by(Survey.id)
    ).all()
    sent = 0
    for survey in surveys:
        due = due_reminder(survey, now)
        if due is None:
            continue
        number, days = due
        claimed = session.execute(
            update(SurveyRecipient)
            .where(
                SurveyRecipient.survey_id == survey.id,
                SurveyRecipient.answered.is_(False),
                SurveyRecipient.reminders_sent < number,
                still_in_network(SurveyRecipient.slack_user_id),
            )
            .values(reminders_sent=number)
            .returning(SurveyRecipient.slack_user_id, SurveyRecipient.organisation_id)
        ).all()
        names = {}
        if survey.per_organisation:
            ids = {org for _, org in claimed if org is not None}
            names = dict(
                session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
                .tuples()
                .all()
            )
        bodies: dict = {}
        for user, org in sorted(claimed):
            organisation = names.get(org)
            if organisation not in bodies:
                bodies[organisation] = render.reminder(invitation(survey, organisation=organisation), days)
            enqueue(
                session,
                key=f"survey:{survey.id}:reminder:{number}:{user}",
                method="dm",
                payload={"user": user, **bodies[organisation]},
                new_key=True,
            )
            sent += 1
    session.flush()
    return sent
