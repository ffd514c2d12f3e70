"""Block Kit for surveys: the messages (`SurveyRenderer`), the officer's modals, the answer pages, Home.

What people typed (titles, introductions, questions, answers, organisation names) reaches mrkdwn only
through `escape`; in plain_text (labels, options) Slack shows it as typed. The answer modal is cut
into pages of at most `QUESTIONS_PER_PAGE` questions: a page is at most 13 blocks, far inside
Slack's 100, and a title within 24 characters; a long survey reads better a page at a time. At most
20 questions make at most 2 pages, inside Slack's stack of 3 views (the receipt replaces the last).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from escalations.working_days import describe as describe_moment
from handlers import blockkit as kit
from handlers.blockkit import (
    MODAL_TITLE_MAX,
    OPTIONS_MAX,
    SECTION_MAX,
    clip,
    escape,
    many_of,
    option,
    option_label,
)
from handlers.forms import encode_metadata
from handlers.ids import AudienceAction, SurveyAction, SurveyCallback, SurveyField
from reporting.surveys import SurveyResults
from surveys.definition import (
    INTRODUCTION_MAX,
    LONG,
    LONG_ANSWER_MAX,
    MULTIPLE,
    QUESTION_LINES_HELP,
    RATING,
    RATING_VALUES,
    SHORT,
    SHORT_ANSWER_MAX,
    SINGLE,
    TITLE_MAX,
    Question,
)
from surveys.ports import AnsweredFor, Closed, Draft, Invitation

QUESTIONS_PER_PAGE = 10
CATEGORIES_SHOWN = 8  # on the officer's Home, per open survey; the dashboard page lists them all
FIELD = SurveyAction.FIELD
AUDIENCE_CHOICES = {
    "everyone": "Every member organisation",
    "categories": "Organisations by service category",
    "ages": "Organisations by age range served",
    "board_members": "Board members",
    "organisations": "Named organisations",
}


def _escaped_within(text: str, limit: int) -> str:
    """`text` escaped and within `limit` characters, clipped before escaping so no entity is cut in two
    (`&` becomes five characters, so a long text of them needs clipping that its length does not show)."""
    text = clip(text, INTRODUCTION_MAX)
    while len(escape(text)) > limit:
        text = clip(text, len(text) - (len(escape(text)) - limit) // 5 - 1)
    return escape(text)


def _closes(at: datetime) -> str:
    return describe_moment(at)


def _button(action: str, label: str, value: str, style: str | None = None) -> kit.Button:
    return kit.Button(action_id=action, label=label, value=value, style=style)


# --- messages (the port) -----------------------------------------------------------------------------


class SlackSurveyRenderer:
    def invitation(self, invitation: Invitation) -> dict:
        title = escape(invitation.title)
        lead = (
            f":eyes: *Preview* — this is the message each recipient will get for *{title}*."
            if invitation.preview
            else f":speech_balloon: *{title}* — the Linked-up network would like your view."
        )
        specs = [kit.section(lead)]
        if invitation.introduction:
            specs.append(kit.section(_escaped_within(invitation.introduction, SECTION_MAX)))
        specs.append(kit.context(_facts(invitation)))
        specs.append(kit.actions(f"survey-{invitation.survey_id}", [_answer_button(invitation)]))
        return kit.message(f"{'Preview: ' if invitation.preview else ''}{escape(invitation.title)}", specs)

    def reminder(self, invitation: Invitation, days_left: int) -> dict:
        title = escape(invitation.title)
        when = "tomorrow" if days_left == 1 else f"in {days_left} working days"
        who = f"{escape(invitation.organisation)}'s answer" if invitation.organisation else "your answer"
        specs = [
            kit.section(
                f":alarm_clock: A reminder: *{title}* closes {when} ({_closes(invitation.closes_at)}), "
                f"and we do not have {who} yet."
            ),
            kit.context(_facts(invitation)),
            kit.actions(f"survey-{invitation.survey_id}", [_answer_button(invitation)]),
        ]
        return kit.message(f"Reminder: {escape(invitation.title)}", specs)

    def draft(self, draft: Draft) -> dict:
        title = escape(draft.title)
        specs = [
            kit.section(
                f":memo: Survey *{title}* (#{draft.survey_id}) is ready: {draft.questions} "
                f"question{'s' if draft.questions != 1 else ''}, closing {_closes(draft.closes_at)}"
                f"{', anonymous' if draft.anonymous else ''}."
            ),
            kit.section(f"It would reach *{escape(draft.audience)}*. Nobody has been sent anything yet."),
            kit.actions(
                f"survey-draft-{draft.survey_id}",
                [
                    _button(SurveyAction.PREVIEW, "Preview (to me)", str(draft.survey_id)),
                    _button(SurveyAction.OPEN, "Send it now", str(draft.survey_id), "primary"),
                ],
            ),
        ]
        return kit.message(f"Survey ready: {escape(draft.title)}", specs)

    def answered_for(self, notice: AnsweredFor) -> dict:
        text = (
            f":white_check_mark: {escape(notice.by)} has answered *{escape(notice.title)}* for "
            f"{escape(notice.organisation)}, so there is nothing more for you to do. Any of you may still "
            f"change the answer until {_closes(notice.closes_at)}."
        )
        return kit.message(text, [kit.section(text)])

    def receipt(self, title: str, *, anonymous: bool, replaced: bool, closes_at: datetime) -> dict:
        text = (
            f":white_check_mark: Thank you — your answer to *{escape(title)}* is in"
            + (" (it replaces your earlier one)" if replaced else "")
            + (f". You can change it until {_closes(closes_at)}." if not anonymous else ".")
        )
        return kit.message(text, [kit.section(text)])

    def closed(self, closed: Closed) -> dict:
        text = (
            f":checkered_flag: *{escape(closed.title)}* (#{closed.survey_id}) has closed: "
            f"{closed.answered} of {closed.people} people and {closed.organisations_answered} of "
            f"{closed.organisations} organisations answered. "
            f"`linkedup survey results {closed.survey_id}` or the dashboard shows the results."
        )
        return kit.message(text, [kit.section(text)])


RENDERER = SlackSurveyRenderer()


def _facts(invitation: Invitation) -> str:
    parts = [
        f"{invitation.questions} question{'s' if invitation.questions != 1 else ''}",
        f"closes {_closes(invitation.closes_at)}",
    ]
    if invitation.anonymous:
        parts.append("anonymous: your answer is not linked to you or your organisation")
    if invitation.per_organisation:
        who = escape(invitation.organisation) if invitation.organisation else "your organisation"
        parts.append(f"one answer for {who}: any of you may give it")
    return " · ".join(parts)


def _answer_button(invitation: Invitation) -> kit.Button:
    return _button(SurveyAction.ANSWER, "Answer", str(invitation.survey_id), "primary")


# --- the officer's modals ----------------------------------------------------------------------------


def create_modal(categories: Sequence[str], organisations: Sequence[tuple[int, str]], today) -> View:
    """`/linkedup survey`: everything a short survey needs; longer ones come from a file."""
    category_options = [option(option_label(c), c[:150]) for c in categories[:OPTIONS_MAX]]
    organisation_options = [option(option_label(name), str(org_id)) for org_id, name in organisations]
    blocks: list = [
        InputBlock(
            block_id=SurveyField.TITLE,
            label="Title",
            element=PlainTextInputElement(action_id=FIELD, max_length=TITLE_MAX),
        ),
        InputBlock(
            block_id=SurveyField.INTRODUCTION,
            label="Introduction",
            optional=True,
            element=PlainTextInputElement(action_id=FIELD, multiline=True, max_length=INTRODUCTION_MAX),
        ),
        InputBlock(
            block_id=SurveyField.QUESTIONS,
            label="Questions (up to 20)",
            hint=QUESTION_LINES_HELP,
            element=PlainTextInputElement(action_id=FIELD, multiline=True, max_length=3000),
        ),
        InputBlock(
            block_id=SurveyField.AUDIENCE,
            label="Who is it for?",
            element=RadioButtonsElement(
                action_id=FIELD,
                options=[option(label, value) for value, label in AUDIENCE_CHOICES.items()],
                initial_option=option(AUDIENCE_CHOICES["everyone"], "everyone"),
            ),
        ),
    ]
    if category_options:
        blocks.append(
            InputBlock(
                block_id=SurveyField.CATEGORIES,
                label="Service categories",
                optional=True,
                hint="For 'by service category' (with an age range: services that are both).",
                element=StaticMultiSelectElement(action_id=FIELD, options=category_options),
            )
        )
    blocks.append(
        InputBlock(
            block_id=SurveyField.AGES,
            label="Ages served",
            optional=True,
            hint="For 'by age range': youngest to oldest, e.g. 0-5.",
            element=PlainTextInputElement(action_id=FIELD, max_length=10, placeholder="0-5"),
        )
    )
    if organisation_options:
        blocks.append(
            InputBlock(
                block_id=SurveyField.ORGANISATIONS,
                label="Organisations",
                optional=True,
                hint="For 'named organisations'"
                + (": type part of a name." if len(organisation_options) > OPTIONS_MAX else "."),
                element=many_of(
                    organisation_options, action_id=FIELD, search_action_id=AudienceAction.PICK_ORGANISATIONS
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=SurveyField.OPTIONS,
            label="Answers",
            optional=True,
            element=CheckboxesElement(
                action_id=FIELD,
                options=[
                    option("Anonymous (not linked to the person or organisation)", "anonymous"),
                    option("One answer per organisation (any member answers)", "per_organisation"),
                ],
            ),
        ),
        InputBlock(
            block_id=SurveyField.CLOSES,
            label="Closes on (at 17:00)",
            element=DatePickerElement(action_id=FIELD),
        ),
        InputBlock(
            block_id=SurveyField.REMINDERS,
            label="Reminders (working days before the close)",
            optional=True,
            element=PlainTextInputElement(action_id=FIELD, initial_value="3, 1", max_length=20),
        ),
    ]
    return View(
        type="modal",
        callback_id=SurveyCallback.CREATE,
        title="New survey",
        submit="Next",
        close="Cancel",
        blocks=blocks,
    )


def confirm_view(survey_id: int, title: str, audience: str, questions: int, closes_at: datetime) -> dict:
    """After the form: who it reaches, counted, before anything is sent."""
    text = (
        f"*{escape(title)}* ({questions} question{'s' if questions != 1 else ''}, closing "
        f"{_closes(closes_at)}) will go to *{escape(audience)}*, one direct message each."
    )
    return View(
        type="modal",
        callback_id=SurveyCallback.CONFIRM,
        title="Send the survey?",
        submit="Send now",
        close="Not yet",
        private_metadata=encode_metadata({"survey": survey_id}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX))),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Not yet keeps it as a draft: the message you were sent has Preview "
                        "and Send it now."
                    )
                ]
            ),
        ],
    ).to_dict()


# --- the answer modal --------------------------------------------------------------------------------


def pages_of(questions: Sequence[Question]) -> list[list[Question]]:
    return [
        list(questions[n : n + QUESTIONS_PER_PAGE]) for n in range(0, len(questions), QUESTIONS_PER_PAGE)
    ] or [[]]


def _choice(label: str, value: str) -> Option:
    return option(option_label(label), value)


def question_block(question: Question, earlier) -> InputBlock:
    """One question as an input; its block id is the question's id, so errors land on it."""
    if question.kind in (RATING, SINGLE):
        labels = [str(n) for n in RATING_VALUES] if question.kind == RATING else list(question.options)
        values = (
            [str(n) for n in RATING_VALUES]
            if question.kind == RATING
            else [str(i) for i in range(len(labels))]
        )
        options = [_choice(label, value) for label, value in zip(labels, values, strict=True)]
        chosen = None
        if earlier is not None:
            wanted = str(earlier) if question.kind == RATING else str(_index(question, earlier))
            chosen = next((o for o in options if o.value == wanted), None)
        element = RadioButtonsElement(action_id=FIELD, options=options, initial_option=chosen)
    elif question.kind == MULTIPLE:
        options = [_choice(label, str(i)) for i, label in enumerate(question.options)]
        picked = [options[i] for i in (_index(question, v) for v in (earlier or [])) if i is not None]
        element = CheckboxesElement(action_id=FIELD, options=options, initial_options=picked or None)
    else:
        element = PlainTextInputElement(
            action_id=FIELD,
            multiline=question.kind == LONG,
            max_length=SHORT_ANSWER_MAX if question.kind == SHORT else LONG_ANSWER_MAX,
            initial_value=earlier if isinstance(earlier, str) else None,
        )
    hint = "1 is the lowest, 5 the highest." if question.kind == RATING else None
    return InputBlock(
        block_id=question.id,
        label=clip(question.text, 2000, empty=kit.EMPTY),
        hint=hint,
        optional=not question.required,
        element=element,
    )


