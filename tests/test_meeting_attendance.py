"""Attendance at board meetings is a recorded fact (issue 13): the officer records once, with
`linkedup meeting attendance`, whether the sector's representative went, and every board report reads
it; a report's edits file can still say otherwise for that report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from models.attendance import MeetingAttendance, record_attendance
from models.network import Board, Meeting
from models.records import AuditLog
from reporting.board_report.edits import parse_edits
from reporting.board_report.report import build_board_report
from reporting.periods import parse_period
from tests import factories
from tests.test_bulletin_compile import cli_database_url

Q3 = parse_period("2026Q3")
AFTER = datetime(2026, 11, 1, tzinfo=UTC)
MEETINGS = (  # 14 July and 10 September 2026 at 18:00 in London; one next year, not yet held
    datetime(2026, 7, 14, 17, 0, tzinfo=UTC),
    datetime(2026, 9, 10, 17, 0, tzinfo=UTC),
    datetime(2027, 1, 15, 18, 0, tzinfo=UTC),
)


def _board_with_meetings(db):
    board = factories.board(db, representative_slack_user_id="U0REP00001")
    for number, moment in enumerate(MEETINGS):
        db.add(Meeting(board=board, title="Children's Trust Board", starts_at=moment, uid=f"ctb-{number}"))
    db.commit()
    return board


def _attendance(db, edits=None) -> str:
    report = build_board_report(db, Q3, now=AFTER, edits=edits)
    return {seat.slug: seat.attendance for seat in report.seats}["ctb"]


def _audits(db) -> int:
    return db.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "meeting.attendance"))


def test_recorded_attendance_reaches_the_report_and_the_edits_file_overrides_it(
    engine, db, monkeypatch, capsys
):
    from bot.cli import main

    _board_with_meetings(db)
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    assert _attendance(db) == "not recorded"

    assert main(["meeting", "attendance", "ctb", "2026-07-14", "yes"]) == 0
    assert "Tuesday 14 July 2026, 18:00: the sector's representative attended (recorded)" in (
        capsys.readouterr().out
    )
    db.expire_all()
    assert _attendance(db) == "1 of 1"
    assert main(["meeting", "attendance", "Children's Trust Board", "2026-09-10", "no"]) == 0
    db.expire_all()
    assert _attendance(db) == "1 of 2"
    # Recording the same again changes nothing and audits nothing.
    assert main(["meeting", "attendance", "CTB", "2026-09-10", "no"]) == 0
    assert "(already recorded)" in capsys.readouterr().out
    db.expire_all()
    assert _audits(db) == 2

    # The report's edits file wins for that report, and only for the meeting it names.
    edits = parse_edits("attendance:\n  ctb:\n    2026-09-10: yes\n")
    assert _attendance(db, edits) == "2 of 2"
    assert _attendance(db) == "1 of 2"
    # The drafted edits file shows what is recorded, for the officer to change.
    drafted = build_board_report(db, Q3, now=AFTER).edits_file
    assert "  ctb:\n    2026-07-14: yes\n    2026-09-10: no\n" in drafted

    assert main(["meeting", "attendance", "ctb", "2026-09-10", "unknown"]) == 0
    assert "attendance no longer recorded" in capsys.readouterr().out
    db.expire_all()
    assert _attendance(db) == "1 of 1" and _audits(db) == 3

    assert main(["meeting", "attendance", "ctb"]) == 0
    listed = capsys.readouterr().out
    assert "Tue 14 July 2026, 18:00  attended" in listed
    assert "Thu 10 September 2026, 18:00  not recorded" in listed
    assert "2027" not in listed  # not held yet


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["nope", "2026-07-14", "yes"], "no board called 'nope'"),
        (["ctb", "14/07/2026", "yes"], "is not a date like 2026-07-14"),
        (["ctb", "2026-07-14", "maybe"], "answer yes, no or unknown"),
        (["ctb", "2026-07-14"], "say whether the representative attended"),
        (["ctb", "2026-07-15", "yes"], "held no meeting on 15 July 2026"),
        (["ctb", "2027-01-15", "yes"], "held no meeting on 15 January 2027"),  # not yet held
    ],
)
def test_attendance_refusals_say_what_to_do(engine, db, monkeypatch, capsys, arguments, says):
    from bot.cli import main

    _board_with_meetings(db)
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    assert main(["meeting", "attendance", *arguments]) == 2
    assert says in capsys.readouterr().err
    db.expire_all()
    assert db.scalar(select(func.count(MeetingAttendance.id))) == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(st.tuples(st.sampled_from((0, 1)), st.sampled_from((True, False, None))), max_size=8),
    override=st.sampled_from((None, True, False)),
)
def test_the_report_reads_the_last_answer_recorded_unless_the_edits_file_says(db, steps, override):
    db.execute(delete(MeetingAttendance))
    db.execute(delete(Meeting))
    db.execute(delete(AuditLog))
    db.commit()
    board = db.scalar(select(Board).where(Board.slug == "ctb"))
    if board is None:
        board = factories.board(db, representative_slack_user_id="U0REP00001")
    for number, moment in enumerate(MEETINGS):
        db.add(Meeting(board=board, title="CTB", starts_at=moment, uid=f"ctb-{number}"))
    db.commit()
    meetings = db.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    last: dict[int, bool | None] = {}
    for index, attended in steps:
        record_attendance(db, meetings[index], attended, actor="U0OFFICER1")
        last[index] = attended
    db.commit()
    final = {index: went for index, went in last.items() if went is not None}
    edits = None
    if override is not None:
        edits = parse_edits(f"attendance:\n  ctb:\n    2026-09-10: {'yes' if override else 'no'}\n")
        final[1] = override
    expected = f"{sum(final.values())} of {len(final)}" if final else "not recorded"
    assert _attendance(db, edits) == expected
    changes = sum(1 for i, (_, went) in enumerate(steps) if went != _previous(steps, i))
    assert _audits(db) == changes


def _previous(steps, i) -> bool | None:
    """The answer recorded for step i's meeting before step i."""
    index = steps[i][0]
    earlier = [went for number, went in steps[:i] if number == index]
    return earlier[-1] if earlier else None


