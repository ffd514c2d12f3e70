"""Whether the sector's representative attended a board meeting: a fact the officer records once
(`linkedup meeting attendance`, or the dashboard's report page) and every report then reads, instead
of re-typing it into each report's edits file. The edits file can still override it for one report.

No text columns: who recorded it, and when, is the audit log's line (`meeting.attendance`)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.audit import record
from models.base import Base, Timestamps
from models.network import Meeting


class MeetingAttendance(Timestamps, Base):
    """One board meeting's attendance by the sector's representative: attended or not. No row: not
    recorded (the report says so rather than guessing)."""

    __tablename__ = "meeting_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    attended: Mapped[bool] = mapped_column(Boolean)

    meeting: Mapped[Meeting] = relationship()


def record_attendance(session: Session, meeting: Meeting, attended: bool | None, *, actor: str) -> bool:
    """Record whether the representative attended `meeting` (None: forget it, back to "not recorded").
    Audited with who recorded it; returns whether anything changed (recording the same again does not
    audit twice)."""
    row = session.scalar(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    before = None if row is None else row.attended
    if before == attended:
        return False
    if attended is None:
        session.delete(row)
    elif row is None:
        session.add(MeetingAttendance(meeting_id=meeting.id, attended=attended))
    else:
        row.attended = attended
    record(
        session,
        actor=actor,
        action="meeting.attendance",
        entity="meeting",
        entity_id=meeting.id,
        before={"attended": before},
        after={"attended": attended},
    )
    session.flush()
    return True
