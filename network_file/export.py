"""The network as it stands in the database, written back as the network file the loader reads.

The officer now changes the network on the dashboard (`network_file.editing`), so the database, not
the file she last loaded, is the truth; yet the file stays supported — for a backup, a review in a
pull request, or a bulk edit in an editor. `export_data` builds the same document the loader reads
(plain data in the file's shape), and `export_text` writes it as YAML. The promise the tests hold:
loading an export changes nothing, and exporting again gives the same text.

What the file cannot say is left out: meetings added in Slack (`/linkedup meeting add`; the loader
would refuse the file's copy of them as a clash), organisations still waiting for approval or
declined, and one with no contact e-mail (an erased one: the file requires the address). An
organisation registered through Slack is written with a slug made from its name, which a load then
gives it (the loader adopts an unnamed organisation of the same name).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.errors import NotFound
from models.network import (
    Board,
    Meeting,
    Member,
    MemberRole,
    Network,
    Organisation,
    OrganisationStatus,
    Theme,
)
from network_file.document import DEFAULT_TIMEZONE, SLUG_RE
from network_file.loader import MEETING_SOURCE

_FRESH = {"populate_existing": True}  # the same session may just have changed the rows


def export_data(session: Session) -> dict[str, Any]:
    """The loaded network as a network-file document (plain dicts and lists, times as local text)."""
    network = session.scalars(select(Network).order_by(Network.id).execution_options(**_FRESH)).first()
    if network is None:
        raise NotFound("No network is loaded yet: load one with `linkedup network load FILE` first.")
    settings = dict(network.settings or {})
    zone_name = settings.get("timezone") or DEFAULT_TIMEZONE
    zone = ZoneInfo(zone_name)
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.source == MEETING_SOURCE)
        .order_by(Meeting.starts_at, Meeting.id)
        .execution_options(**_FRESH)
    ).all()
    by_board: dict[int | None, list[Meeting]] = {}
    for meeting in meetings:
        by_board.setdefault(meeting.board_id, []).append(meeting)

    linked_up = settings.get("linked_up_meeting") or {}
    network_section = _present(
        {
            "slug": network.slug,
            "name": network.name,
            "timezone": zone_name,
            "benchmark_open_rate": network.benchmark_open_rate,
            "bulletin": _present(settings.get("bulletin") or {}),
            "returns": _present(settings.get("returns") or {}),
            "linked_up_meeting": _present(
                {
                    "cadence": linked_up.get("cadence"),
                    "venue": linked_up.get("venue"),
                    "meetings": [when_text(m.starts_at, zone) for m in by_board.get(None, [])],
                }
            ),
        }
    )
    officers = session.scalars(
        select(Member).where(Member.role == MemberRole.OFFICER).order_by(Member.id)
    ).all()
    boards = session.scalars(
        select(Board)
        .options(selectinload(Board.members), selectinload(Board.parent))
        .order_by(Board.id)
        .execution_options(**_FRESH)
    ).all()
    themes = session.scalars(
        select(Theme)
        .options(selectinload(Theme.board))
        .order_by(Theme.position, Theme.id)
        .execution_options(**_FRESH)
    ).all()
    return {
        "network": network_section,
        "officers": [
            {"slack_user_id": o.slack_user_id, "name": o.display_name or o.slack_user_id} for o in officers
        ],
        "boards": [_board(b, by_board.get(b.id, []), zone) for b in boards],
        "themes": [
            _present(
                {
                    "slug": t.slug,
                    "name": t.name,
                    "board": t.board.slug if t.board else None,
                    "keywords": list(t.keywords or []),
                }
            )
            for t in themes
        ],
        "organisations": _organisations(session),
    }


def export_text(session: Session) -> str:
    """The loaded network as YAML, headed by a comment saying where it came from."""
    data = export_data(session)
    network = data["network"]
    header = (
        f"# {network['name']}: the network as it stands in Linked-up, written by `linkedup network export`.\n"
        "# Load it with `linkedup network load FILE` (check it first with `linkedup network check FILE`);\n"
        "# network/wirral.yaml explains every key. Timeframes are working days; times without an offset\n"
        f"# are {network['timezone']} time.\n\n"
    )
    return header + dump_yaml(data)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML the loader reads back as the same document: block style, keys in the file's order, no
    anchors (a repeated value is written out, never `*alias`), strings quoted where YAML needs it."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=110,
    )


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def when_text(moment: datetime, zone: ZoneInfo) -> str:
    """A stored UTC time as the file writes it: local time without an offset (`2027-01-13T10:00`),
    or with its offset when the local time alone would be read back as another moment (the hour the
    clocks go back happens twice)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    local = utc.astimezone(zone)
    naive = local.replace(tzinfo=None, fold=0)  # as the loader reads it: the first of a repeated hour
    pattern = "%Y-%m-%dT%H:%M" if local.second == 0 and local.microsecond == 0 else "%Y-%m-%dT%H:%M:%S"
    if naive.replace(tzinfo=zone).astimezone(UTC) == utc and not local.microsecond:
        return naive.strftime(pattern)
    return local.isoformat()