def test_the_officer_records_attendance_on_the_dashboards_report_page(app, db):
    from tests.dashboard_support import CJCG_MEMBER, OFFICER, build_world, csrf_of, sign_in

    board = build_world(db, now=datetime(2026, 8, 20, 12, 0, tzinfo=UTC)).ctb
    board.representative_slack_user_id = "U0REP00001"
    for number, moment in enumerate(MEETINGS):
        db.add(Meeting(board=board, title="Children's Trust Board", starts_at=moment, uid=f"ctb-{number}"))
    db.commit()
    july, september, _ = db.scalars(select(Meeting).order_by(Meeting.starts_at)).all()

    officer = sign_in(app, db, OFFICER)
    page = officer.get("/dashboard/report?period=2026Q3").get_data(as_text=True)
    assert f'name="meeting-{july.id}"' in page and f'name="meeting-{september.id}"' in page
    assert "Tuesday 14 July 2026, 18:00" in page
    token = csrf_of(officer)
    answer = officer.post(
        "/dashboard/report/attendance",
        data={
            "csrf_token": token,
            "period": "2026Q3",
            f"meeting-{july.id}": "yes",
            f"meeting-{september.id}": "no",
        },
    )
    assert answer.status_code == 302 and "period=2026Q3" in answer.headers["Location"]
    db.expire_all()
    assert _attendance(db) == "1 of 2"
    shown = officer.get(answer.headers["Location"]).get_data(as_text=True)
    assert "2 meetings updated" in shown and '<option value="yes" selected>' in shown

    bad = {"csrf_token": token, "period": "2026Q3", f"meeting-{july.id}": "perhaps"}
    assert officer.post("/dashboard/report/attendance", data=bad).status_code == 400
    later = db.scalars(select(Meeting).order_by(Meeting.starts_at.desc())).first()
    ahead = {"csrf_token": token, "period": "2026Q3", f"meeting-{later.id}": "yes"}
    assert officer.post("/dashboard/report/attendance", data=ahead).status_code == 400
    member = sign_in(app, db, CJCG_MEMBER)
    refused = {"csrf_token": csrf_of(member), "period": "2026Q3", f"meeting-{july.id}": "no"}
    assert member.post("/dashboard/report/attendance", data=refused).status_code == 403
    db.expire_all()
    assert _attendance(db) == "1 of 2"
