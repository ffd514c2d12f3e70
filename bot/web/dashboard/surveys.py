"""The officer's survey pages: every survey with its live response rate, and one survey's results.

The figures come from `reporting.surveys.survey_results`, the same the CSV and the board report use.
While a survey is open the page shows its live response rate; once closed, a chart per question
with its data as a table (the chart's text alternative), the free text grouped by theme and, for a
named survey, who said what. Officer only: named answers are for her eyes.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from bot import charts
from bot.web.dashboard import bp
from bot.web.dashboard.web import db, signed_in
from models.errors import NotAllowed
from models.surveys import Survey
from reporting.access import Viewer
from reporting.surveys import survey_results
from surveys.definition import KINDS


def _officer_only(viewer: Viewer) -> None:
    if not viewer.officer:
        raise NotAllowed("Survey results are for the network's officer.")


@bp.get("/surveys")
@signed_in
def surveys(viewer: Viewer):
    _officer_only(viewer)
    ids = db().scalars(select(Survey.id).order_by(Survey.id.desc()).limit(50)).all()
    rows = [survey_results(db(), survey_id, group_text=False) for survey_id in ids]
    return render_template("dashboard/surveys.html", viewer=viewer, rows=rows)


@bp.get("/surveys/<int:survey_id>")
@signed_in
def survey(viewer: Viewer, survey_id: int):
    _officer_only(viewer)
    results = survey_results(db(), survey_id)
    question_charts = []
    if results.closed:
        for item in results.questions:
            chart = None
            if item.counts:
                chart = charts.bar_chart(
                    item.question.text,
                    item.counts,
                    value_label="Answers",
                    category_label="Rating" if item.question.kind == "rating" else "Answer",
                )
            question_charts.append((item, chart))
    return render_template(
        "dashboard/survey.html",
        viewer=viewer,
        results=results,
        question_charts=question_charts,
        kinds=KINDS,
    )
