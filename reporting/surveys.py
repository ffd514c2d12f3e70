"""A survey's results, computed once: the dashboard page, the CSV, the Home tab and the board report use
`survey_results`, so a figure reads the same wherever the officer shows it.

- Response rate of people and of organisations (an organisation has responded when any of its
  recipients has answered, or answered for it), overall and by service category (an organisation
  counts in each category it offers a service in), each with its Wilson 95% interval.
- The 2016 baseline: "Have your Say" reached over 200 organisations and 54 answered. "Over 200" is
  taken as 200, which makes the baseline rate (27%) as generous to 2016 as the report allows.
  Verdict: above or below only when the two 95% intervals do not overlap, otherwise "in line".
- Per question: counts per option (ratings 1–5 with their mean); free text listed and grouped by the
  theme an issue with the same words would be given (`intake.suggestions`).
- Per question, by service category (issue 16): a rating question's mean and count, a choice
  question's count per option, for the answers of the organisations offering a service in each
  category (an organisation counts in each of its categories; answers from an organisation with no
  service, or erased since, form their own row so none is silently dropped). Named surveys only: an
  anonymous answer row holds no organisation by design (`models.surveys`), so it cannot be placed in a
  category, and storing a link to do so would undo the anonymity; the page says so in a sentence.
- Anonymity: for an anonymous survey no answers are shown until at least 5 are in, no category's
  rate is shown for fewer than 5 people, and no category group of answers smaller than 5 is ever
  shown, so a small group cannot be picked out. Named surveys list who said what, for the officer
  alone (the page and the CSV are the officer's).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.performance import Interval, wilson_interval
from intake.suggestions import ordered_themes, suggest_theme
from models.network import Member, Organisation, Service
from models.people import cached_names
from models.surveys import Survey, SurveyRecipient, SurveyResponse, SurveyState
from surveys.definition import CHOICE_KINDS, RATING, RATING_VALUES, Question
from surveys.lifecycle import get_survey, questions_of

BASELINE_ANSWERED = 54
BASELINE_REACHED = 200  # "over 200 organisations and groups" (Third Sector Development Report, 2016)
BASELINE_YEAR = 2016
SMALLEST_GROUP = 5
OTHER_THEME = "Not matched to a theme"
NO_CATEGORY = "no service category recorded"
ANONYMOUS_CATEGORY_NOTE = (
    "Answers by service category are shown for named surveys only: an anonymous answer is stored "
    "without its organisation, so it cannot be placed in a category, and no link is kept that could."
)


@dataclass(frozen=True)
class Rate:
    answered: int
    reached: int

    @property
    def value(self) -> float:
        return self.answered / self.reached if self.reached else 0.0

    @property
    def interval(self) -> Interval:
        return wilson_interval(self.answered, self.reached)

    def percent(self) -> str:
        return f"{self.value:.0%}" if self.reached else "—"


@dataclass(frozen=True)
class CategoryRate:
    category: str
    people: Rate
    organisations: Rate
    suppressed: bool  # fewer than 5 people in an anonymous survey: not shown


@dataclass(frozen=True)
class Comparison:
    baseline: Rate
    ours: Rate
    verdict: str  # "above", "below" or "in line" (the 95% intervals overlap)

    def sentence(self) -> str:
        b, o = self.baseline, self.ours
        return (
            f"{o.answered} of {o.reached} organisations answered ({o.percent()}, 95% interval "
            f"{o.interval.low:.0%}–{o.interval.high:.0%}) against {b.answered} of {b.reached} in "
            f"{BASELINE_YEAR} ({b.percent()}, {b.interval.low:.0%}–{b.interval.high:.0%}): {self.verdict}."
        )


@dataclass(frozen=True)
class TextAnswer:
    text: str
    by: str | None  # named surveys: "Name (Organisation)"


@dataclass(frozen=True)
class CategoryAnswers:
    """One service category's answers to one question (a row of the table under the question)."""

    category: str
    answered: int
    mean: float | None = None  # rating questions
    counts: list[tuple[str, int]] = field(default_factory=list)  # choice questions: per option


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    counts: list[tuple[str, int]] = field(default_factory=list)  # choice and rating questions
    mean: float | None = None  # rating questions
    themes: list[tuple[str, list[TextAnswer]]] = field(default_factory=list)  # text questions
    by_category: list[CategoryAnswers] = field(default_factory=list)  # rating and choice questions


