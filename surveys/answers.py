"""Answering a survey: who may, what is stored, and what anonymity forbids storing.

- Only a recipient may answer (the audience was fixed when the survey opened); a closed survey is
  refused in one polite sentence and nothing is stored.
- Named: answering again before the close replaces the earlier answer (its revision counts up); a
  retried or double-clicked submission with the same answers changes nothing.
- One per organisation: any member answers for it; a later answer by any member replaces it, and the
  other members are told once that it is done.
- Anonymous: the answer row holds no person, organisation or time, and the recipient's mark says only
  that they have answered. With no link there is nothing to find a second time, so an anonymous
  answer cannot be replaced: a second one is refused, which is also what makes retries store once.
  Its row number is random (rows in order of numbers are not answers in order of time) and no receipt
  is queued for it (the modal shows one), so no outbox row marks the moment someone answered.
- Pages: a multi-page modal keeps its earlier pages in a `SurveyDraft` keyed by a random token
  carried in the modal (never by a person), deleted when the last page is sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalations.working_days import london
from models.errors import NotAllowed, ValidationError
from models.network import Member, Organisation
from models.outbox import enqueue
from models.people import cached_names
from models.surveys import Survey, SurveyDraft, SurveyRecipient, SurveyResponse, SurveyState
from surveys.definition import Question, check_answer
from surveys.lifecycle import get_survey, mark_answered, questions_of
from surveys.ports import AnsweredFor, SurveyRenderer


@dataclass(frozen=True)
class Standing:
    """Where a person stands with a survey when they press Answer."""

    survey: Survey
    questions: list[Question]
    earlier: dict  # their (or their organisation's) named answer so far, to start from
    organisation: str | None  # one-per-organisation: the organisation answered for
    done_by: str | None  # one-per-organisation: who has answered for it already


@dataclass(frozen=True)
class Stored:
    survey: Survey
    replaced: bool
    duplicate: bool  # the same answers again (a retry): nothing changed


def closed_sentence(survey: Survey) -> str:
    when = london(survey.closed_at or survey.closes_at)
    return (
        f"Thank you — “{survey.title}” closed on {when:%-d %B %Y}, so answers are no longer taken "
        "and nothing was saved. The results go to the Children's Trust Board."
    )


def _recipient(session: Session, survey: Survey, user: str) -> SurveyRecipient:
    row = session.scalar(
        select(SurveyRecipient).where(
            SurveyRecipient.survey_id == survey.id, SurveyRecipient.slack_user_id == user
        )
    )
    if row is None:
        raise NotAllowed(
            f"“{survey.title}” was sent to a chosen group, and you are not in it, so your answer "
            "cannot be counted. Ask the development officer if you think it should reach you."
        )
    return row


def _open(session: Session, survey_id: int | str, now: datetime, *, lock: bool = False) -> Survey:
    survey = get_survey(session, survey_id, share=lock)
    if survey.state is SurveyState.CLOSED or (survey.state is SurveyState.OPEN and survey.closes_at <= now):
        raise NotAllowed(closed_sentence(survey))
    if survey.state is not SurveyState.OPEN:
        raise NotAllowed(f"“{survey.title}” has not been sent yet; this was a preview.")
    return survey


def _named_row(
    session: Session, survey: Survey, user: str, organisation_id: int | None
) -> SurveyResponse | None:
    if survey.anonymous:
        return None
    if survey.per_organisation and organisation_id is not None:
        where = SurveyResponse.for_organisation_id == organisation_id
    else:
        where = SurveyResponse.slack_user_id == user
    return session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id, where))


def _name(session: Session, user: str) -> str:
    member = session.scalar(select(Member).where(Member.slack_user_id == user))
    if member is not None and member.display_name:
        return member.display_name
    return cached_names(session, [user]).get(user, "a colleague")


def standing(session: Session, survey_id: int | str, *, user: str, now: datetime) -> Standing:
    """What the Answer button opens on; refused politely when closed or not for this person."""
    survey = _open(session, survey_id, now)
    recipient = _recipient(session, survey, user)
    if survey.anonymous and recipient.answered:
        raise NotAllowed(
            f"Your anonymous answer to “{survey.title}” is in. As it is not linked to you, it cannot be "
            "changed — thank you for answering."
            if not survey.per_organisation
            else f"Your organisation's anonymous answer to “{survey.title}” is in, so there is nothing "
            "more to answer — thank you."
        )
    row = _named_row(session, survey, user, recipient.organisation_id)
    organisation = None
    if survey.per_organisation and recipient.organisation_id is not None:
        organisation = session.get(Organisation, recipient.organisation_id).name
    done_by = None
    if row is not None and survey.per_organisation and row.slack_user_id and row.slack_user_id != user:
        done_by = _name(session, row.slack_user_id)
    return Standing(
        survey=survey,
        questions=questions_of(survey),
        earlier=dict(row.answers) if row is not None else {},
        organisation=organisation,
        done_by=done_by,
    )


def check_page(questions: list[Question], raw: dict) -> dict:
    """A page's answers as stored; `ValidationError` keyed by question id for each wrong one."""
    answers, errors = {}, {}
    for question in questions:
        value, problem = check_answer(question, raw.get(question.id))
        if problem:
            errors[question.id] = problem
        elif value is not None:
            answers[question.id] = value
    if errors:
        raise ValidationError(errors)
    return answers