def _board(board: Board, meetings: list[Meeting], zone: ZoneInfo) -> dict[str, Any]:
    return _present(
        {
            "slug": board.slug,
            "name": board.name,
            "short_name": board.short_name,
            "channel": board.slack_channel,
            "private": board.private,
            "parent": board.parent.slug if board.parent else None,
            "acknowledge_days": board.acknowledge_days,
            "respond_days": board.respond_days,
            "max_reminders": board.max_reminders,
            "chair": board.chair_slack_user_id or getattr(board, "chair_email", None),
            "representative": board.representative_slack_user_id
            or getattr(board, "representative_email", None),
            "members": [member_entry(m) for m in board.members],
            "cadence": board.cadence,
            "description": board.description,
            "withhold_organisation_when_sensitive": board.withhold_organisation_when_sensitive,
            "sends_notices": board.sends_notices or None,  # said only of the boards that send
            "meetings": [
                _present(
                    {
                        "starts_at": when_text(m.starts_at, zone),
                        "ends_at": when_text(m.ends_at, zone) if m.ends_at else None,
                        "location": m.location,
                    }
                )
                for m in meetings
            ],
        }
    )


def member_entry(member: Any) -> str | dict[str, str]:
    """A board member as the file writes one: a bare Slack id, or `{email:, name:, slack:}`."""
    email, name = getattr(member, "email", None), getattr(member, "name", None)
    if email is None and name is None:
        return member.slack_user_id
    return _present({"email": email, "name": name, "slack": member.slack_user_id})


def _organisations(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.APPROVED, Organisation.contact_email.is_not(None))
        .options(selectinload(Organisation.members), selectinload(Organisation.services))
        .order_by(Organisation.id)
        .execution_options(**_FRESH)
    ).all()
    taken = {row.slug for row in rows if row.slug}
    written = []
    for org in rows:
        slug = org.slug or _new_slug(org, taken)
        written.append(
            _present(
                {
                    "slug": slug,
                    "name": org.name,
                    "identifier": org.org_identifier,
                    "contact_email": org.contact_email,
                    "bulletin_consent": org.bulletin_consent,
                    "demo": org.simulated,
                    "members": sorted(m.slack_user_id for m in org.members if m.role == MemberRole.MEMBER),
                    "services": [
                        _present(
                            {
                                "name": s.name,
                                "category": s.category,
                                "min_age": s.min_age,
                                "max_age": s.max_age,
                            }
                        )
                        for s in org.services
                    ],
                }
            )
        )
    return written


def _new_slug(org: Organisation, taken: set[str]) -> str:
    """A slug for an organisation registered in Slack, from its name, unlike any other."""
    base = re.sub(r"[^a-z0-9]+", "-", org.name.casefold()).strip("-")[:50].strip("-") or "organisation"
    slug = base if base not in taken else f"{base}-{org.id}"
    if not SLUG_RE.match(slug) or slug in taken:
        slug = f"organisation-{org.id}"
    taken.add(slug)
    return slug


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is unset (None, or an empty list or mapping): the file only says what is there,
    and the loader's defaults are the same empties."""
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


__all__ = ["dump_yaml", "export_data", "export_text", "member_entry", "when_text"]