def _index(question: Question, value) -> int | None:
    try:
        return question.options.index(value)
    except ValueError:
        return None


def answer_modal(
    *,
    survey_id: int,
    title: str,
    introduction: str,
    page: list[Question],
    number: int,
    pages: int,
    earlier: dict,
    token: str,
    organisation: str | None = None,
    done_by: str | None = None,
) -> dict:
    """One page of the answers; earlier pages' answers are kept under `token` between pages."""
    blocks: list = []
    if number == 1:
        intro = _escaped_within(introduction, SECTION_MAX - 600) if introduction else ""
        lines = [f"*{escape(title)}*", intro]
        if organisation:
            lines.append(f"You answer for *{escape(organisation)}*.")
        if done_by:
            lines.append(
                f":white_check_mark: {escape(done_by)} has already answered for it; "
                "what you send replaces that."
            )
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip("\n".join(x for x in lines if x), SECTION_MAX)))
        )
    if pages > 1:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Page {number} of {pages}")]))
    blocks += [question_block(q, earlier.get(q.id)) for q in page]
    modal_title = clip(title if pages == 1 else f"{title}", MODAL_TITLE_MAX - (6 if pages > 1 else 0))
    if pages > 1:
        modal_title = f"{modal_title} {number}/{pages}"
    return View(
        type="modal",
        callback_id=SurveyCallback.ANSWER,
        title=clip(modal_title, MODAL_TITLE_MAX),
        submit="Send" if number == pages else "Next",
        close="Cancel" if number == 1 else "Back",
        private_metadata=encode_metadata(
            {"survey": survey_id, "page": number, "pages": pages, "token": token}
        ),
        blocks=blocks,
    ).to_dict()