@dataclass(frozen=True)
class Respondent:
    name: str
    organisation: str | None
    answers: dict


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    title: str
    state: SurveyState
    anonymous: bool
    per_organisation: bool
    audience: str
    opened_at: datetime | None
    closes_at: datetime
    responses: int
    people: Rate
    organisations: Rate
    by_category: list[CategoryRate]
    comparison: Comparison
    questions: list[QuestionResult]  # empty while withheld (anonymous, fewer than 5 answers)
    withheld: bool
    respondents: list[Respondent]  # named surveys only
    category_note: str = ""  # why answers are not broken down by service category, when they are not

    @property
    def closed(self) -> bool:
        return self.state is SurveyState.CLOSED


def compare_with_baseline(ours: Rate) -> Comparison:
    baseline = Rate(BASELINE_ANSWERED, BASELINE_REACHED)
    if ours.reached and ours.interval.low > baseline.interval.high:
        verdict = "above the 2016 baseline"
    elif ours.reached and ours.interval.high < baseline.interval.low:
        verdict = "below the 2016 baseline"
    else:
        verdict = "in line with the 2016 baseline"
    return Comparison(baseline=baseline, ours=ours, verdict=verdict)


def survey_results(session: Session, survey_id: int | str, *, group_text: bool = True) -> SurveyResults:
    survey = get_survey(session, survey_id)
    recipients = session.execute(
        select(
            SurveyRecipient.slack_user_id, SurveyRecipient.organisation_id, SurveyRecipient.answered
        ).where(SurveyRecipient.survey_id == survey.id)
    ).all()
    people = Rate(sum(1 for r in recipients if r.answered), len(recipients))
    orgs = {r.organisation_id for r in recipients if r.organisation_id is not None}
    orgs_answered = {r.organisation_id for r in recipients if r.organisation_id is not None and r.answered}
    organisations = Rate(len(orgs_answered), len(orgs))
    by_category = _by_category(session, survey, recipients)
    responses = session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    ).all()
    withheld = survey.anonymous and len(responses) < SMALLEST_GROUP
    labels = _respondent_labels(session, survey, responses)
    questions = [] if withheld else _questions(session, survey, responses, labels, group_text=group_text)
    if questions and not survey.anonymous:
        groups = _category_groups(session, responses)
        questions = [replace(q, by_category=answers_by_category(q.question, groups)) for q in questions]
    respondents = []
    if not survey.anonymous:
        org_names = _organisation_names(session, {r.organisation_id for r in responses})
        respondents = [
            Respondent(labels[r.id][0], org_names.get(r.organisation_id), dict(r.answers)) for r in responses
        ]
    return SurveyResults(
        survey_id=survey.id,
        title=survey.title,
        state=survey.state,
        anonymous=survey.anonymous,
        per_organisation=survey.per_organisation,
        audience=survey.audience_text or "",
        opened_at=survey.opened_at,
        closes_at=survey.closes_at,
        responses=len(responses),
        people=people,
        organisations=organisations,
        by_category=by_category,
        comparison=compare_with_baseline(organisations),
        questions=questions,
        withheld=withheld,
        respondents=respondents,
        category_note=ANONYMOUS_CATEGORY_NOTE if survey.anonymous else "",
    )


def _organisation_names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return dict(rows.tuples().all())


def _respondent_labels(session: Session, survey: Survey, responses) -> dict[int, tuple[str, str | None]]:
    if survey.anonymous:
        return {}
    names = cached_names(session, [r.slack_user_id for r in responses if r.slack_user_id])
    ids = [r.slack_user_id for r in responses if r.slack_user_id]
    if ids:
        rows = session.execute(
            select(Member.slack_user_id, Member.display_name).where(
                Member.slack_user_id.in_(ids), Member.display_name.is_not(None)
            )
        )
        names.update(dict(rows.tuples().all()))
    orgs = _organisation_names(session, {r.organisation_id for r in responses})
    return {
        r.id: (names.get(r.slack_user_id or "", r.slack_user_id or "someone"), orgs.get(r.organisation_id))
        for r in responses
    }


