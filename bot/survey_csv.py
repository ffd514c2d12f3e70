"""A survey's results as one CSV a spreadsheet opens safely (`linkedup survey results ID --csv FILE`).

Tables one after another, each with its header, separated by a blank line: the response rates
(the same row the board report gives, `reporting.board_report.surveys.survey_row`), the rates by
service category, the count of each answer to each question with the text answers grouped by theme,
and each rating and choice question's answers by service category (named surveys only). Named surveys
add who answered. Cells are neutralised against formula injection by `bot.spreadsheet` (defusedcsv is
not installed here, and that module explains why it was not chosen); a byte-order mark starts the
file, once.
"""

from __future__ import annotations

from bot.spreadsheet import BOM, csv_text
from reporting.board_report.surveys import surveys_table
from reporting.board_report.tables import Column, Table
from reporting.surveys import SurveyResults, answer_text
from surveys.definition import KINDS


def result_tables(results: SurveyResults) -> list[Table]:
    rates = surveys_table([results])
    rates.slug, rates.title = "rates", "Response rates"
    categories = Table(
        slug="categories",
        title="By service category",
        columns=[
            Column("Service category"),
            Column("People reached", "int"),
            Column("People answered", "int"),
            Column("Organisations reached", "int"),
            Column("Organisations answered", "int"),
        ],
        rows=[
            [
                c.category,
                c.people.reached,
                c.people.answered,
                c.organisations.reached,
                c.organisations.answered,
            ]
            for c in results.by_category
            if not c.suppressed
        ],
    )
    counts = Table(
        slug="answers",
        title="Answers",
        columns=[Column("Question"), Column("Kind"), Column("Answer"), Column("Count", "int")],
    )
    for item in results.questions:
        kind = KINDS[item.question.kind]
        for label, number in item.counts:
            counts.rows.append([item.question.text, kind, label, number])
        for theme, texts in item.themes:
            for text in texts:
                counts.rows.append([item.question.text, kind, f"[{theme}] {text.text}", 1])
    tables = [rates, categories, counts, answers_by_category_table(results)]
    if results.respondents:
        questions = [q.question for q in results.questions]
        people = Table(
            slug="respondents",
            title="Who said what",
            columns=[Column("Name"), Column("Organisation"), *[Column(q.text) for q in questions]],
            rows=[
                [r.name, r.organisation or "", *[answer_text(q, r.answers.get(q.id)) for q in questions]]
                for r in results.respondents
            ],
        )
        tables.append(people)
    return tables


def answers_by_category_table(results: SurveyResults) -> Table:
    """Each rating and choice question's answers per service category, one row a figure: a rating's
    mean, or a choice's count of one option, with the category's number of answers beside it. Empty
    for an anonymous survey (its note says why), so the CSV holds exactly what the page shows."""
    table = Table(
        slug="answers_by_category",
        title="Answers by service category",
        columns=[
            Column("Question"),
            Column("Kind"),
            Column("Service category"),
            Column("Answers", "int"),
            Column("Answer"),
            Column("Count", "int"),
            Column("Mean rating", "ratio"),
        ],
        note=results.category_note,
    )
    for item in results.questions:
        kind = KINDS[item.question.kind]
        for row in item.by_category:
            if row.mean is not None:
                table.rows.append([item.question.text, kind, row.category, row.answered, "", None, row.mean])
            for label, number in row.counts:
                table.rows.append([item.question.text, kind, row.category, row.answered, label, number, None])
    return table


def results_csv(results: SurveyResults) -> str:
    parts = [csv_text(table).removeprefix(BOM) for table in result_tables(results)]
    return BOM + "\r\n".join(parts)
