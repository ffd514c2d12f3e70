"""Small builders for rows tests need; they add to the session and flush, the test commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Board, BoardMember, Member, MemberRole, Organisation, Service, Theme


def organisation(
    db: Session,
    name: str = "Seacombe Young Carers (demo)",
    *,
    members: tuple[str, ...] = ("U0MEMBER01",),
    **fields,
) -> Organisation:
    org = Organisation(
        name=name,
        contact_email=fields.pop("contact_email", "hello@example.org"),
        bulletin_consent=fields.pop("bulletin_consent", True),
        **fields,
    )
    db.add(org)
    db.flush()
    for slack_user_id in members:
        db.add(Member(slack_user_id=slack_user_id, organisation=org, role=MemberRole.MEMBER))
    db.flush()
    return org


def service(
    db: Session,
    org: Organisation,
    name: str = "Young carers group",
    *,
    category: str = "young carers",
    min_age: int | None = 8,
    max_age: int | None = 18,
    **fields,
) -> Service:
    svc = Service(organisation=org, name=name, category=category, min_age=min_age, max_age=max_age, **fields)
    db.add(svc)
    db.flush()
    return svc


def officer(db: Session, slack_user_id: str = "U0OFFICER1") -> Member:
    member = Member(slack_user_id=slack_user_id, role=MemberRole.OFFICER, display_name="Development Officer")
    db.add(member)
    db.flush()
    return member


def board(
    db: Session,
    slug: str = "ctb",
    name: str = "Children's Trust Board",
    *,
    channel: str = "C0CTB00001",
    members: tuple[str, ...] = (),
    parent: Board | None = None,
    **fields,
) -> Board:
    row = Board(slug=slug, name=name, slack_channel=channel, parent=parent, **fields)
    db.add(row)
    db.flush()
    for slack_user_id in members:
        db.add(BoardMember(board=row, slack_user_id=slack_user_id))
    db.flush()
    return row


def theme(
    db: Session,
    slug: str = "safeguarding",
    name: str = "Safeguarding",
    *,
    board: Board | None = None,
    keywords: tuple[str, ...] = (),
) -> Theme:
    row = Theme(slug=slug, name=name, board=board, keywords=list(keywords))
    db.add(row)
    db.flush()
    return row