def page_values(page: list[Question], form: dict) -> dict:
    """The submitted page's values as the domain reads them: options back to their texts."""
    values = {}
    for question in page:
        raw = form.get(question.id)
        if question.kind == SINGLE and raw is not None:
            raw = _option_text(question, raw)
        elif question.kind == MULTIPLE and raw is not None:
            raw = [_option_text(question, v) for v in raw]
        values[question.id] = raw
    return values


def _option_text(question: Question, value) -> str | None:
    try:
        return question.options[int(str(value))]
    except (ValueError, IndexError):
        return str(value)  # not one of ours: the domain refuses it by name


# --- App Home ----------------------------------------------------------------------------------------


def waiting_lines(waiting: list[tuple[str, int, datetime, bool]]) -> list[kit.Spec]:
    """Surveys waiting for a person: (title, id, closes, answered)."""
    if not waiting:
        return []
    specs = [kit.header("Surveys")]
    for title, survey_id, closes_at, answered in waiting[:10]:
        state = ":white_check_mark: answered" if answered else "waiting for your answer"
        text = f"*{escape(title)}* — {state}, closes {_closes(closes_at)}"
        if answered:
            specs.append(kit.section(text))
        else:
            specs.append(
                kit.section_with_button(
                    text, _button(SurveyAction.ANSWER, "Answer", str(survey_id), "primary")
                )
            )
    return specs