def save_page(
    session: Session,
    survey_id: int | str,
    *,
    user: str,
    token: str,
    page: list[Question],
    raw: dict,
    now: datetime,
) -> None:
    """Keep one page's answers until the last page is sent (the token names the modal, not the person)."""
    survey = _open(session, survey_id, now)
    _recipient(session, survey, user)
    answers = check_page(page, raw)
    draft = session.scalar(select(SurveyDraft).where(SurveyDraft.token == token))
    if draft is None:
        session.add(SurveyDraft(token=token, survey_id=survey.id, answers=answers))
    else:
        draft.answers = {
            **{k: v for k, v in draft.answers.items() if k not in {q.id for q in page}},
            **answers,
        }
    session.flush()


def draft_answers(session: Session, token: str | None) -> dict:
    if not token:
        return {}
    draft = session.scalar(select(SurveyDraft).where(SurveyDraft.token == token))
    return dict(draft.answers) if draft is not None else {}


def submit(
    session: Session,
    survey_id: int | str,
    *,
    user: str,
    raw: dict,
    page: list[Question] | None = None,
    token: str | None = None,
    now: datetime,
    render: SurveyRenderer,
) -> Stored:
    """Store an answer (the last page's `raw` plus the earlier pages kept under `token`).

    `page`: the questions the last page showed (all of them for a one-page survey); the others come
    from the draft and are checked again, so a forged draft cannot store what a page would refuse.
    """
    survey = _open(session, survey_id, now, lock=True)
    recipient = _recipient(session, survey, user)
    questions = questions_of(survey)
    shown = page if page is not None else questions
    answers = check_page(shown, raw)
    earlier = draft_answers(session, token)
    others = [q for q in questions if q.id not in {q.id for q in shown}]
    if others:
        answers = {**check_page(others, earlier), **answers}
    if token:
        session.execute(delete(SurveyDraft).where(SurveyDraft.token == token))
    if survey.anonymous:
        stored = _store_anonymous(
            session, survey, user=user, organisation_id=recipient.organisation_id, answers=answers
        )
    else:
        stored = _store_named(
            session,
            survey,
            user=user,
            organisation_id=recipient.organisation_id,
            answers=answers,
            now=now,
            render=render,
        )
    if not stored.duplicate and not survey.anonymous:  # an anonymous answer leaves no message trail
        enqueue(
            session,
            key=f"survey:{survey.id}:receipt:{user}:{_receipt_number(session, survey, user, stored)}",
            method="dm",
            payload={
                "user": user,
                **render.receipt(
                    survey.title,
                    anonymous=survey.anonymous,
                    replaced=stored.replaced,
                    closes_at=survey.closes_at,
                ),
            },
        )
    return stored


