"""`linkedup survey template | create FILE.yaml | list | results ID [--csv FILE] | close ID`.

`template` writes the "Have your say" template (`surveys/templates/have_your_say.yaml`) to edit;
`create` reads a survey file, refuses it whole with each problem's line, and creates a draft: the
officer gets its note in Slack with Preview and Send it now, so nothing reaches the network from the
command line unseen. On the demo network (every organisation made up) the survey reaches the made-up
members, and says so; anywhere else it never does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bot.settings import load_settings
from models.base import utcnow
from models.db import transaction
from models.errors import DomainError


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("survey", help="surveys to the network: create from a file, list, results")
    actions = parser.add_subparsers(dest="survey_action", required=True, metavar="ACTION")

    template = actions.add_parser("template", help='write the "Have your say" template to edit')
    template.add_argument("--out", type=Path, default=Path("have-your-say.yaml"), help="where to write it")
    template.set_defaults(func=run_template)

    create = actions.add_parser("create", help="create a draft survey from a YAML file")
    create.add_argument("file", type=Path, help="the survey file (see surveys/templates/have_your_say.yaml)")
    create.add_argument("--closes", help="closing date YYYY-MM-DD, replacing the file's")
    create.add_argument("--officer", help="the officer's Slack id (default: the network's first officer)")
    create.set_defaults(func=run_create)

    listing = actions.add_parser("list", help="every survey with its state and response rate")
    listing.set_defaults(func=run_list)

    results = actions.add_parser("results", help="a survey's results; --csv writes them for a spreadsheet")
    results.add_argument("survey", metavar="ID", help="the survey's number")
    results.add_argument("--csv", type=Path, help="write the results to this CSV file")
    results.set_defaults(func=run_results)

    close = actions.add_parser("close", help="close an open survey now (it closes by itself on its date)")
    close.add_argument("survey", metavar="ID", help="the survey's number")
    close.set_defaults(func=run_close)


def run_template(args) -> int:
    from surveys.file import TEMPLATE

    if args.out.exists():
        raise CommandError(f"{args.out} exists already: give another --out, or edit that one")
    args.out.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    print(
        f"Wrote {args.out}: the Have your say template (14 questions from the 2016 report's themes). "
        f"Edit it, then `linkedup survey create {args.out} --closes YYYY-MM-DD`."
    )
    return 0


def _renderer():
    from handlers.survey_views import RENDERER

    return RENDERER


@needs_database
def run_create(args) -> int:
    import yaml

    from models.membership import officer_ids
    from surveys.file import SurveyFileError, read_definition
    from surveys.lifecycle import create_survey, is_demo

    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file")
    text = args.file.read_text(encoding="utf-8")
    if args.closes:
        try:
            date.fromisoformat(args.closes)
        except ValueError:
            raise CommandError(f"--closes {args.closes!r} is not a date like 2027-01-29") from None
        data = yaml.safe_load(text) if text.strip() else None
        if isinstance(data, dict):
            text = _replace_closes(text, args.closes)
    now = utcnow()
    try:
        definition = read_definition(text, now=now, source=args.file.name)
    except SurveyFileError as error:
        raise CommandError(str(error)) from None
    context = build_context(load_settings())
    with transaction(context.session_factory) as session:
        demo = is_demo(session)
        if demo:
            print("The demo network: the survey reaches its made-up members.")
        officer = args.officer or next(iter(officer_ids(session)), None)
        if officer is None:
            raise CommandError(
                "The network has no officer to send the survey's note to: load the network file."
            )
        try:
            survey = create_survey(
                session,
                definition,
                officer=officer,
                now=now,
                render=_renderer(),
                source="file",
                simulated=demo,
            )
        except DomainError as error:
            problems = getattr(error, "errors", None)
            raise CommandError(
                f"{args.file.name}: " + ("; ".join(problems.values()) if problems else str(error))
            ) from None
        print(
            f"Survey #{survey.id} “{survey.title}”: {len(survey.questions)} questions, would reach "
            f"{survey.audience_text}. A draft: the officer has its note in Slack (Preview, Send it now)."
        )
    return 0


def _replace_closes(text: str, closes: str) -> str:
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("closes:"):
            lines[n] = f"closes: {closes}"
            return "\n".join(lines) + "\n"
    return text + f"\ncloses: {closes}\n"


@needs_database
def run_list(args) -> int:
    from sqlalchemy import select

    from escalations.working_days import describe
    from models.surveys import Survey
    from surveys.lifecycle import rate_counts

    context = build_context(load_settings())
    with transaction(context.session_factory) as session:
        surveys = session.scalars(select(Survey).order_by(Survey.id)).all()
        if not surveys:
            print("No surveys yet: `linkedup survey create FILE.yaml` or `/linkedup survey` in Slack.")
            return 0
        for survey in surveys:
            people, answered, orgs, orgs_answered = rate_counts(session, survey.id)
            print(
                f"#{survey.id}  {survey.state:<6}  {survey.title}  — {answered}/{people} people, "
                f"{orgs_answered}/{orgs} organisations; closes {describe(survey.closes_at)}"
            )
    return 0


@needs_database
def run_results(args) -> int:
    from bot.survey_csv import results_csv
    from reporting.surveys import survey_results

    context = build_context(load_settings())
    with transaction(context.session_factory) as session:
        try:
            results = survey_results(session, args.survey)
        except DomainError as error:
            raise CommandError(str(error)) from None
        print(f"#{results.survey_id} {results.title} ({results.state}) — {results.audience}")
        print(f"  people: {results.people.answered} of {results.people.reached} ({results.people.percent()})")
        print(
            f"  organisations: {results.organisations.answered} of {results.organisations.reached} "
            f"({results.organisations.percent()})"
        )
        print(f"  {results.comparison.sentence()}")
        for row in results.by_category:
            if not row.suppressed:
                print(
                    f"  {row.category}: {row.people.answered}/{row.people.reached} people, "
                    f"{row.organisations.answered}/{row.organisations.reached} organisations"
                )
        if results.withheld:
            print("  Answers withheld: an anonymous survey shows none until 5 are in.")
        for item in results.questions:
            summary = ", ".join(f"{label}: {n}" for label, n in item.counts)
            mean = f" (mean {item.mean:.1f})" if item.mean is not None else ""
            print(
                f"  Q {item.question.text} — {item.answered} answered{mean}"
                + (f": {summary}" if summary else "")
            )
            for theme, texts in item.themes:
                print(f"    {theme}: {len(texts)}")
            for row in item.by_category:
                figures = (
                    f"mean {row.mean:.1f}"
                    if row.mean is not None
                    else ", ".join(f"{label}: {n}" for label, n in row.counts)
                )
                print(f"    {row.category} ({row.answered} answered): {figures}")
        if results.category_note and results.questions:
            print(f"  {results.category_note}")
        if args.csv:
            args.csv.write_text(results_csv(results), encoding="utf-8")
            print(f"Written {args.csv}")
    return 0


@needs_database
def run_close(args) -> int:
    from surveys.lifecycle import close_survey

    context = build_context(load_settings())
    with transaction(context.session_factory) as session:
        try:
            closed = close_survey(session, args.survey, now=utcnow(), render=_renderer())
        except DomainError as error:
            raise CommandError(str(error)) from None
    print(f"Survey #{args.survey} closed." if closed else f"Survey #{args.survey} was not open.")
    return 0
