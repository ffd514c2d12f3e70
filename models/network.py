"""The network's structure: boards (and their ladder), themes, organisations, services, members.

Rows that come from the network file carry a `slug` (the key in the file), so that re-loading the
file updates them in place instead of creating new ones.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    OFFICER = "officer"


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class Network(Timestamps, Base):
    """The network as a whole: one per deployment, loaded from the network file."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    benchmark_open_rate: Mapped[float] = mapped_column(Float, default=0.203)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    file_digest: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Board(Timestamps, Base):
    """A governance board. `parent` is the next rung of the escalation ladder."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(40))
    slack_channel: Mapped[str] = mapped_column(String(80))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="SET NULL"))
    acknowledge_days: Mapped[int] = mapped_column(Integer, default=1)
    respond_days: Mapped[int] = mapped_column(Integer, default=5)
    max_reminders: Mapped[int] = mapped_column(Integer, default=3)
    # The chair and representative are board members; each is reached on Slack when they have a Slack
    # id and by e-mail otherwise, so an e-mail-only chair has `chair_email` and no `chair_slack_user_id`
    # (a member with both has both: the columns say who the person is, not how to reach them).
    chair_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    chair_email: Mapped[str | None] = mapped_column(String(254))
    representative_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    representative_email: Mapped[str | None] = mapped_column(String(254))
    cadence: Mapped[str | None] = mapped_column(String(80))
    withhold_organisation_when_sensitive: Mapped[bool] = mapped_column(Boolean, default=True)
    # Its members may send targeted notices (`/linkedup notice`), as the officers may: the network file
    # names such boards (e.g. the safeguarding board, for its own updates and training).
    sends_notices: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    description: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Board | None] = relationship(remote_side=[id])
    members: Mapped[list[BoardMember]] = relationship(
        back_populates="board", cascade="all, delete-orphan", order_by="BoardMember.id"
    )
    themes: Mapped[list[Theme]] = relationship(back_populates="board")


class BoardMember(Base):
    """A person on a board: a Slack user, an e-mail address, or both.

    Many who answer escalations (council directors, NHS commissioners) are not in the workspace, so a
    member may be reached by e-mail alone. Slack is used whenever there is a Slack id; the e-mail
    address is stored as validated and normalised by the network file (lower-case domain), so lookups
    compare it exactly.
    """

    __tablename__ = "board_members"
    __table_args__ = (
        UniqueConstraint("board_id", "slack_user_id"),
        UniqueConstraint("board_id", "email"),
        CheckConstraint("slack_user_id IS NOT NULL OR email IS NOT NULL", name="reachable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(120))  # for e-mail members; Slack names are looked up

    @property
    def email_only(self) -> bool:
        """Reached by e-mail: no Slack id to send a card or DM to."""
        return self.slack_user_id is None and self.email is not None

    board: Mapped[Board] = relationship(back_populates="members")


class Meeting(Timestamps, Base):
    """A board meeting (or a Linked-up network meeting, with no board) on the co-ordinated schedule."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("board_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    location: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), default="network_file")
    uid: Mapped[str] = mapped_column(String(120), unique=True)  # the row's key where it came from
    # iCalendar SEQUENCE: one more each time the meeting moves, so calendars update it in place.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    board: Mapped[Board | None] = relationship()


class Theme(Timestamps, Base):
    """A theme issues are filed under; its owning board receives them."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    board: Mapped[Board | None] = relationship(back_populates="themes")


class Organisation(Timestamps, Base):
    """A voluntary, community or faith organisation in the network."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    org_identifier: Mapped[str | None] = mapped_column(String(40), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    bulletin_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OrganisationStatus] = mapped_column(
        enum_column(OrganisationStatus, "organisation_status"), default=OrganisationStatus.APPROVED
    )
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The public identifier in the Open Referral directory: stored, so it survives renumbering.
    uuid: Mapped[UUID] = mapped_column(Uuid, default=uuid4, unique=True)

    services: Mapped[list[Service]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Service.name"
    )
    members: Mapped[list[Member]] = relationship(back_populates="organisation")


class Service(Timestamps, Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    # Capacity as registered at /linkedup join: places free now, out of the most it can take.
    places_available: Mapped[int | None] = mapped_column(Integer)
    places_maximum: Mapped[int | None] = mapped_column(Integer)
    # The public identifier in the Open Referral directory: stored, so it survives renumbering.
    uuid: Mapped[UUID] = mapped_column(Uuid, default=uuid4, unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="services")


class Member(Timestamps, Base):
    """A Slack user: a member of one organisation, or the network's officer."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, "member_role"), default=MemberRole.MEMBER
    )
    display_name: Mapped[str | None] = mapped_column(String(120))

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")


def organisation_name_contains(typed: str) -> ColumnElement[bool]:
    """SQL: the organisation's name contains `typed`, in any case (everything when nothing is typed).

    For the forms' type-aheads. Text longer than any name, or holding a NUL, matches nothing: a huge
    LIKE pattern fails on SQLite, and PostgreSQL refuses a NUL in any string.
    """
    typed = typed.strip()
    if not typed:
        return true()
    if len(typed) > Organisation.name.type.length or "\x00" in typed:
        return false()
    return func.lower(Organisation.name).contains(typed.lower(), autoescape=True)
