"""Concurrent resubmissions of one month's return: every revision counted, none overwritten unseen."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from intake.returns import record_return
from models import AuditLog
from models.returns import WaitingListReturn
from tests import factories

THREADS = 4
EACH = 5


def test_parallel_resubmissions_lose_no_revision(session_factory):
    with session_factory() as db:
        org = factories.organisation(db, members=tuple(f"U0RET{n:05d}" for n in range(THREADS)))
        service_id = factories.service(db, org).id
        db.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def submit(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with session_factory() as db:
                    record_return(
                        db,
                        slack_user_id=f"U0RET{n:05d}",
                        service=service_id,
                        period="2026-10",
                        number_waiting=10 + i,
                        new_referrals=2,
                        median_wait_weeks=3,
                        longest_wait_weeks=8,
                        capacity_status="waitlist_only",
                        today=date(2026, 11, 23),
                    )
                    db.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with session_factory() as db:
        row = db.scalar(select(WaitingListReturn))
        assert db.scalar(select(func.count()).select_from(WaitingListReturn)) == 1
        assert row.revision == THREADS * EACH
        audited = db.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity_id == row.reference)
        )
        assert audited == THREADS * EACH
