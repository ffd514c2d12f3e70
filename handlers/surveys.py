"""`/linkedup survey` and the survey buttons and modals: parse → one domain call → render.

The answer modal's pages: each page but the last is checked and kept (`surveys.answers.save_page`),
then the next page is pushed in the HTTP answer (`response_action: push`, the submission's own form
of `views.push`, needing no trigger); the last page sends everything (`surveys.answers.submit`).
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audience.choosing import nameable_organisations
from handlers.blockkit import escape
from handlers.commands import reply, subcommand
from handlers.errors import refuse_in_modal, whisper
from handlers.forms import metadata, open_modal, receipt_view
from handlers.ids import SurveyAction, SurveyCallback, SurveyField
from handlers.survey_views import (
    RENDERER,
    answer_modal,
    confirm_view,
    create_modal,
    page_values,
    pages_of,
    survey_list_text,
)
from models.base import utcnow
from models.errors import ValidationError
from models.network import Service
from models.surveys import Survey
from surveys import answers, lifecycle
from surveys.definition import check_definition, parse_question_lines

_AGES = re.compile(r"^\s*(\d{1,2})\s*[-–to ]+\s*(\d{1,2})\s*$")


def _categories(db: Session) -> list[str]:
    return sorted(set(db.scalars(select(func.lower(func.trim(Service.category))).distinct())))


@subcommand(
    "survey",
    usage="survey [list]",
    summary="(officer) send a survey to the network, or list the surveys and their response rates",
)
def survey_command(ack: Ack, text: str, command: dict, context: BoltContext, client: WebClient, **_) -> None:
    db = context["db"]
    user = command["user_id"]
    lifecycle.require_officer(db, user)
    if text.strip().lower() == "list":
        reply(ack, survey_list_text(_list_rows(db)))
        return
    open_modal(
        client,
        db,
        command["trigger_id"],
        create_modal(_categories(db), nameable_organisations(db), date.today()),
    )
    ack()


def _list_rows(db: Session) -> list:
    surveys = db.scalars(select(Survey).order_by(Survey.id.desc()).limit(20)).all()
    rows = []
    for survey in surveys:
        people, answered, _, _ = lifecycle.rate_counts(db, survey.id)
        rows.append((survey.id, survey.title, str(survey.state), answered, people, survey.closes_at))
    return rows


def definition_from_form(form: dict) -> dict:
    """The modal's fields as the plain dict a survey file would hold (checked by the domain)."""
    questions, bad_lines = parse_question_lines(form.get(SurveyField.QUESTIONS))
    if bad_lines:
        raise ValidationError({SurveyField.QUESTIONS: " ".join(bad_lines[:3])})
    mode = form.get(SurveyField.AUDIENCE) or "everyone"
    audience: dict = {}
    if mode == "everyone":
        audience["everyone"] = True
    elif mode == "board_members":
        audience["board_members"] = True
    if mode in ("categories", "ages"):
        if form.get(SurveyField.CATEGORIES):
            audience["categories"] = list(form[SurveyField.CATEGORIES])
        ages = form.get(SurveyField.AGES)
        if ages:
            found = _AGES.match(str(ages))
            if not found:
                raise ValidationError({SurveyField.AGES: "Write the ages as youngest-oldest, e.g. 0-5."})
            audience["ages"] = [int(found.group(1)), int(found.group(2))]
        if mode == "ages" and "ages" not in audience:
            raise ValidationError({SurveyField.AGES: "Give the ages served, e.g. 0-5."})
        if mode == "categories" and "categories" not in audience:
            raise ValidationError({SurveyField.CATEGORIES: "Choose at least one service category."})
    if mode == "organisations":
        chosen = form.get(SurveyField.ORGANISATIONS) or []
        if not chosen:
            raise ValidationError({SurveyField.AUDIENCE: "Choose the organisations under Organisations."})
        audience["organisations"] = [int(v) for v in chosen if str(v).isdigit()]
    reminders_text = form.get(SurveyField.REMINDERS) or ""
    try:
        reminders = [int(part) for part in re.split(r"[,\s]+", str(reminders_text).strip()) if part]
    except ValueError:
        raise ValidationError({SurveyField.REMINDERS: "Working days before the close, e.g. 3, 1."}) from None
    flags = set(form.get(SurveyField.OPTIONS) or [])
    return {
        "title": form.get(SurveyField.TITLE),
        "introduction": form.get(SurveyField.INTRODUCTION),
        "anonymous": "anonymous" in flags,
        "one_answer_per_organisation": "per_organisation" in flags,
        "closes": form.get(SurveyField.CLOSES),
        "reminders": reminders,
        "audience": audience,
        "questions": questions,
    }


_FIELD_OF = {
    "title": SurveyField.TITLE,
    "introduction": SurveyField.INTRODUCTION,
    "questions": SurveyField.QUESTIONS,
    "closes": SurveyField.CLOSES,
    "reminders": SurveyField.REMINDERS,
    "audience": SurveyField.AUDIENCE,
    "anonymous": SurveyField.OPTIONS,
    "one_answer_per_organisation": SurveyField.OPTIONS,
}


