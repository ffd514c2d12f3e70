"""`linkedup simulate` runs "Have your say" once a year through the real survey code, and its health figures
include the response rate, the same figure the survey's results give."""

from __future__ import annotations

from sqlalchemy import select

from models import Survey, SurveyRecipient, SurveyResponse, SurveyState
from reporting.surveys import survey_results
from simulation import simulate_year
from tests.test_simulation import START, load_demo


def test_a_simulated_quarter_runs_the_survey_and_reports_its_response_rate(session_factory):
    load_demo(session_factory)
    figures = simulate_year(session_factory, months=3, seed=7, start=START)
    with session_factory() as session:
        surveys = session.scalars(select(Survey)).all()
        assert len(surveys) == 1 and surveys[0].state is SurveyState.CLOSED and surveys[0].simulated
        results = survey_results(session, surveys[0].id)
        answered = session.scalars(select(SurveyRecipient).where(SurveyRecipient.answered)).all()
        responses = session.scalars(select(SurveyResponse)).all()
    # Anonymous: one answer row per answering person, none naming anyone.
    assert len(responses) == len(answered) > 0
    assert all(r.slack_user_id is None and r.organisation_id is None for r in responses)
    assert figures.surveys == 1
    share = figures.survey_response
    assert (share.count, share.total) == (results.organisations.answered, results.organisations.reached)
    assert figures.survey_versus_2016 == results.comparison.verdict
    assert any(line.startswith("  Survey response rate:") for line in figures.lines())