def officer_rate_lines(results: list[SurveyResults]) -> list[kit.Spec]:
    """The officer's live response rate of each open survey."""
    if not results:
        return []
    specs = [kit.header("Open surveys")]
    for r in results[:10]:
        specs.append(
            kit.section(
                f"*{escape(r.title)}* (#{r.survey_id}): {r.people.answered} of {r.people.reached} people "
                f"({r.people.percent()}), {r.organisations.answered} of {r.organisations.reached} "
                f"organisations "
                f"({r.organisations.percent()}); closes {_closes(r.closes_at)}"
            )
        )
        shown = [c for c in r.by_category if not c.suppressed][:CATEGORIES_SHOWN]
        if shown:
            specs.append(
                kit.context(
                    "By service category (people): "
                    + "; ".join(f"{escape(c.category)} {c.people.answered}/{c.people.reached}" for c in shown)
                )
            )
    return specs


def survey_list_text(rows: list[tuple[int, str, str, int, int, datetime]]) -> str:
    """`/linkedup survey list`: (id, title, state, answered, reached, closes)."""
    if not rows:
        return "No surveys yet. `/linkedup survey` creates one."
    lines = ["*Surveys*"]
    for survey_id, title, state, answered, reached, closes_at in rows:
        lines.append(
            f"• #{survey_id} *{escape(title)}* — {state}, {answered} of {reached} answered, "
            f"closes {_closes(closes_at)}"
        )
    return clip("\n".join(lines), SECTION_MAX)


def survey_home_blocks(db, user: str, *, officer: bool) -> list:
    """The Home tab's surveys: those waiting for this person and, for the officer, each open survey's
    live response rate (from `reporting.surveys`, the figures the dashboard page shows)."""
    from sqlalchemy import select

    from models.base import utcnow
    from models.surveys import Survey, SurveyState
    from reporting.surveys import survey_results
    from surveys.answers import waiting_for

    now = utcnow()
    specs = waiting_lines(
        [(s.title, s.id, s.closes_at, answered) for s, answered in waiting_for(db, user, now=now)]
    )
    if officer:
        open_ids = db.scalars(
            select(Survey.id).where(Survey.state == SurveyState.OPEN).order_by(Survey.closes_at).limit(10)
        ).all()
        specs += officer_rate_lines(
            [survey_results(db, survey_id, group_text=False) for survey_id in open_ids]
        )
    return [kit.materialise(spec) for spec in specs]