def modal_errors(problems: list) -> dict[str, str]:
    """The domain's (path, message) problems on the modal's fields, each question named by number."""
    errors: dict[str, list[str]] = {}
    for path, message in problems:
        field = _FIELD_OF.get(str(path[0]) if path else "title", SurveyField.TITLE)
        if path and path[0] == "questions" and len(path) > 1:
            message = f"Question {int(path[1]) + 1}: {message}"
        if path and path[0] == "audience" and len(path) > 1 and path[1] == "ages":
            field = SurveyField.AGES
        errors.setdefault(field, []).append(message[0].upper() + message[1:])
    return {field: " ".join(messages)[:2000] for field, messages in errors.items()}


def submit_create(ack: Ack, body: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    now = utcnow()
    definition, problems = check_definition(definition_from_form(context["form"]), now=now)
    if definition is None:
        raise ValidationError(modal_errors(problems))
    try:
        survey = lifecycle.create_survey(db, definition, officer=user, now=now, render=RENDERER)
    except ValidationError as error:
        raise ValidationError(
            {SurveyField.AUDIENCE if k in ("audience", "ages") else k: v for k, v in error.errors.items()}
        ) from None
    db.commit()
    ack(
        response_action="update",
        view=confirm_view(
            survey.id, survey.title, survey.audience_text or "", len(survey.questions), survey.closes_at
        ),
    )


def submit_confirm(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    survey_id = metadata(view).get("survey")
    reached = lifecycle.open_survey(db, survey_id, officer=user, now=utcnow(), render=RENDERER)
    db.commit()
    survey = lifecycle.get_survey(db, survey_id)
    headline = (
        f":outbox_tray: *Sent* to {reached} people: they each get a direct message with Answer."
        if reached
        else "This survey had already been sent; nothing more went."
    )
    ack(response_action="update", view=receipt_view("Survey sent", headline, [survey.audience_text or ""]))


def preview(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    lifecycle.send_preview(db, body["actions"][0]["value"], officer=user, render=RENDERER)
    db.commit()
    whisper(client, body, "The preview is in your direct messages with Linked-up: only you got it.")


def open_now(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    reached = lifecycle.open_survey(
        db, body["actions"][0]["value"], officer=user, now=utcnow(), render=RENDERER
    )
    db.commit()
    whisper(
        client,
        body,
        f"Sent to {reached} people." if reached else "This survey had already been sent (or has closed).",
    )


def open_answer(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    survey_id = body["actions"][0]["value"]
    found = answers.standing(db, survey_id, user=user, now=utcnow())
    pages = pages_of(found.questions)
    view = answer_modal(
        survey_id=found.survey.id,
        title=found.survey.title,
        introduction=found.survey.introduction or "",
        page=pages[0],
        number=1,
        pages=len(pages),
        earlier=found.earlier,
        token=uuid.uuid4().hex,
        organisation=found.organisation,
        done_by=found.done_by,
    )
    open_modal(client, db, body["trigger_id"], view)


def submit_answer(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    meta = metadata(view)
    now = utcnow()
    survey = lifecycle.get_survey(db, meta.get("survey"))
    pages = pages_of(lifecycle.questions_of(survey))
    page_number = str(meta.get("page") or "1")
    number = max(1, min(int(page_number) if page_number.isdigit() else 1, len(pages)))
    token = str(meta.get("token") or "")[:64] or None
    page = pages[number - 1]
    values = page_values(page, context["form"])
    if number < len(pages):
        token = token or uuid.uuid4().hex
        answers.save_page(db, survey.id, user=user, token=token, page=page, raw=values, now=now)
        db.commit()
        found = answers.standing(db, survey.id, user=user, now=now)
        ack(
            response_action="push",
            view=answer_modal(
                survey_id=survey.id,
                title=survey.title,
                introduction=survey.introduction or "",
                page=pages[number],
                number=number + 1,
                pages=len(pages),
                earlier={**found.earlier, **answers.draft_answers(db, token)},
                token=token,
                organisation=found.organisation,
            ),
        )
        return
    stored = answers.submit(
        db, survey.id, user=user, raw=values, page=page, token=token, now=now, render=RENDERER
    )
    db.commit()
    title = escape(survey.title)
    if stored.duplicate and survey.anonymous:
        whose = "Your organisation's answer" if survey.per_organisation else "Your answer"
        headline = f"{whose} to *{title}* is already in — thank you; nothing more was stored."
    elif stored.duplicate:
        headline = f"Your answer to *{title}* is in, unchanged."
    else:
        replaced = " (it replaces your earlier one)" if stored.replaced else ""
        headline = f":white_check_mark: Thank you — your answer to *{title}* is in{replaced}."
    details = ["Anonymous: it is not linked to you or your organisation."] if survey.anonymous else []
    receipt = receipt_view("Answer received", headline, details)
    if len(pages) > 1:
        receipt = {**receipt, "clear_on_close": True}  # Done closes the earlier pages too
    ack(response_action="update", view=receipt)


def register(app: App) -> None:
    app.view(SurveyCallback.CREATE)(submit_create)
    app.view(SurveyCallback.CONFIRM)(submit_confirm)
    app.view(SurveyCallback.ANSWER)(submit_answer)
    app.action(SurveyAction.PREVIEW)(preview)
    app.action(SurveyAction.OPEN)(open_now)
    app.action(SurveyAction.ANSWER, middleware=[refuse_in_modal])(open_answer)