def _by_category(session: Session, survey: Survey, recipients) -> list[CategoryRate]:
    org_ids = {r.organisation_id for r in recipients if r.organisation_id is not None}
    if not org_ids:
        return []
    categories: dict[int, set[str]] = {}
    for org_id, category in session.execute(
        select(Service.organisation_id, Service.category).where(Service.organisation_id.in_(org_ids))
    ):
        categories.setdefault(org_id, set()).add(category.strip().lower())
    rows = []
    for category in sorted({c for cs in categories.values() for c in cs}):
        members = [r for r in recipients if category in categories.get(r.organisation_id, set())]
        orgs = {r.organisation_id for r in members}
        orgs_answered = {r.organisation_id for r in members if r.answered}
        people = Rate(sum(1 for r in members if r.answered), len(members))
        rows.append(
            CategoryRate(
                category=category,
                people=people,
                organisations=Rate(len(orgs_answered), len(orgs)),
                suppressed=survey.anonymous and people.reached < SMALLEST_GROUP,
            )
        )
    return rows


def _category_groups(session: Session, responses) -> dict[str, list[dict]]:
    """Each service category's answers (answer dicts) from the organisations with a service in it."""
    org_ids = {r.organisation_id for r in responses if r.organisation_id is not None}
    categories: dict[int, set[str]] = {}
    if org_ids:
        for org_id, category in session.execute(
            select(Service.organisation_id, Service.category).where(Service.organisation_id.in_(org_ids))
        ):
            categories.setdefault(org_id, set()).add(category.strip().lower())
    groups: dict[str, list[dict]] = {}
    for response in responses:
        for category in categories.get(response.organisation_id, {NO_CATEGORY}):
            groups.setdefault(category, []).append(response.answers)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == NO_CATEGORY, item[0])))


def answers_by_category(
    question: Question, groups: dict[str, list[dict]], *, anonymous: bool = False
) -> list[CategoryAnswers]:
    """A rating or choice question's answers per category; text questions have none.

    `anonymous` drops every group of fewer than 5 answers. Anonymous answers carry no organisation, so
    `survey_results` never builds groups for them; the rule is held here too, so that no caller can
    show a small anonymous group, whatever grouping it brings.
    """
    if question.kind != RATING and question.kind not in CHOICE_KINDS:
        return []
    rows = []
    for category, answer_sets in groups.items():
        values = [a[question.id] for a in answer_sets if a.get(question.id) is not None]
        if not values or (anonymous and len(values) < SMALLEST_GROUP):
            continue
        if question.kind == RATING:
            rows.append(CategoryAnswers(category, len(values), mean=sum(values) / len(values)))
        else:
            chosen = [set(v if isinstance(v, list) else [v]) for v in values]
            counts = [(option, sum(1 for c in chosen if option in c)) for option in question.options]
            rows.append(CategoryAnswers(category, len(values), counts=counts))
    return rows


def _questions(
    session: Session, survey: Survey, responses, labels, *, group_text: bool
) -> list[QuestionResult]:
    themes = ordered_themes(session) if group_text else []
    results = []
    for question in questions_of(survey):
        values = [
            (r, r.answers.get(question.id)) for r in responses if r.answers.get(question.id) is not None
        ]
        if question.kind == RATING:
            counts = [(str(n), sum(1 for _, v in values if v == n)) for n in RATING_VALUES]
            mean = sum(v for _, v in values) / len(values) if values else None
            results.append(QuestionResult(question, len(values), counts=counts, mean=mean))
        elif question.kind in CHOICE_KINDS:
            chosen = [set(v if isinstance(v, list) else [v]) for _, v in values]
            counts = [(option, sum(1 for c in chosen if option in c)) for option in question.options]
            results.append(QuestionResult(question, len(values), counts=counts))
        else:
            grouped: dict[str, list[TextAnswer]] = {}
            for response, text in values:
                suggestion = suggest_theme(session, text, themes) if themes else None
                theme = suggestion.theme.name if suggestion else OTHER_THEME
                by = None
                if not survey.anonymous and response.id in labels:
                    name, org = labels[response.id]
                    by = f"{name} ({org})" if org else name
                grouped.setdefault(theme, []).append(TextAnswer(text, by))
            ordered = sorted(
                grouped.items(), key=lambda item: (item[0] == OTHER_THEME, -len(item[1]), item[0])
            )
            results.append(QuestionResult(question, len(values), themes=ordered))
    return results


def surveys_closed_between(session: Session, start: datetime, end: datetime) -> list[SurveyResults]:
    """Results of the surveys that closed in a period (the board report's section)."""
    ids = session.scalars(
        select(Survey.id)
        .where(Survey.state == SurveyState.CLOSED, Survey.closed_at >= start, Survey.closed_at < end)
        .order_by(Survey.closed_at, Survey.id)
    ).all()
    return [survey_results(session, survey_id) for survey_id in ids]


def answer_text(question: Question, value) -> str:
    """An answer as one cell of text (the CSV, a named respondent's line)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
