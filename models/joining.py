"""The officer's queue of applications to join the network: one row per application and its decision.

The flows that fill and decide it (registering, asking to join, approving) are in `intake.joining`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column
from models.network import Organisation


class RequestKind(enum.StrEnum):
    REGISTER = "register"  # a new organisation
    JOIN = "join"  # a person joining an organisation already registered


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class JoinRequest(Timestamps, Base):
    """One application to the officer, with its decision (and the reason for a decline)."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, "join_request_kind"))
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "join_request_status"), default=RequestStatus.PENDING, index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
