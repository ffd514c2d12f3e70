"""The board report's figures defects of issue 13 (and issue 12's unapproved applicants), each pinned:
coverage over what was due that month, member organisations as at the date, the benchmark verdict on
the open rate without machine opens, and the number waiting from each service's latest return."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from bulletins.performance import snapshot_figures
from models.bulletins import Bulletin, BulletinReport
from models.joining import JoinRequest, RequestKind, RequestStatus
from models.network import OrganisationStatus
from models.returns import CapacityStatus, WaitingListReturn
from reporting.board_report.report import build_board_report, parse_quarter
from tests import factories

_references = itertools.count(1)


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def _return(db, service, month: str, waiting: int) -> None:
    db.add(
        WaitingListReturn(
            reference=f"WL-T-{next(_references):04d}",
            service_id=service.id,
            period=date.fromisoformat(month + "-01"),
            number_waiting=waiting,
            new_referrals=1,
            median_wait_weeks=4,
            longest_wait_weeks=9,
            capacity_status=CapacityStatus.NO_CAPACITY,
            submitted_by="U0MEMBER01",
        )
    )
    db.flush()


def _registered(db, name: str, *, applied: str, approved: str | None, members: tuple[str, ...]):
    """An organisation that came in through the join form: applied, then approved (or still waiting)."""
    status = OrganisationStatus.APPROVED if approved else OrganisationStatus.PENDING
    organisation = factories.organisation(db, name, members=members, status=status)
    organisation.created_at = _at(applied)
    db.add(
        JoinRequest(
            reference=f"JR-T-{next(_references):04d}",
            kind=RequestKind.REGISTER,
            slack_user_id=members[0],
            organisation_id=organisation.id,
            status=RequestStatus.APPROVED if approved else RequestStatus.PENDING,
            decided_at=_at(approved) if approved else None,
            created_at=_at(applied),
        )
    )
    db.flush()
    return organisation


@pytest.fixture
def network(db):
    """A founding member since January; one that applied on 10 August and was approved on 3 October;
    an applicant never approved, whose services send returns anyway."""
    founding = factories.organisation(db, "Founding Carers", members=("U0MEMBER01",))
    founding.created_at = _at("2026-01-10")
    young = factories.service(db, founding, "Young carers group", category="young carers")
    abuse = factories.service(db, founding, "Safe at home", category="domestic abuse")
    for service in (young, abuse):
        service.created_at = _at("2026-01-10")
    late = _registered(
        db, "Late Joiners", applied="2026-08-10", approved="2026-10-03", members=("U0LATE0001",)
    )
    late_service = factories.service(db, late, "Late club", category="young carers")
    late_service.created_at = _at("2026-08-10")
    applicant = _registered(
        db, "Never Approved", applied="2026-07-01", approved=None, members=("U0APPL0001",)
    )
    applicant_service = factories.service(db, applicant, "=HYPERLINK(1)", category="young carers")
    applicant_service.created_at = _at("2026-07-01")
    db.flush()
    for month in ("2026-07", "2026-08", "2026-09"):
        _return(db, young, month, 10)
        _return(db, late_service, month, 5)
        _return(db, applicant_service, month, 900)
    _return(db, abuse, "2026-10", 125)  # October: 125 families waiting for domestic-abuse support
    _return(db, young, "2026-11", 40)  # a November return must not hide October's
    db.commit()
    return {"young": young, "abuse": abuse, "late": late_service, "applicant": applicant_service}


def test_coverage_counts_what_was_due_that_month(db, network):
    """Defect 1: each month's denominator is that month's services, of organisations approved by the
    time its return fell due (the month after); an applicant's services and returns never count, so
    coverage cannot pass 100%."""
    report = build_board_report(db, parse_quarter("2026Q3"))
    rows = {row[0]: row[1:] for row in report.tables["returns_coverage"].rows}
    # Late Joiners, approved on 3 October, owe September's return (due in October), not August's.
    # The applicant never owes one.
    assert rows == {
        "July 2026": [2, 1, 0.5],
        "August 2026": [2, 1, 0.5],
        "September 2026": [3, 2, pytest.approx(2 / 3)],
    }
    q4 = {
        row[0]: row[1:]
        for row in build_board_report(db, parse_quarter("2026Q4")).tables["returns_coverage"].rows
    }
    assert q4["October 2026"] == [3, 1, pytest.approx(1 / 3)]
    assert q4["November 2026"] == [3, 1, pytest.approx(1 / 3)]


def test_members_at_the_end_of_the_quarter_are_those_approved_by_then(db, network):
    """Defect 1: member organisations as at the date, by when each was approved."""
    figures = {row[0]: row[1] for row in build_board_report(db, parse_quarter("2026Q3")).key_figures.rows}
    assert figures["Member organisations at the end of the quarter"] == 1
    assert figures["Organisations that joined in the quarter"] == 0
    figures = {row[0]: row[1] for row in build_board_report(db, parse_quarter("2026Q4")).key_figures.rows}
    assert figures["Member organisations at the end of the quarter"] == 2
    assert figures["Organisations that joined in the quarter"] == 1


def test_number_waiting_uses_each_services_latest_return_in_the_period(db, network):
    """Defect 3: a November return does not hide October's 125 waiting; the count says how many
    services it covers; an unapproved applicant's 900 are not there."""
    report = build_board_report(db, parse_quarter("2026Q4"))
    assert {(w.category, w.number_waiting, w.services) for w in report.number_waiting} == {
        ("domestic abuse", 125, 1),
        ("young carers", 40, 1),
    }
    q3 = build_board_report(db, parse_quarter("2026Q3"))
    assert {(w.category, w.number_waiting, w.services) for w in q3.number_waiting} == {
        ("young carers", 15, 2)
    }
    monthly = {(row[0], row[1]): row[3] for row in q3.tables["waiting_lists"].rows}
    assert monthly[("September 2026", "young carers")] == 15  # the applicant's 900 left out


