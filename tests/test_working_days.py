"""Working days in Europe/London: weekends and England-and-Wales bank holidays (from `holidays`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from escalations import working_days as wd
from tests.escalation_fixtures import at


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2026, 6, 1), True, "an ordinary Monday"),
        (date(2026, 6, 6), False, "Saturday"),
        (date(2026, 6, 7), False, "Sunday"),
        (date(2026, 12, 25), False, "Christmas Day (Friday)"),
        (date(2026, 12, 26), False, "Boxing Day (Saturday)"),
        (date(2026, 12, 28), False, "Boxing Day observed on Monday 28 December 2026"),
        (date(2026, 12, 29), True, "the Tuesday after"),
        (date(2027, 3, 26), False, "Good Friday 2027"),
        (date(2027, 3, 29), False, "Easter Monday 2027"),
        (date(2027, 3, 30), True, "the Tuesday after Easter 2027"),
        (date(2026, 5, 4), False, "Early May bank holiday 2026"),
        (date(2026, 8, 31), False, "Summer bank holiday (England, not Scotland's)"),
        (date(2027, 12, 27), False, "Christmas Day observed 2027"),
        (date(2027, 12, 28), False, "Boxing Day observed 2027"),
    ],
)
def test_is_working_day(day, working, why):
    assert wd.is_working_day(day) is working, why


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (date(2026, 6, 1), 1, date(2026, 6, 2), "Monday + 1 = Tuesday"),
        (date(2026, 6, 1), 5, date(2026, 6, 8), "Monday + 5 = next Monday"),
        (date(2026, 6, 5), 1, date(2026, 6, 8), "Friday + 1 skips the weekend"),
        (date(2026, 6, 6), 1, date(2026, 6, 8), "Saturday + 1 = Monday"),
        (
            date(2026, 12, 24),
            1,
            date(2026, 12, 29),
            "Christmas Eve + 1 skips Christmas, Boxing Day and its substitute",
        ),
        (date(2026, 12, 23), 3, date(2026, 12, 30), "23 Dec + 3 = 24, 29, 30 Dec"),
        (date(2027, 3, 25), 1, date(2027, 3, 30), "Thursday before Easter 2027 + 1 = Tuesday after"),
        (date(2027, 3, 24), 5, date(2027, 4, 2), "across Easter 2027"),
        (date(2026, 6, 1), 0, date(2026, 6, 1), "zero days is the day itself"),
    ],
)
def test_add_working_days(start, days, expected, why):
    assert wd.add_working_days(start, days) == expected, why


@pytest.mark.parametrize(
    ("days", "urgent", "expected"),
    [
        (5, False, 5),
        (5, True, 3),
        (1, True, 1),
        (1, False, 1),
        (2, True, 1),
        (10, True, 5),
        (0, False, 1),
        (3, True, 2),
    ],
)
def test_urgent_halves_rounding_up_and_never_below_one(days, urgent, expected):
    assert wd.effective_days(days, urgent=urgent) == expected


@pytest.mark.parametrize(
    ("start", "days", "urgent", "expected"),
    [
        ("2026-06-01 10:00", 1, False, "2026-06-02 18:00"),
        ("2026-06-01 10:00", 5, False, "2026-06-08 18:00"),
        ("2026-06-01 10:00", 5, True, "2026-06-04 18:00"),
        ("2026-06-05 17:59", 1, False, "2026-06-08 18:00"),
        ("2026-06-06 11:00", 1, False, "2026-06-08 18:00"),
        ("2026-12-24 09:00", 5, False, "2027-01-05 18:00"),  # 29, 30, 31 Dec, (1 Jan holiday), 4, 5 Jan
        ("2026-12-24 09:00", 5, True, "2026-12-31 18:00"),
        ("2026-10-23 12:00", 1, False, "2026-10-26 18:00"),  # across the October clock change (GMT)
    ],
)
def test_deadline_is_end_of_the_nth_working_day_in_london(start, days, urgent, expected):
    assert wd.deadline(at(start), days, urgent=urgent) == at(expected)


def test_deadline_uses_the_london_date_not_the_utc_date():
    # 23:30 UTC on Sunday 31 May is 00:30 BST on Monday 1 June: one working day later is Tuesday.
    start = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    assert wd.deadline(start, 1) == at("2026-06-02 18:00")


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-06-01 08:59", False),
        ("2026-06-01 09:00", True),
        ("2026-06-01 17:59", True),
        ("2026-06-01 18:00", False),
        ("2026-06-06 11:00", False),
        ("2026-12-28 11:00", False),
        ("2027-03-26 11:00", False),
    ],
)
def test_working_hours(moment, inside):
    assert wd.in_working_hours(at(moment)) is inside


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-06-01 08:00", "2026-06-01 09:00"),
        ("2026-06-01 12:00", "2026-06-01 12:00"),
        ("2026-06-01 18:30", "2026-06-02 09:00"),
        ("2026-06-05 19:00", "2026-06-08 09:00"),
        ("2026-12-24 18:00", "2026-12-29 09:00"),
        ("2027-03-25 20:00", "2027-03-30 09:00"),
    ],
)
def test_next_working_start(moment, expected):
    assert wd.next_working_start(at(moment)) == at(expected)


@pytest.mark.parametrize(
    ("due", "started", "expected", "why"),
    [
        ("2026-06-08 18:00", "2026-06-01 10:00", "2026-06-05 09:00", "the working day before (Friday)"),
        (
            "2026-06-02 18:00",
            "2026-06-01 10:00",
            "2026-06-02 09:00",
            "started after the day-before slot: same day",
        ),
        (
            "2026-12-29 18:00",
            "2026-12-21 10:00",
            "2026-12-24 09:00",
            "the working day before, across Christmas",
        ),
        ("2026-06-02 18:00", "2026-06-01 08:00", "2026-06-01 09:00", "started early on the day before"),
    ],
)
def test_reminder_time(due, started, expected, why):
    assert wd.reminder_time(at(due), not_before=at(started)) == at(expected), why


def test_snooze_goes_to_the_next_working_morning():
    assert wd.start_of_next_working_day(at("2026-12-24 10:00")) == at("2026-12-29 09:00")
    assert wd.start_of_next_working_day(at("2026-06-05 10:00")) == at("2026-06-08 09:00")


def test_holiday_names_come_from_the_library():
    assert wd.bank_holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert wd.bank_holiday_name(date(2026, 6, 2)) is None


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        wd.deadline(datetime(2026, 6, 1, 10, 0), 1)
    with pytest.raises(ValueError):
        wd.add_working_days(date(2026, 6, 1), -1)