def _receipt_number(session: Session, survey: Survey, user: str, stored: Stored) -> int:
    row = _named_row(session, survey, user, _organisation_of(session, survey, user))
    return row.revision if row is not None else 1


def _organisation_of(session: Session, survey: Survey, user: str) -> int | None:
    return session.scalar(
        select(SurveyRecipient.organisation_id).where(
            SurveyRecipient.survey_id == survey.id, SurveyRecipient.slack_user_id == user
        )
    )


def _store_anonymous(
    session: Session, survey: Survey, *, user: str, organisation_id: int | None, answers: dict
) -> Stored:
    if not mark_answered(session, survey, user=user, organisation_id=organisation_id):
        # Already in (a retry, a double click, or a colleague in one-per-organisation mode).
        return Stored(survey=survey, replaced=False, duplicate=True)
    for _ in range(8):  # a random number, so the order of rows says nothing of the order of answers
        try:
            with session.begin_nested():
                session.add(
                    SurveyResponse(id=secrets.randbelow(2**31 - 2) + 1, survey_id=survey.id, answers=answers)
                )
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("no free response number after 8 tries")
    return Stored(survey=survey, replaced=False, duplicate=False)


def _store_named(
    session: Session,
    survey: Survey,
    *,
    user: str,
    organisation_id: int | None,
    answers: dict,
    now: datetime,
    render: SurveyRenderer,
) -> Stored:
    row = _named_row(session, survey, user, organisation_id)
    if row is not None and row.answers == answers and row.slack_user_id == user:
        return Stored(survey=survey, replaced=False, duplicate=True)
    first_for_org = survey.per_organisation and row is None
    if row is None:
        row = SurveyResponse(
            survey_id=survey.id,
            slack_user_id=user,
            organisation_id=organisation_id,
            for_organisation_id=organisation_id if survey.per_organisation else None,
            answers=answers,
            submitted_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # a concurrent first answer won; ours replaces it
            session.expire_all()
            row = _named_row(session, survey, user, organisation_id)
            row.answers, row.slack_user_id, row.submitted_at = answers, user, now
            row.revision += 1
            replaced = True
        else:
            replaced = False
    else:
        row.answers, row.slack_user_id, row.submitted_at = answers, user, now
        row.organisation_id = organisation_id
        row.revision += 1
        replaced = True
    mark_answered(session, survey, user=user, organisation_id=organisation_id)
    session.flush()
    if first_for_org and organisation_id is not None:
        _tell_colleagues(session, survey, user=user, organisation_id=organisation_id, render=render)
    return Stored(survey=survey, replaced=replaced, duplicate=False)


def _tell_colleagues(
    session: Session, survey: Survey, *, user: str, organisation_id: int, render: SurveyRenderer
) -> None:
    """The organisation's other recipients hear once that its answer is in, so nobody answers twice."""
    colleagues = session.scalars(
        select(SurveyRecipient.slack_user_id).where(
            SurveyRecipient.survey_id == survey.id,
            SurveyRecipient.organisation_id == organisation_id,
            SurveyRecipient.slack_user_id != user,
        )
    ).all()
    if not colleagues:
        return
    organisation = session.get(Organisation, organisation_id).name
    body = render.answered_for(
        AnsweredFor(survey.id, survey.title, organisation, _name(session, user), survey.closes_at)
    )
    for colleague in colleagues:
        enqueue(
            session,
            key=f"survey:{survey.id}:done:{colleague}",
            method="dm",
            payload={"user": colleague, **body},
        )


def waiting_for(session: Session, user: str, *, now: datetime) -> list[tuple[Survey, bool]]:
    """Open surveys sent to `user`: (survey, answered) — answered by them or for their organisation."""
    rows = session.execute(
        select(Survey, SurveyRecipient.answered)
        .join(SurveyRecipient, SurveyRecipient.survey_id == Survey.id)
        .where(
            SurveyRecipient.slack_user_id == user, Survey.state == SurveyState.OPEN, Survey.closes_at > now
        )
        .order_by(Survey.closes_at, Survey.id)
    ).all()
    return [(survey, answered) for survey, answered in rows]
