"""`linkedup network export`: the network as the database holds it, written as the file the loader reads.

The promise: loading an export changes nothing, exporting again gives the same text, and the export
says what the loaded file said — for the shipped Wirral network and for any valid network Hypothesis
can think of (names YAML must quote, e-mail members, ladders, meetings on the night the clocks go back).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete

import models  # noqa: F401 - every table on the metadata
from bot.paths import DEMO_NETWORK_FILE
from models.base import Base
from models.db import transaction
from models.network import Meeting, Organisation, OrganisationStatus
from network_file.document import NetworkDocument, parse_network
from network_file.export import export_text, when_text
from network_file.loader import load_network, load_path
from tests import factories

WIRRAL = DEMO_NETWORK_FILE.read_text(encoding="utf-8")


def normal(document: NetworkDocument) -> dict:
    """A document as data, in the orders the database keeps (members of organisations and services
    by name, meetings by time), and board members, chairs and representatives as (e-mail, name, Slack
    id): the file may name a chair by either, the database keeps both."""
    data = document.model_dump(mode="json")
    for board, spec in zip(data["boards"], document.boards, strict=True):
        board["members"] = [(p.email, p.name, p.slack) for p in spec.people]
        for role in ("chair", "representative"):  # the same person, by Slack id or by address
            person = spec.person(board[role])
            board[role] = (person.email, person.name, person.slack) if person else None
        board["meetings"] = sorted(board["meetings"], key=lambda m: m["starts_at"])
    data["network"]["linked_up_meeting"]["meetings"].sort()
    for org in data["organisations"]:
        org["members"].sort()
        org["services"].sort(key=lambda s: s["name"])
    return data


def load(session_factory, text: str):
    with transaction(session_factory) as session:
        return load_network(session, parse_network(text, source="export.yaml"), source="export.yaml")


def export(session_factory) -> str:
    with transaction(session_factory) as session:
        return export_text(session)


def test_the_wirral_network_exports_as_it_was_loaded_and_round_trips_unchanged(session_factory, db):
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)
    first = export(session_factory)
    assert normal(parse_network(first)) == normal(parse_network(WIRRAL))
    report = load(session_factory, first)
    assert not report.changed, report.summary()
    assert export(session_factory) == first
    assert (
        "  - email: director.childrens@example.org\n    name: Director of Children's Services (demo)\n"
        in first
    )


def test_meetings_added_in_slack_are_not_exported(session_factory, db):
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)
        session.add(
            Meeting(
                title="Extra CTB planning",
                starts_at=datetime(2027, 3, 2, 10, tzinfo=UTC),
                source="slack",
                uid="x",
            )
        )
    text = export(session_factory)
    assert "2027-03-02" not in text
    assert not load(session_factory, text).changed


def test_organisations_registered_in_slack_are_exported_with_a_slug_the_load_then_gives_them(
    session_factory, db
):
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)
    joined = factories.organisation(db, "Birkenhead Boxing Club", members=("U0JOINED01",))
    factories.organisation(db, "Still Waiting CIO", members=(), status=OrganisationStatus.PENDING)
    factories.organisation(db, "Erased Org", members=(), contact_email=None)
    db.commit()
    first = export(session_factory)
    assert "- slug: birkenhead-boxing-club\n  name: Birkenhead Boxing Club\n" in first
    assert "Still Waiting CIO" not in first and "Erased Org" not in first
    report = load(session_factory, first)
    assert report["organisations"].updated == {"birkenhead-boxing-club": ["slug"]}  # adopted, not duplicated
    db.expire_all()
    assert db.get(Organisation, joined.id).slug == "birkenhead-boxing-club"
    assert [m.slack_user_id for m in db.get(Organisation, joined.id).members] == ["U0JOINED01"]
    assert export(session_factory) == first
    assert not load(session_factory, first).changed


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2027, 1, 13, 10, 0, tzinfo=UTC), "2027-01-13T10:00"),
        (datetime(2027, 6, 15, 12, 0, tzinfo=UTC), "2027-06-15T13:00"),
        # 01:30 happens twice on 31 Oct 2027 in London: the second one keeps its offset.
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "2027-10-31T01:30"),
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "2027-10-31T01:30:00+00:00"),
        (datetime(2027, 1, 13, 10, 0, 30, tzinfo=UTC), "2027-01-13T10:00:30"),
    ],
)
def test_times_are_written_in_network_time_and_read_back_as_the_same_moment(moment, written):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/London")
    assert when_text(moment, zone) == written
    back = datetime.fromisoformat(written)
    assert (back if back.tzinfo else back.replace(tzinfo=zone)).astimezone(UTC) == moment


def test_the_cli_writes_the_export_and_refuses_a_folder(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Base.metadata.create_all(make_engine(url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["network", "export", "now.yaml"]) == 2
    assert "No network is loaded yet" in capsys.readouterr().err
    assert main(["network", "load", str(DEMO_NETWORK_FILE)]) == 0
    assert main(["network", "export", "now.yaml"]) == 0
    assert "now.yaml: the network as it stands now" in capsys.readouterr().out
    assert main(["network", "load", "now.yaml"]) == 0
    assert "no changes" in capsys.readouterr().out
    assert main(["network", "export", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not list(tmp_path.glob(".*.partial"))


# --- any valid network --------------------------------------------------------------------------

TEXT = (
    st.text(alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=24)
    .map(str.strip)
    .filter(bool)
)
SLUG = st.from_regex(r"[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,5})?", fullmatch=True)
SLACK = st.from_regex(r"U[A-Z0-9]{4,8}", fullmatch=True)
EMAIL = st.from_regex(r"[a-z][a-z0-9.]{0,8}[a-z0-9]@[a-z]{2,8}\.(org|gov\.uk)", fullmatch=True).filter(
    lambda e: ".." not in e
)
# Whole minutes (meetings are keyed by the minute), 2026–2029, the nights the clocks change included.
MOMENT = st.builds(
    lambda minutes: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    st.integers(min_value=0, max_value=4 * 365 * 24 * 60),
) | st.sampled_from([datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)])
ZONES = st.sampled_from(["Europe/London", "UTC", "America/New_York", "Australia/Sydney"])


def _unique(elements, **kwargs):
    return st.lists(elements, unique_by=lambda value: str(value).casefold(), **kwargs)


@st.composite
def networks(draw) -> dict:
    """A valid network file's data: a ladder that is a tree, members by Slack id and/or e-mail,
    chairs among them, meetings, themes pointing at boards, organisations with distinct members."""
    people = draw(_unique(SLACK, min_size=12, max_size=12))
    officers, org_people, board_people = people[:2], people[2:7], people[7:]
    slugs = draw(_unique(SLUG, min_size=1, max_size=5))
    names = draw(_unique(TEXT, min_size=len(slugs), max_size=len(slugs)))
    boards = []
    for index, (slug, name) in enumerate(zip(slugs, names, strict=True)):
        slacks = draw(st.lists(st.sampled_from(board_people), unique=True, max_size=4))
        members: list = []
        for email in draw(_unique(EMAIL, max_size=2)):
            person = {"email": email}
            if draw(st.booleans()):
                person["name"] = draw(TEXT)
            if slacks and draw(st.booleans()):
                person["slack"] = slacks.pop()  # reached on Slack, known by address too
            members.append(person)
        members = draw(st.permutations([*slacks, *members]))
        acknowledge = draw(st.integers(1, 10))
        meetings = []
        for start in sorted(draw(st.lists(MOMENT, unique=True, max_size=3))):
            meeting = {"starts_at": start.isoformat()}
            if draw(st.booleans()):
                meeting["ends_at"] = (start + timedelta(minutes=draw(st.integers(1, 240)))).isoformat()
            if draw(st.booleans()):
                meeting["location"] = draw(TEXT)
            meetings.append(meeting)
        refs = [
            m if isinstance(m, str) else draw(st.sampled_from([v for k, v in m.items() if k != "name"]))
            for m in members
        ]
        board = {
            "slug": slug,
            "name": name,
            "channel": draw(st.sampled_from([f"#{slug}", "C0ABC123", "G0PRIVATE1"])),
            "private": draw(st.booleans()),
            "acknowledge_days": acknowledge,
            "respond_days": acknowledge + draw(st.integers(0, 20)),
            "max_reminders": draw(st.integers(0, 10)),
            "members": members,
            "withhold_organisation_when_sensitive": draw(st.booleans()),
            "sends_notices": draw(st.booleans()),
            "meetings": meetings,
        }
        if index and draw(st.booleans()):
            board["parent"] = draw(st.sampled_from(slugs[:index]))
        if refs and draw(st.booleans()):
            board["chair"] = draw(st.sampled_from(refs))
        if refs and draw(st.booleans()):
            board["representative"] = draw(st.sampled_from(refs))
        for key in ("short_name", "cadence", "description"):
            if draw(st.booleans()):
                board[key] = draw(TEXT)[:40]
        boards.append(board)
    theme_slugs = draw(_unique(SLUG, max_size=4))
    theme_names = draw(_unique(TEXT, min_size=len(theme_slugs), max_size=len(theme_slugs)))
    themes = [
        {
            "slug": slug,
            "name": name,
            "board": draw(st.sampled_from([None, *slugs])),
            "keywords": draw(_unique(TEXT, max_size=3)),
        }
        for slug, name in zip(theme_slugs, theme_names, strict=True)
    ]
    org_slugs = draw(_unique(SLUG, max_size=3))
    org_names = draw(_unique(TEXT, min_size=len(org_slugs), max_size=len(org_slugs)))
    organisations = []
    for index, (slug, name) in enumerate(zip(org_slugs, org_names, strict=True)):
        services = []
        for service_name in draw(_unique(TEXT, max_size=2)):
            low = draw(st.none() | st.integers(0, 25))
            high = draw(st.none() | st.integers(low or 0, 25))
            services.append({"name": service_name, "category": draw(TEXT), "min_age": low, "max_age": high})
        organisation = {
            "slug": slug,
            "name": name,
            "contact_email": draw(EMAIL),
            "bulletin_consent": draw(st.booleans()),
            "demo": draw(st.booleans()),
            "members": org_people[index::3],
            "services": services,
        }
        if draw(st.booleans()):
            organisation["identifier"] = f"GB-CHC-{1000000 + index * 7919 + draw(st.integers(0, 999))}"
        organisations.append(organisation)
    return {
        "network": {
            "slug": draw(SLUG),
            "name": draw(TEXT),
            "timezone": draw(ZONES),
            "benchmark_open_rate": draw(st.floats(0, 1)),
            "linked_up_meeting": {
                "venue": draw(TEXT),
                "meetings": [m.isoformat() for m in sorted(draw(st.lists(MOMENT, unique=True, max_size=2)))],
            },
        },
        "officers": [
            {"slack_user_id": slack, "name": draw(TEXT)} for slack in officers[: draw(st.integers(1, 2))]
        ],
        "boards": boards,
        "themes": themes,
        "organisations": organisations,
    }


def _empty(session_factory) -> None:
    with transaction(session_factory) as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=networks())
def test_any_valid_network_round_trips_through_the_database(session_factory, data):
    _empty(session_factory)
    original = parse_network(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), source="generated.yaml"
    )
    with transaction(session_factory) as session:
        load_network(session, original, source="generated.yaml")
    first = export(session_factory)
    assert normal(parse_network(first, source="export.yaml")) == normal(original)
    report = load(session_factory, first)
    assert not report.changed, report.summary()
    assert export(session_factory) == first
