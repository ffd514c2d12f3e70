"""A survey's life: created (draft) → previewed by the officer → opened (one DM each) → closed.

Every message goes through the outbox in the transaction that causes it, with a key naming the
survey and the person (`survey:{id}:invite:{user}`), so a retried request or a second worker never
sends anything twice. Opening resolves the audience again (the registry may have changed since the
draft) and stores who it reached: the response rate is counted against that list, never against
whoever happens to be a member later.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from audience.selection import Audience, AudienceSpec, Reach, describe, resolve
from models.errors import NotAllowed, NotFound, ValidationError
from models.membership import is_officer
from models.network import Organisation
from models.outbox import enqueue
from models.records import AuditLog
from models.surveys import Survey, SurveyDraft, SurveyRecipient, SurveyState
from surveys.definition import Definition, Question
from surveys.ports import Closed, Draft, Invitation, SurveyRenderer


def spec_of(survey: Survey) -> AudienceSpec:
    raw = dict(survey.audience or {})
    if raw.get("age_range") is not None:
        raw["age_range"] = tuple(raw["age_range"])
    for key in ("categories", "themes", "boards", "organisations"):
        raw[key] = tuple(raw.get(key) or ())
    raw["reach"] = Reach(raw.get("reach", Reach.EVERY_MEMBER))
    return AudienceSpec(**raw)


def _spec_dict(spec: AudienceSpec) -> dict:
    data = asdict(spec)
    data["reach"] = str(spec.reach)
    for key in ("categories", "themes", "boards", "organisations"):
        data[key] = list(data[key])
    data["age_range"] = list(spec.age_range) if spec.age_range is not None else None
    return data


def questions_of(survey: Survey) -> list[Question]:
    return [Question.from_dict(raw) for raw in survey.questions or []]


def require_officer(session: Session, user: str) -> None:
    if not is_officer(session, user):
        raise NotAllowed("Only the development officer sends surveys to the network.")


def get_survey(session: Session, survey_id: int | str, *, lock: bool = False, share: bool = False) -> Survey:
    """The survey by number (`NotFound` otherwise). `lock`: held against every other writer (opening,
    closing); `share`: answers hold it shared, so they run side by side but never beside its closing."""
    try:
        number = int(str(survey_id).strip().lstrip("#"))
    except ValueError:
        raise NotFound(f"There is no survey {survey_id!r}: give its number, e.g. 3.") from None
    statement = select(Survey).where(Survey.id == number)
    if lock or share:
        statement = statement.with_for_update(read=share and not lock)
    survey = session.scalar(statement)
    if survey is None:
        raise NotFound(f"There is no survey number {number}.")
    return survey


def is_demo(session: Session) -> bool:
    """A network whose every organisation is made up (the demo): its made-up members are who a survey
    reaches. Anywhere else a survey never reaches a simulated organisation."""
    return session.scalar(select(Organisation.id).where(Organisation.simulated.is_(False)).limit(1)) is None


def with_named_organisations(session: Session, definition: Definition) -> AudienceSpec:
    """The audience with the organisations the definition names (by name or slug) as ids."""
    spec = definition.audience
    if not spec.include_simulated and is_demo(session):
        spec = AudienceSpec(**{**asdict(spec), "include_simulated": True})
    if not definition.organisation_names:
        return spec
    ids, unknown = [], []
    for name in definition.organisation_names:
        found = session.scalar(
            select(Organisation.id).where(
                (func.lower(Organisation.name) == name.casefold()) | (Organisation.slug == name)
            )
        )
        (ids.append(found) if found is not None else unknown.append(name))
    if unknown:
        raise ValidationError({"audience": f"No organisation is called {', '.join(unknown)}."})
    return AudienceSpec(**{**asdict(spec), "organisations": tuple(ids)})


def preview_audience(session: Session, spec: AudienceSpec) -> tuple[Audience, str]:
    """Who the survey would reach and the sentence the officer reads before sending."""
    audience = resolve(session, spec)
    return audience, describe(audience, spec)


def create_survey(
    session: Session,
    definition: Definition,
    *,
    officer: str,
    now: datetime,
    render: SurveyRenderer,
    source: str = "slack",
    simulated: bool = False,
) -> Survey:
    """A draft survey; the officer is sent its note (Preview, Open now). Nobody else hears yet."""
    require_officer(session, officer)
    if definition.closes_at <= now:
        raise ValidationError({"closes": "The closing date has passed; choose a day after today."})
    spec = with_named_organisations(session, definition)
    _, text = preview_audience(session, spec)  # an audience of nobody is refused here
    survey = Survey(
        title=definition.title,
        introduction=definition.introduction or None,
        questions=[q.as_dict() for q in definition.questions],
        anonymous=definition.anonymous,
        per_organisation=definition.per_organisation,
        audience=_spec_dict(spec),
        audience_text=text[:300],
        reminder_days=list(definition.reminder_days),
        closes_at=definition.closes_at,
        created_by=officer,
        source=source,
        simulated=simulated,
    )
    session.add(survey)
    session.flush()
    session.add(AuditLog(actor=officer, action="survey.created", entity="survey", entity_id=str(survey.id)))
    draft = Draft(
        survey_id=survey.id,
        title=survey.title,
        questions=len(survey.questions),
        audience=text,
        closes_at=survey.closes_at,
        anonymous=survey.anonymous,
    )
    enqueue(
        session,
        key=f"survey:{survey.id}:draft:{officer}",
        method="dm",
        payload={"user": officer, **render.draft(draft)},
        new_key=True,
    )
    return survey


def invitation(survey: Survey, *, organisation: str | None = None, preview: bool = False) -> Invitation:
    return Invitation(
        survey_id=survey.id,
        title=survey.title,
        introduction=survey.introduction or "",
        questions=len(survey.questions or []),
        closes_at=survey.closes_at,
        anonymous=survey.anonymous,
        per_organisation=survey.per_organisation,
        organisation=organisation,
        preview=preview,
    )


def send_preview(session: Session, survey_id: int | str, *, officer: str, render: SurveyRenderer) -> Survey:
    """The invitation exactly as recipients will get it, to the officer alone (once per survey)."""
    require_officer(session, officer)
    survey = get_survey(session, survey_id)
    enqueue(
        session,
        key=f"survey:{survey.id}:preview:{officer}",
        method="dm",
        payload={"user": officer, **render.invitation(invitation(survey, preview=True))},
    )
    return survey


def open_survey(
    session: Session, survey_id: int | str, *, officer: str, now: datetime, render: SurveyRenderer
) -> int:
    """Send the survey: one DM per recipient; the number reached. Opening twice sends nothing more."""
    require_officer(session, officer)
    survey = get_survey(session, survey_id, lock=True)
    if survey.state is not SurveyState.DRAFT:
        return 0
    if survey.closes_at <= now:
        raise ValidationError(
            {"closes": "This survey's closing date has passed; create it again with a later one."}
        )
    spec = spec_of(survey)
    audience, text = preview_audience(session, spec)
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(audience.organisation_ids))
        )
        .tuples()
        .all()
    )
    survey.state = SurveyState.OPEN
    survey.opened_at = now
    survey.audience_text = text[:300]
    session.add_all(
        SurveyRecipient(survey_id=survey.id, slack_user_id=r.slack_user_id, organisation_id=r.organisation_id)
        for r in audience.recipients
    )
    bodies: dict[str | None, dict] = {}
    for recipient in audience.recipients:
        organisation = names.get(recipient.organisation_id) if survey.per_organisation else None
        if organisation not in bodies:
            bodies[organisation] = render.invitation(invitation(survey, organisation=organisation))
        enqueue(
            session,
            key=f"survey:{survey.id}:invite:{recipient.slack_user_id}",
            method="dm",
            payload={"user": recipient.slack_user_id, **bodies[organisation]},
            new_key=True,
        )
    session.add(AuditLog(actor=officer, action="survey.opened", entity="survey", entity_id=str(survey.id)))
    session.flush()
    return audience.people


def close_survey(
    session: Session, survey_id: int | str, *, now: datetime, render: SurveyRenderer, by: str = "system"
) -> bool:
    """Close an open survey (no more answers), drop unfinished pages, tell the officer who created it."""
    survey = get_survey(session, survey_id, lock=True)
    if survey.state is not SurveyState.OPEN:
        return False
    if by != "system":
        require_officer(session, by)
    survey.state = SurveyState.CLOSED
    survey.closed_at = now
    session.execute(delete(SurveyDraft).where(SurveyDraft.survey_id == survey.id))
    people, answered, orgs, orgs_answered = rate_counts(session, survey.id)
    session.add(AuditLog(actor=by, action="survey.closed", entity="survey", entity_id=str(survey.id)))
    enqueue(
        session,
        key=f"survey:{survey.id}:closed:{survey.created_by}",
        method="dm",
        payload={
            "user": survey.created_by,
            **render.closed(Closed(survey.id, survey.title, people, answered, orgs, orgs_answered)),
        },
    )
    session.flush()
    return True


def close_due(session: Session, *, now: datetime, render: SurveyRenderer) -> int:
    """Close every open survey whose closing moment has come (the scheduler's job); how many closed."""
    due = session.scalars(
        select(Survey.id).where(Survey.state == SurveyState.OPEN, Survey.closes_at <= now).order_by(Survey.id)
    ).all()
    return sum(close_survey(session, survey_id, now=now, render=render) for survey_id in due)


def rate_counts(session: Session, survey_id: int) -> tuple[int, int, int, int]:
    """People reached, people answered (or answered for), organisations reached, organisations answered."""
    rows = session.execute(
        select(SurveyRecipient.organisation_id, SurveyRecipient.answered).where(
            SurveyRecipient.survey_id == survey_id
        )
    ).all()
    orgs = {org for org, _ in rows if org is not None}
    orgs_answered = {org for org, answered in rows if org is not None and answered}
    return len(rows), sum(1 for _, answered in rows if answered), len(orgs), len(orgs_answered)


def mark_answered(session: Session, survey: Survey, *, user: str, organisation_id: int | None) -> int:
    """Set the "has answered" mark (no time, no link to the answer); for one-per-organisation surveys
    on every member of the organisation. How many marks changed (0: already answered)."""
    statement = update(SurveyRecipient).where(
        SurveyRecipient.survey_id == survey.id, SurveyRecipient.answered.is_(False)
    )
    if survey.per_organisation and organisation_id is not None:
        statement = statement.where(SurveyRecipient.organisation_id == organisation_id)
    else:
        statement = statement.where(SurveyRecipient.slack_user_id == user)
    return session.execute(statement.values(answered=True)).rowcount or 0
