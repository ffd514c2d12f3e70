"""Describing the network that is loaded, for `linkedup network show`: plain JSON-ready data, and as text.

Kept apart from the loader because it reads the database as it is, whatever file (or none) put it there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.network import Board, BoardMember, Meeting, Member, MemberRole, Network, Organisation, Theme
from network_file.document import DEFAULT_TIMEZONE


def describe_network(session: Session) -> dict[str, Any]:
    """Everything loaded, as plain JSON-ready data (times in UTC ISO 8601)."""
    fresh = {"populate_existing": True}  # the same session may just have loaded the file
    network = session.scalars(select(Network).order_by(Network.id).execution_options(**fresh)).first()
    boards = session.scalars(
        select(Board)
        .options(selectinload(Board.members), selectinload(Board.parent))
        .order_by(Board.id)
        .execution_options(**fresh)
    ).all()
    meetings = session.scalars(select(Meeting).order_by(Meeting.starts_at, Meeting.id)).all()
    by_board: dict[int | None, list[Meeting]] = {}
    for meeting in meetings:
        by_board.setdefault(meeting.board_id, []).append(meeting)
    themes = session.scalars(
        select(Theme)
        .options(selectinload(Theme.board))
        .order_by(Theme.position, Theme.id)
        .execution_options(**fresh)
    ).all()
    organisations = session.scalars(
        select(Organisation)
        .options(selectinload(Organisation.members), selectinload(Organisation.services))
        .order_by(Organisation.name)
        .execution_options(**fresh)
    ).all()
    officers = session.scalars(
        select(Member).where(Member.role == MemberRole.OFFICER).order_by(Member.slack_user_id)
    ).all()
    return {
        "network": None
        if network is None
        else {
            "slug": network.slug,
            "name": network.name,
            "benchmark_open_rate": network.benchmark_open_rate,
            **(network.settings or {}),
            "file_digest": network.file_digest,
            "loaded_at": _iso(network.loaded_at),
        },
        "officers": [{"slack_user_id": o.slack_user_id, "name": o.display_name} for o in officers],
        "boards": [
            {
                "slug": b.slug,
                "name": b.name,
                "short_name": b.short_name,
                "channel": b.slack_channel,
                "private": b.private,
                "parent": b.parent.slug if b.parent else None,
                "acknowledge_days": b.acknowledge_days,
                "respond_days": b.respond_days,
                "max_reminders": b.max_reminders,
                "chair": b.chair_slack_user_id or b.chair_email,
                "representative": b.representative_slack_user_id or b.representative_email,
                "members": [_board_member(m) for m in b.members],
                "cadence": b.cadence,
                "description": b.description,
                "withhold_organisation_when_sensitive": b.withhold_organisation_when_sensitive,
                "sends_notices": b.sends_notices,
                "meetings": [_meeting(m) for m in by_board.get(b.id, [])],
            }
            for b in boards
        ],
        "network_meetings": [_meeting(m) for m in by_board.get(None, [])],
        "themes": [
            {
                "slug": t.slug,
                "name": t.name,
                "board": t.board.slug if t.board else None,
                "keywords": list(t.keywords or []),
            }
            for t in themes
        ],
        "organisations": [
            {
                "slug": o.slug,
                "name": o.name,
                "identifier": o.org_identifier,
                "status": o.status.value,
                "contact_email": o.contact_email,
                "bulletin_consent": o.bulletin_consent,
                "demo": o.simulated,
                "members": sorted(m.slack_user_id for m in o.members),
                "services": [
                    {"name": s.name, "category": s.category, "min_age": s.min_age, "max_age": s.max_age}
                    for s in o.services
                ],
            }
            for o in organisations
        ],
    }


def _iso(when: datetime | None) -> str | None:
    """UTC ISO 8601; a naive time read back from SQLite is UTC (that is how it was written)."""
    if when is None:
        return None
    utc = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _meeting(meeting: Meeting) -> dict[str, Any]:
    return {
        "uid": meeting.uid,
        "title": meeting.title,
        "starts_at": _iso(meeting.starts_at),
        "ends_at": _iso(meeting.ends_at),
        "location": meeting.location,
    }


def format_network(data: dict[str, Any]) -> str:
    """The description as text for a terminal: the ladder first, then each board, themes, organisations."""
    network = data.get("network")
    if network is None:
        return "No network loaded. Load one with `linkedup network load FILE`."
    zone = ZoneInfo(network.get("timezone") or DEFAULT_TIMEZONE)
    lines = [
        f"{network['name']} ({network['slug']}) — times in {zone.key}; "
        f"benchmark open rate {network['benchmark_open_rate']:.1%}",
    ]
    bulletin = network.get("bulletin") or {}
    if bulletin:
        contacts = bulletin.get("contacts")
        lines.append(
            f"Bulletin: compiled on day {bulletin.get('compile_day')} of the month"
            + (f", {contacts} contacts" if contacts is not None else "")
            + f"; categories: {', '.join(bulletin.get('categories', []))}"
        )
    returns = network.get("returns") or {}
    if returns:
        lines.append(f"Waiting-list returns: reminders on day {returns.get('reminder_day')} of the month")
    officers = ", ".join(f"{o['name'] or '?'} <{o['slack_user_id']}>" for o in data["officers"]) or "none"
    lines.append(f"Officers: {officers}")

    lines += ["", "Ladder (escalations go up):"]
    children: dict[str | None, list[dict]] = {}
    for board in data["boards"]:
        children.setdefault(board["parent"], []).append(board)

    def ladder(parent: str | None, depth: int) -> None:
        for board in children.get(parent, []):
            lines.append(f"{'  ' * (depth + 1)}{board['name']} [{board['slug']}]")
            ladder(board["slug"], depth + 1)

    ladder(None, 0)

    lines += ["", "Boards:"]
    for board in data["boards"]:
        visibility = "private" if board["private"] else "public"
        lines.append(f"  {board['name']} [{board['slug']}]")
        lines.append(
            f"    channel {board['channel']} ({visibility}); "
            f"parent: {board['parent'] or '— top of the ladder'}"
        )
        lines.append(
            f"    acknowledge within {board['acknowledge_days']}, respond within {board['respond_days']} "
            f"working days; up to {board['max_reminders']} reminders"
        )
        lines.append(
            f"    chair: {board['chair'] or '—'}; representative: {board['representative'] or '—'}; "
            f"members: {', '.join(_member_text(m) for m in board['members']) or '—'}"
        )
        if board["cadence"]:
            lines.append(f"    meets: {board['cadence']}")
        if board.get("sends_notices"):
            lines.append("    its members may send targeted notices (/linkedup notice)")
        if board["meetings"]:
            lines.append(f"    meetings: {_when_list(board['meetings'], zone)}")

    linked_up = network.get("linked_up_meeting") or {}
    if data["network_meetings"] or linked_up.get("cadence"):
        lines += [
            "",
            f"Linked-up network meeting: {linked_up.get('cadence') or ''} at {linked_up.get('venue') or '—'}",
        ]
        if data["network_meetings"]:
            lines.append(f"  meetings: {_when_list(data['network_meetings'], zone)}")

    lines += ["", "Themes (→ owning board):"]
    for theme in data["themes"]:
        owner = theme["board"] or "officer's triage"
        lines.append(f"  {theme['name']} [{theme['slug']}] → {owner}: {', '.join(theme['keywords']) or '—'}")

    lines += ["", "Organisations:"]
    if not data["organisations"]:
        lines.append("  none")
    for org in data["organisations"]:
        identifier = f", {org['identifier']}" if org["identifier"] else ""
        lines.append(
            f"  {org['name']} [{org['slug'] or 'registered in Slack'}] — {org['status']}{identifier}"
        )
        lines.append(
            f"    contact {org['contact_email'] or '—'} "
            f"(bulletin: {'yes' if org['bulletin_consent'] else 'no'}); "
            f"members: {', '.join(org['members']) or '—'}"
        )
        for service in org["services"]:
            lines.append(f"    - {service['name']} ({service['category']}, {_ages(service)})")
    return "\n".join(lines)


def _when_list(meetings: list[dict], zone: ZoneInfo) -> str:
    return ", ".join(
        datetime.fromisoformat(m["starts_at"].replace("Z", "+00:00"))
        .astimezone(zone)
        .strftime("%a %d %b %Y %H:%M")
        for m in meetings
    )


def _ages(service: dict) -> str:
    low, high = service["min_age"], service["max_age"]
    if low is None and high is None:
        return "all ages"
    if high is None:
        return f"ages {low}+"
    if low is None:
        return f"up to age {high}"
    return f"ages {low}–{high}"


def _board_member(member: BoardMember) -> str | dict[str, str]:
    """As the network file writes it: `U0…`, or `{email, name, slack}` for anyone with an address."""
    if member.email is None and member.name is None and member.slack_user_id is not None:
        return member.slack_user_id
    written = {"email": member.email, "name": member.name, "slack": member.slack_user_id}
    return {key: value for key, value in written.items() if value is not None}


def _member_text(member: str | dict[str, str]) -> str:
    """`U0…`, or `Jo Smith <jo@council.gov.uk> (U0…)` with whichever parts are known."""
    if isinstance(member, str):
        return member
    parts = [member.get("name"), f"<{member['email']}>" if "email" in member else None]
    parts.append(f"({member['slack']})" if "slack" in member else None)
    return " ".join(part for part in parts if part)
