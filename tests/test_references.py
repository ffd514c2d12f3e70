"""References: unique and in order under concurrency, given back when a submission rolls back.

On PostgreSQL the number is taken in a transaction of its own (so the counter row is never locked
for the length of a submission) and given back when the submission's transaction or savepoint
rolls back; on SQLite it is taken inside the transaction. Both must look the same from outside.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from intake.references import next_reference
from models.records import ReferenceCounter

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
THREADS = 4
EACH = 6


def _counters(db) -> list[tuple[str, int, int]]:
    db.rollback()
    return [
        tuple(row)
        for row in db.execute(select(ReferenceCounter.prefix, ReferenceCounter.year, ReferenceCounter.last))
    ]


def test_references_run_in_order_per_prefix_and_year(session_factory):
    with session_factory() as db:
        taken = [next_reference(db, at=AT) for _ in range(3)]
        taken.append(next_reference(db, at=AT, prefix="JR"))
        taken.append(next_reference(db, at=datetime(2027, 1, 1, tzinfo=UTC)))
        db.commit()
        assert taken == ["LU-2026-0001", "LU-2026-0002", "LU-2026-0003", "JR-2026-0001", "LU-2027-0001"]
        assert sorted(_counters(db)) == [("JR", 2026, 1), ("LU", 2026, 3), ("LU", 2027, 1)]


def test_concurrent_submissions_get_distinct_consecutive_numbers(session_factory):
    errors: list[BaseException] = []
    taken: list[str] = []
    start = threading.Barrier(THREADS)

    def submit() -> None:
        try:
            start.wait()
            for _ in range(EACH):
                with session_factory() as db:
                    reference = next_reference(db, at=AT)
                    db.commit()
                    taken.append(reference)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(taken) == [f"LU-2026-{n:04d}" for n in range(1, THREADS * EACH + 1)]


def test_a_rolled_back_submission_uses_up_no_number(session_factory):
    with session_factory() as db:
        assert next_reference(db, at=AT) == "LU-2026-0001"
        db.rollback()
        assert _counters(db) == [], "the year's first number given back leaves no counter"
        assert next_reference(db, at=AT) == "LU-2026-0001"
        assert next_reference(db, at=AT) == "LU-2026-0002"
        db.commit()
        assert next_reference(db, at=AT) == "LU-2026-0003"
        db.rollback()
        assert _counters(db) == [("LU", 2026, 2)]


def test_a_rolled_back_savepoint_gives_back_what_it_took_and_a_released_one_keeps_it(session_factory):
    with session_factory() as db:
        assert next_reference(db, at=AT) == "LU-2026-0001"
        with pytest.raises(RuntimeError), db.begin_nested():
            assert next_reference(db, at=AT) == "LU-2026-0002"
            raise RuntimeError("the same month was sent meanwhile")
        with db.begin_nested():
            assert next_reference(db, at=AT) == "LU-2026-0002", "the savepoint's number came back"
        assert next_reference(db, at=AT) == "LU-2026-0003"
        db.commit()
        assert _counters(db) == [("LU", 2026, 3)]


def test_the_counter_is_not_locked_while_a_submission_is_open(backend, session_factory):
    """PostgreSQL: a second submission gets its number while the first is still in its transaction."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: the second submission waits for the first")
    first, second = session_factory(), session_factory()
    try:
        assert next_reference(first, at=AT) == "LU-2026-0001"
        answer: list[str] = []
        other = threading.Thread(target=lambda: answer.append(next_reference(second, at=AT)))
        other.start()
        other.join(10)
        assert answer == ["LU-2026-0002"], "the second submission did not wait for the first to end"
        second.commit()
        first.rollback()
        assert _counters(first) == [("LU", 2026, 2)], (
            "a failed number is given back only while it is the last one: here it stays a gap"
        )
        first.rollback()
        assert next_reference(first, at=AT) == "LU-2026-0003"
    finally:
        first.close()
        second.close()


def test_numbers_of_a_committed_submission_are_never_given_back(session_factory):
    with session_factory() as db:
        next_reference(db, at=AT)
        db.commit()
        db.rollback()
        assert db.scalar(select(func.max(ReferenceCounter.last))) == 1