def _report(delivered: int, opens: int, human_rate: float) -> BulletinReport:
    return BulletinReport(
        bulletin=Bulletin(month="2026-09", subject="s", html="x", text="x"),
        checkpoint="7d",
        emails_sent=delivered,
        delivered=delivered,
        unique_opens=opens,
        open_rate=opens / delivered,
        proxy_excluded_open_rate=human_rate,
        proxy_excluded_unique_opens=round(human_rate * delivered),
        unique_clicks=0,
    )


def test_benchmark_verdict_is_on_the_open_rate_without_machine_opens():
    """Defect 2: 30% with Apple's machine opens, 17.6% without: never "above" the 20.3% benchmark."""
    small = snapshot_figures(_report(232, 70, 0.176), 0.203, trials=232)
    assert small["versus_benchmark"] == "in line"  # 232 contacts: 17.6% is within noise of 20.3%
    assert small["open_rate"] == pytest.approx(70 / 232)  # shown beside it
    assert small["people_open_rate"] == pytest.approx(0.176) and small["people_interval"].contains(0.176)
    large = snapshot_figures(_report(5000, 1500, 0.176), 0.203, trials=5000)
    assert large["versus_benchmark"] == "below"
    people_only = snapshot_figures(_report(232, 70, 0.30), 0.203, trials=232)
    assert people_only["versus_benchmark"] == "above"


def test_the_dashboards_waiting_lists_count_what_the_report_counts(db, network):
    """Issue 12: an applicant the officer never approved is not in the dashboard's waiting lists either;
    each month holds the returns of the services due that month, as in the report."""
    from reporting.board_report.timeliness import REPORT_VIEWER
    from reporting.waiting import capacity_now, waiting_by_category

    periods, series = waiting_by_category(db, REPORT_VIEWER, months=3, until=date(2026, 9, 1))
    assert [cell.number_waiting for cell in series["young carers"]] == [10, 10, 15]
    assert [cell.services for cell in series["young carers"]] == [1, 1, 2]
    report = build_board_report(db, parse_quarter("2026Q3"))
    monthly = {(row[0], row[1]): row[3] for row in report.tables["waiting_lists"].rows}
    assert [monthly[(p.strftime("%B %Y"), "young carers")] for p in periods] == [10, 10, 15]
    capacity = {row.category: row.services for row in capacity_now(db, REPORT_VIEWER)}
    assert capacity == {"young carers": 2, "domestic abuse": 1}  # the applicant's service left out
