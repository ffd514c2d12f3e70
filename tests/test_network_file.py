"""The network file: the shipped Wirral network loads, re-loading changes nothing, edits update rows in
place, and a bad file is refused whole — every problem named with its line — with the database untouched."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

import models  # noqa: F401 - every table on the metadata, for the dumps
from bot.paths import DEMO_NETWORK_FILE
from models import AuditLog, Board, BoardMember, Meeting, Member, MemberRole, Network, Organisation, Theme
from models.base import Base
from models.db import transaction
from network_file.describe import describe_network, format_network
from network_file.document import NetworkFileError, parse_network
from network_file.loader import LoadReport, load_network, load_path
from tests import factories

WIRRAL = DEMO_NETWORK_FILE.read_text(encoding="utf-8")


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: two equal dumps mean nothing was written."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def load_text(factory: sessionmaker[Session], text: str, source: str = "wirral.yaml") -> LoadReport:
    with transaction(factory) as session:
        return load_network(session, parse_network(text, source=source), source=source)


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `fragment`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return hits[occurrence - 1]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"{old!r} not in the file"
    return text.replace(old, new, 1)


# --- the shipped network -----------------------------------------------------------------------


def test_shipped_wirral_network_loads(session_factory, db):
    with transaction(session_factory) as session:
        report = load_path(session, DEMO_NETWORK_FILE)
    assert report.changed
    assert report["boards"].created and not report["boards"].removed
    assert report.summary().startswith("network created, 1 officer (1 new), 9 boards (9 new)")

    boards = {b.slug: b for b in db.scalars(select(Board))}
    assert set(boards) == {"hwbb", "ctb", "wscb", "cjcg", "early-help", "aadsp", "neet", "yrg", "hive"}
    assert boards["hwbb"].parent is None and boards["hwbb"].name == "Health and Wellbeing Board"
    assert boards["ctb"].parent.slug == "hwbb"
    assert {slug for slug, b in boards.items() if b.parent and b.parent.slug == "ctb"} == {
        "wscb", "cjcg", "early-help", "aadsp", "neet", "yrg", "hive"
    }  # fmt: skip
    assert boards["wscb"].private and not boards["cjcg"].private
    assert "at least 3 partner organisations" in boards["cjcg"].description
    assert boards["cjcg"].cadence == "bi-monthly"
    assert boards["wscb"].cadence.startswith("six times a year")
    assert boards["wscb"].respond_days >= boards["wscb"].acknowledge_days
    assert boards["ctb"].chair_slack_user_id in {m.slack_user_id for m in boards["ctb"].members}

    themes = {t.slug: t for t in db.scalars(select(Theme).order_by(Theme.position))}
    assert themes["safeguarding"].board.slug == "wscb"
    assert themes["domestic-abuse"].board.slug == "wscb"
    assert themes["send"].board.slug == "aadsp"
    assert themes["funding-and-commissioning"].board.slug == "cjcg"
    assert themes["waiting-lists"].board.slug == "cjcg"
    assert themes["training"].board is None  # the officer's triage
    assert "county lines" in themes["safeguarding"].keywords
    assert [t.position for t in themes.values()] == list(range(len(themes)))

    network = db.scalars(select(Network)).one()
    assert network.benchmark_open_rate == pytest.approx(0.203)
    assert network.settings["bulletin"]["contacts"] == 232
    assert network.settings["bulletin"]["categories"][0] == "vacancies"
    assert network.settings["linked_up_meeting"]["venue"].startswith("St James Centre")
    assert network.file_digest and network.loaded_at is not None

    officer = db.scalars(select(Member).where(Member.slack_user_id == "U0OFFICER1")).one()
    assert officer.role == MemberRole.OFFICER and officer.organisation is None
    assert officer.display_name == "Development Officer (demo)"

    organisations = db.scalars(select(Organisation)).all()
    assert 5 <= len(organisations) <= 8
    for org in organisations:
        assert org.name.endswith("(demo)") and org.simulated
        assert org.contact_email.endswith("@example.org")
        assert 1 <= len(org.services) <= 4
        assert org.members and all(m.role == MemberRole.MEMBER for m in org.members)

    linked_up = db.scalars(select(Meeting).where(Meeting.board_id.is_(None))).all()
    assert len(linked_up) >= 3 and all(m.location.startswith("St James Centre") for m in linked_up)
    assert all(m.uid.startswith("linked-up-meeting/") and m.uid.endswith("Z@linkedup") for m in linked_up)
    for meeting in db.scalars(select(Meeting)):
        starts = meeting.starts_at.replace(tzinfo=meeting.starts_at.tzinfo or UTC)
        assert datetime(2026, 12, 1, tzinfo=UTC) <= starts < datetime(2027, 7, 1, tzinfo=UTC)

    audit = db.scalars(select(AuditLog)).all()
    assert len(audit) == 1 and audit[0].action == "network.load"
    assert set(audit[0].after["changes"]["boards"]["created"]) == set(boards)


def test_naive_times_are_london_time_stored_in_utc(session_factory, db):
    load_text(session_factory, WIRRAL)
    ctb = db.scalars(select(Board).where(Board.slug == "ctb")).one()
    meetings = db.scalars(select(Meeting).where(Meeting.board_id == ctb.id).order_by(Meeting.starts_at)).all()
    # 09 Feb 2027 14:00 is GMT; 15 Jun 2027 13:00 is BST (UTC+1).
    assert [m.uid for m in meetings] == [
        "ctb/2027-02-09T14:00Z@linkedup",
        "ctb/2027-06-15T12:00Z@linkedup",
    ]
    assert meetings[1].title == "Children's Trust Board"


# --- idempotence and edits ---------------------------------------------------------------------


def test_reloading_the_same_file_changes_nothing(session_factory, engine):
    load_text(session_factory, WIRRAL)
    before = dump(engine)
    with transaction(session_factory) as session:
        report = load_path(session, DEMO_NETWORK_FILE)
    assert report.changed is False
    assert report.summary().startswith("no changes (1 officer, 9 boards")
    assert dump(engine) == before  # no updated_at moved, no audit row, nothing


def test_comments_and_layout_are_not_changes(session_factory, engine):
    load_text(session_factory, WIRRAL)
    before = dump(engine)
    reformatted = "# edited by the officer\n" + WIRRAL.replace(
        "    cadence: bi-monthly\n", "    cadence:  bi-monthly   # ToR\n"
    )
    assert load_text(session_factory, reformatted).changed is False
    assert dump(engine) == before


def test_a_changed_file_updates_rows_in_place(session_factory, db):
    load_text(session_factory, WIRRAL)
    ids = {b.slug: (b.id, b.created_at, b.updated_at) for b in db.scalars(select(Board))}
    theme_ids = {t.slug: t.id for t in db.scalars(select(Theme))}
    org_ids = {o.slug: o.id for o in db.scalars(select(Organisation))}
    db.rollback()

    edited = replace_once(WIRRAL, "name: Children's Trust Board", "name: Wirral Children's Trust")
    edited = replace_once(
        edited,
        "keywords: [safeguarding, child protection,",
        "keywords: [safeguarding, private fostering, child protection,",
    )
    start = edited.index("  - slug: training\n")
    edited = edited[:start] + edited[edited.index("\n# Fictional organisations") :]
    edited = replace_once(
        edited,
        "members: [U0DEMOCJCG1, U0DEMOCJCG2, U0DEMOCJCG3]",
        "members: [U0DEMOCJCG1, U0DEMOCJCG3, U0DEMOCJCG4]",
    )
    edited = replace_once(
        edited,
        "{starts_at: 2027-06-03T10:00, ends_at: 2027-06-03T12:00}",
        "{starts_at: 2027-06-10T10:00, ends_at: 2027-06-10T12:00}",
    )
    edited = replace_once(
        edited,
        "{name: Parenting course, category: parenting, min_age: 0, max_age: 11}",
        "{name: Parenting course, category: parenting, min_age: 2, max_age: 11}",
    )

    report = load_text(session_factory, edited)

    assert report["boards"].updated == {"ctb": ["name"]}
    assert report["themes"].updated == {"safeguarding": ["keywords"]}
    assert report["themes"].removed == ["training"]
    assert report["board_members"].created == ["cjcg/U0DEMOCJCG4"]
    assert report["board_members"].removed == ["cjcg/U0DEMOCJCG2"]
    # The CJCG meeting moved a week: the same row under its new key (its calendar UID kept).
    assert report["meetings"].removed == [] and report["meetings"].created == []
    assert report["meetings"].updated == {
        "ctb/2027-02-09T14:00Z@linkedup": ["title"],
        "ctb/2027-06-15T12:00Z@linkedup": ["title"],
        "cjcg/2027-06-10T09:00Z@linkedup": ["starts_at", "ends_at"],
    }
    assert report["services"].updated == {"rock-ferry-parents/Parenting course": ["min_age"]}
    assert "9 boards (1 updated)" in report.summary() and "11 themes" not in report.summary()

    boards = {b.slug: b for b in db.scalars(select(Board))}
    assert {slug: b.id for slug, b in boards.items()} == {slug: v[0] for slug, v in ids.items()}
    assert boards["ctb"].name == "Wirral Children's Trust"
    assert boards["ctb"].created_at == ids["ctb"][1] and boards["ctb"].updated_at > ids["ctb"][2]
    assert boards["wscb"].updated_at == ids["wscb"][2]  # untouched rows keep their timestamps
    themes = {t.slug: t for t in db.scalars(select(Theme))}
    assert "training" not in themes
    assert {slug: t.id for slug, t in themes.items()} == {
        s: i for s, i in theme_ids.items() if s != "training"
    }
    assert themes["safeguarding"].keywords[:2] == ["safeguarding", "private fostering"]
    assert {o.slug: o.id for o in db.scalars(select(Organisation))} == org_ids
    assert [m.slack_user_id for m in boards["cjcg"].members] == ["U0DEMOCJCG1", "U0DEMOCJCG3", "U0DEMOCJCG4"]

    audits = db.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert len(audits) == 2
    assert audits[1].after["changes"]["themes"] == {
        "updated": {"safeguarding": ["keywords"]},
        "removed": ["training"],
    }


def test_boards_can_swap_names_and_a_board_can_leave(session_factory, db):
    load_text(session_factory, WIRRAL)
    edited = replace_once(WIRRAL, "name: NEET action group", "name: Youth Reference Group TMP")
    edited = replace_once(edited, "name: Youth Reference Group\n", "name: NEET action group\n")
    edited = replace_once(edited, "name: Youth Reference Group TMP", "name: Youth Reference Group")
    # The Hive leaves the file: its theme must go with it (a theme may not name a missing board).
    edited = edited[: edited.index("  - slug: hive\n")] + edited[edited.index("\n# Themes an issue") :]
    edited = (
        edited[: edited.index("  - slug: the-hive\n")]
        + edited[edited.index("  - slug: funding-and-commissioning") :]
    )
    report = load_text(session_factory, edited)
    assert report["boards"].removed == ["hive"]
    assert report["board_members"].removed == ["hive/U0DEMOHIVE1", "hive/U0DEMOHIVE2"]
    assert report["themes"].removed == ["the-hive"]
    names = {b.slug: b.name for b in db.scalars(select(Board))}
    assert names["neet"] == "Youth Reference Group" and names["yrg"] == "NEET action group"
    assert "hive" not in names
    assert not db.scalars(select(BoardMember).where(BoardMember.slack_user_id.like("U0DEMOHIVE%"))).all()


def test_people_and_organisations_that_leave_the_file_are_kept(session_factory, db):
    load_text(session_factory, WIRRAL)
    edited = replace_once(
        WIRRAL,
        "officers:\n  - slack_user_id: U0OFFICER1\n    name: Development Officer (demo)\n",
        "officers:\n  - slack_user_id: U0OFFICER2\n    name: New Development Officer (demo)\n",
    )
    edited = edited.replace("U0OFFICER1", "U0OFFICER2")
    edited = replace_once(edited, "members: [U0DEMOORG08, U0DEMOORG09]", "members: [U0DEMOORG08]")
    edited = edited[: edited.index("  - slug: tranmere-pathways\n")]
    report = load_text(session_factory, edited)

    assert report["officers"].created == ["U0OFFICER2"]
    assert report["officers"].removed == ["U0OFFICER1"]
    assert report["organisations"].kept == ["tranmere-pathways"]
    assert report["members"].kept == ["U0DEMOORG09"]
    assert "(1 new, 1 demoted)" in report.summary()
    old = db.scalars(select(Member).where(Member.slack_user_id == "U0OFFICER1")).one()
    assert old.role == MemberRole.MEMBER  # no longer an officer, but the row (and its history) stays
    assert db.scalars(select(Organisation).where(Organisation.slug == "tranmere-pathways")).one()
    kept = db.scalars(select(Member).where(Member.slack_user_id == "U0DEMOORG09")).one()
    assert kept.organisation.slug == "moreton-minds"


def test_an_organisation_registered_in_slack_is_adopted_by_name(session_factory, db):
    org = factories.organisation(
        db, "Moreton Minds (demo)", members=("U0SLACKJOIN",), contact_email="a@example.org"
    )
    db.commit()
    report = load_text(session_factory, WIRRAL)
    assert "moreton-minds" in report["organisations"].updated
    db.expire_all()
    adopted = db.get(Organisation, org.id)
    assert adopted.slug == "moreton-minds" and adopted.contact_email == "moreton-minds@example.org"
    assert report["members"].kept == ["U0SLACKJOIN"]


def test_a_clash_with_a_registered_organisation_is_refused_before_writing(session_factory, db, engine):
    factories.organisation(db, "Somebody Else", members=(), org_identifier="GB-CHC-9999901")
    db.commit()
    before = dump(engine)
    with pytest.raises(NetworkFileError) as caught:
        load_text(session_factory, WIRRAL)
    line = line_of(WIRRAL, "identifier: GB-CHC-9999901")
    assert caught.value.problems == [
        f"wirral.yaml line {line}: organisations[0].identifier: GB-CHC-9999901 is already registered to "
        "'Somebody Else'"
    ]
    assert dump(engine) == before


# --- bad files -----------------------------------------------------------------------------------

BAD_FILES = {
    "unknown parent": (
        ("parent: hwbb", "parent: hwb"),
        "parent: hwb",
        "boards[1].parent: unknown board 'hwb' (known: hwbb, ctb, wscb",
    ),
    "cycle in the ladder": (
        ("  - slug: hwbb\n", "  - slug: hwbb\n    parent: wscb\n"),
        "parent: wscb",
        "boards[0].parent: the ladder has a cycle: hwbb → wscb → ctb → hwbb",
    ),
    "bad slack id": (
        ("chair: U0DEMOCJCG1", "chair: jane.smith"),
        "chair: jane.smith",
        "boards[3].chair: 'jane.smith' is not a Slack user id",
    ),
    "duplicate slug": (
        ("  - slug: neet\n    name: NEET action group", "  - slug: yrg\n    name: NEET action group"),
        ("  - slug: yrg", 2),
        "boards[7].slug: duplicate board slug 'yrg' (already at boards[6].slug)",
    ),
    "unknown key": (
        ("    respond_days: 3\n", "    respnd_days: 3\n"),
        "respnd_days",
        "boards[2].respnd_days: unknown key 'respnd_days' (did you mean 'respond_days'?)",
    ),
    "yaml syntax": (
        ("  - slug: cjcg\n", "  - slug: cjcg: [\n"),
        "slug: cjcg: [",
        "YAML syntax:",
    ),
    "respond before acknowledge": (
        ("    acknowledge_days: 5\n    respond_days: 20\n", "    acknowledge_days: 5\n    respond_days: 4\n"),
        "respond_days: 4",
        "boards[0].respond_days: respond_days (4) is shorter than acknowledge_days (5)",
    ),
    "duplicate yaml key": (
        ("    private: true\n", "    private: true\n    private: false\n"),
        "private: false",
        "boards[2].private: duplicate key 'private' (first at line",
    ),
    "chair not a member": (
        ("members: [U0DEMONEET1, U0OFFICER1]", "members: [U0OFFICER1]"),
        "chair: U0DEMONEET1",
        "boards[6].chair: U0DEMONEET1 must also be listed in this board's members",
    ),
    "unknown theme board": (
        ("    board: aadsp\n", "    board: send\n"),
        "board: send",
        "themes[3].board: unknown board 'send'",
    ),
    "member of two organisations": (
        ("members: [U0DEMOORG10]", "members: [U0DEMOORG01]"),
        "members: [U0DEMOORG01]",
        "organisations[6].members[0]: U0DEMOORG01 is already a member of 'seacombe-young-carers'",
    ),
    "bad identifier": (
        ("identifier: GB-CHC-9999907", "identifier: 1234567"),
        "identifier: 1234567",
        "organisations[6].identifier: Input should be a valid string, got 1234567",
    ),
    "identifier not an org-id": (
        ("identifier: GB-CHC-9999907", "identifier: GB-CHC-12"),
        "identifier: GB-CHC-12",
        "organisations[6].identifier: 'GB-CHC-12' is not an org-id identifier",
    ),
    "bad email": (
        ("contact_email: pathways@example.org", "contact_email: pathways at example"),
        "pathways at example",
        "organisations[6].contact_email: value is not a valid email address",
    ),
    "date without time": (
        ("      - 2027-03-10T10:00\n", "      - 2027-03-10\n"),
        "- 2027-03-10",
        "network.linked_up_meeting.meetings[1]: needs a time as well as a date",
    ),
    "impossible date": (
        ("      - 2027-03-10T10:00\n", "      - 2027-02-30 10:00:00\n"),
        "2027-02-30",
        "YAML: not a valid date: '2027-02-30 10:00:00'",
    ),
    "meeting ends before it starts": (
        ("ends_at: 2027-06-03T12:00", "ends_at: 2027-06-03T09:00"),
        "ends_at: 2027-06-03T09:00",
        "boards[3].meetings[3].ends_at: ends before (or when) the meeting starts",
    ),
    "ages the wrong way round": (
        ("min_age: 16, max_age: 24", "min_age: 20, max_age: 4"),
        "min_age: 20, max_age: 4",
        "organisations[6].services[0].max_age: max_age (4) is below min_age (20)",
    ),
    "open rate above 1": (
        ("benchmark_open_rate: 0.203", "benchmark_open_rate: 20.3"),
        "benchmark_open_rate: 20.3",
        "network.benchmark_open_rate: Input should be less than or equal to 1",
    ),
    "too many reminders": (
        ("    max_reminders: 4\n", "    max_reminders: 11\n"),
        "max_reminders: 11",
        "boards[2].max_reminders: Input should be less than or equal to 10",
    ),
    "private channel name": (
        ('channel: "#linkedup-wscb"', "channel: linkedup wscb"),
        "channel: linkedup wscb",
        "boards[2].channel: 'linkedup wscb' is not a Slack channel id or #name",
    ),
    "missing officer name": (
        ("    name: Development Officer (demo)\n", ""),
        "- slack_user_id: U0OFFICER1",
        "officers[0].name: required, but missing",
    ),
    "bulletin reply-to not an address": (
        ("reply_to: linked-up@example.org", "reply_to: the officer"),
        "reply_to: the officer",
        "network.bulletin.reply_to: value is not a valid email address",
    ),
    "bulletin logo over plain http": (
        ("    # logo_url: https://…", "    logo_url: http://www.example.org/logo.png #"),
        "logo_url: http://",
        "network.bulletin.logo_url: 'http://www.example.org/logo.png' is not an https:// address",
    ),
    "feed category not a category": (
        ("    # feed_category: the-hive", "    feed_category: hive-news #"),
        "  bulletin:",
        "network.bulletin: feed_category 'hive-news' is not one of the categories: vacancies",
    ),
}


def test_bulletin_sender_settings_reach_the_bulletin_config(session_factory, db):
    """The officer sets the sender, reply-to, website and logo in the file; the bulletin uses them."""
    from bulletins.config import bulletin_config

    text = replace_once(WIRRAL, "    # website_url: https://…", "    website_url: https://example.org/lu #")
    text = replace_once(text, "    # feed_category: the-hive", "    feed_category: the-hive #")
    load_text(session_factory, text)
    config = bulletin_config(db)
    assert (config.from_name, config.reply_to) == ("Linked-up Wirral", "linked-up@example.org")
    assert (config.website_url, config.logo_url, config.feed_category) == (
        "https://example.org/lu",
        None,
        "the-hive",
    )


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_naming_line_and_field_and_nothing_changes(case, session_factory, engine):
    (old, new), marker, message = BAD_FILES[case]
    load_text(session_factory, WIRRAL)
    before = dump(engine)
    bad = replace_once(WIRRAL, old, new)
    with pytest.raises(NetworkFileError) as caught, transaction(session_factory) as session:
        load_network(session, parse_network(bad, source="wirral.yaml"))
    problems = caught.value.problems
    fragment, occurrence = marker if isinstance(marker, tuple) else (marker, 1)
    expected = f"wirral.yaml line {line_of(bad, fragment, occurrence)}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems
    assert dump(engine) == before


def test_every_problem_is_reported_at_once(session_factory):
    bad = replace_once(WIRRAL, "chair: U0DEMOCJCG1", "chair: nobody")
    bad = replace_once(bad, "    respond_days: 3\n", "    respnd_days: 3\n")
    bad = replace_once(bad, "compile_day: 25", "compile_day: 31")
    with pytest.raises(NetworkFileError) as caught:
        parse_network(bad, source="wirral.yaml")
    problems = caught.value.problems
    assert len(problems) == 3
    lines = [int(re.search(r" line (\d+):", p).group(1)) for p in problems]
    assert lines == sorted(lines)  # in file order
    assert str(caught.value).startswith("wirral.yaml: 3 problems, nothing was loaded")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file must be a mapping"),
        ("- just\n- a list\n", "line 1: the file must be a mapping"),
        ("network: {slug: x, name: X}\nofficers: []\n", "officers: List should have at least 1 item"),
        ("network: {slug: Bad Slug, name: X}\n", "network.slug: 'Bad Slug' is not a slug"),
        ("network: [unclosed\n", "YAML syntax"),
        ("network: !!python/object:os.system {}\n", "YAML: could not determine a constructor"),
        ('network: {slug: x, name: "nul\\0"}\n', "network.name: contains a control character"),
    ],
)
def test_malformed_documents(text, message):
    with pytest.raises(NetworkFileError) as caught:
        parse_network(text, source="x.yaml")
    assert any(message in p for p in caught.value.problems), caught.value.problems


# --- describing ----------------------------------------------------------------------------------


def test_describe_and_format_the_loaded_network(session_factory, db):
    assert format_network(describe_network(db)).startswith("No network loaded")
    load_text(session_factory, WIRRAL)
    data = describe_network(db)
    json.dumps(data)  # JSON-ready
    boards = {b["slug"]: b for b in data["boards"]}
    assert boards["wscb"]["channel"] == "#linkedup-wscb" and boards["wscb"]["private"] is True
    assert boards["wscb"]["parent"] == "ctb" and boards["hwbb"]["parent"] is None
    assert boards["cjcg"]["members"] == ["U0DEMOCJCG1", "U0DEMOCJCG2", "U0DEMOCJCG3"]
    assert boards["ctb"]["chair"] == "U0DEMOCTB1" and boards["ctb"]["representative"] == "U0OFFICER1"
    assert boards["ctb"]["meetings"][0]["starts_at"] == "2027-02-09T14:00:00Z"
    assert data["officers"] == [{"slack_user_id": "U0OFFICER1", "name": "Development Officer (demo)"}]
    assert {t["slug"]: t["board"] for t in data["themes"]}["training"] is None
    orgs = {o["slug"]: o for o in data["organisations"]}
    assert orgs["moreton-minds"]["members"] == ["U0DEMOORG08", "U0DEMOORG09"]
    assert orgs["moreton-minds"]["status"] == "approved"
    assert len(data["network_meetings"]) == 3

    text = format_network(data)
    assert (
        "Health and Wellbeing Board [hwbb]\n    Children's Trust Board [ctb]\n      Wirral Safeguarding"
        in text
    )
    assert "channel #linkedup-wscb (private); parent: ctb" in text
    assert "Training [training] → officer's triage" in text
    assert "Tue 15 Jun 2027 13:00" in text  # shown in London time again


# --- random damage never gets past the validator half-done ------------------------------------------

_JUNK = st.sampled_from(
    [":", " ", "-", "- ", "[", "]", "{", "}", "'", '"', "#", "\n", "  ", "&a ", "*a", "!!str ", "|", ">",
     ",", "U0", "C0", "~", "null", "0", "-1", "99", "1e9", "yes", "hwbb", "ctb", "2027-02-30", "\\0", "é"]
)  # fmt: skip
_VALUES = st.sampled_from(
    ["", "null", "-1", "0", "61", "3.5", "yes", "[]", "{}", "''", "U0DEMOORG01", "U0OFFICER1", "hwbb",
     "wscb", "training", "#linkedup-ctb", "GB-CHC-123", "2027-01-19T09:30", "2027-01-19",
     "2027-13-01 10:00:00", '"\\0"', "x" * 300, "not an email", "Europe/Nowhere",
     "[U0DEMOCTB1, U0DEMOCTB1]", "&anchor [*anchor]"]
)  # fmt: skip


@st.composite
def damaged(draw) -> str:
    """The demo file with one to three random edits of the kinds a hurried officer makes."""
    lines = WIRRAL.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "value", "junk"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        elif action == "indent":
            lines[index] = "  " + line
        elif action == "dedent":
            lines[index] = line[2:] if line.startswith("  ") else line
        elif action == "value" and ": " in line:
            key = line.split(": ", 1)[0]
            lines[index] = f"{key}: {draw(_VALUES)}\n"
        else:
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(_JUNK) + line[at:]
        if not lines:
            lines = [""]
    return "".join(lines)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=damaged())
def test_random_damage_is_refused_cleanly_or_loads_whole(session_factory, engine, text):
    load_text(session_factory, WIRRAL)  # a known starting point (after the first example: no changes)
    before = dump(engine)
    try:
        report = load_text(session_factory, text, source="damaged.yaml")
    except NetworkFileError as exc:
        assert exc.problems and all(p.startswith("damaged.yaml") for p in exc.problems)
        assert dump(engine) == before
    else:
        assert dump(engine) == before or report.changed
        again = load_text(session_factory, text, source="damaged.yaml")
        assert again.changed is False


# --- the command line (SQLite file database; the CLI builds its own engine from DATABASE_URL) -------


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    """An empty database file with the models' tables, and the environment pointing the CLI at it."""
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("NETWORK_FILE", raising=False)
    yield engine
    engine.dispose()


def test_cli_load_show_and_reload(cli_database, capsys):
    from bot.cli import main

    assert main(["network", "load", str(DEMO_NETWORK_FILE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wirral.yaml: network created, 1 officer (1 new), 9 boards (9 new)")

    before = dump(cli_database)
    assert main(["network", "load", str(DEMO_NETWORK_FILE)]) == 0
    assert capsys.readouterr().out.startswith("wirral.yaml: no changes (")
    assert dump(cli_database) == before

    assert main(["network", "show", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    boards = {b["slug"]: b for b in data["boards"]}
    assert boards["wscb"]["channel"] == "#linkedup-wscb" and boards["wscb"]["private"] is True
    assert boards["cjcg"]["chair"] == "U0DEMOCJCG1"
    assert "U0DEMOCJCG2" in boards["cjcg"]["members"]
    assert data["officers"][0]["slack_user_id"] == "U0OFFICER1"
    assert {o["slug"]: o["members"] for o in data["organisations"]}["seacombe-young-carers"] == [
        "U0DEMOORG01",
        "U0DEMOORG02",
    ]

    assert main(["network", "show"]) == 0
    text = capsys.readouterr().out
    assert (
        "Children's Joint Commissioning Group [cjcg]" in text
        and "Officers: Development Officer (demo)" in text
    )


def test_cli_bad_file_prints_every_problem_and_changes_nothing(cli_database, tmp_path, capsys):
    from bot.cli import main

    assert main(["network", "load", str(DEMO_NETWORK_FILE)]) == 0
    capsys.readouterr()
    before = dump(cli_database)
    bad = replace_once(WIRRAL, "parent: hwbb", "parent: hwb")
    bad = replace_once(bad, "compile_day: 25", "compile_day: 40")
    bad = replace_once(bad, "members: [U0DEMOORG07]", "members: [u0demoorg07]")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")

    assert main(["network", "load", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("linkedup network: bad.yaml: 2 problems, nothing was loaded\n")
    assert f"bad.yaml line {line_of(bad, 'compile_day: 40')}: network.bulletin.compile_day:" in captured.err
    assert f"bad.yaml line {line_of(bad, 'u0demoorg07')}: organisations[4].members[0]:" in captured.err
    assert dump(cli_database) == before

    fixed = replace_once(bad, "compile_day: 40", "compile_day: 25").replace("u0demoorg07", "U0DEMOORG07")
    path.write_text(fixed, encoding="utf-8")
    assert main(["network", "check", str(path)]) == 2  # the reference error shows once types are right
    assert f"bad.yaml line {line_of(fixed, 'parent: hwb')}: boards[1].parent: unknown board 'hwb'" in (
        capsys.readouterr().err
    )
    assert dump(cli_database) == before


def test_cli_check_and_default_file(cli_database, monkeypatch, capsys):
    from bot.cli import main

    assert main(["network", "check", str(DEMO_NETWORK_FILE)]) == 0
    assert capsys.readouterr().out.startswith("wirral.yaml: valid — 9 boards, 11 themes, 7 organisations")
    assert dump(cli_database)["boards"] == []  # check never writes

    assert main(["network", "load"]) == 2
    assert "name a network file, or set NETWORK_FILE" in capsys.readouterr().err
    monkeypatch.setenv("NETWORK_FILE", str(DEMO_NETWORK_FILE))
    assert main(["network", "load"]) == 0
    assert "9 boards (9 new)" in capsys.readouterr().out
    assert main(["network", "load", "missing.yaml"]) == 2
    assert "missing.yaml: no such file" in capsys.readouterr().err


def test_a_moved_meeting_keeps_its_calendar_uid_with_a_higher_sequence(app, session_factory, db):
    """Calendars update a moved meeting in place only if its UID stays and its SEQUENCE grows."""
    from icalendar import Calendar

    load_text(session_factory, WIRRAL)

    def cjcg_events() -> dict[str, tuple[datetime, int]]:
        body = app.test_client().get("/calendar.ics?board=cjcg").data
        return {
            str(e["uid"]): (e.decoded("dtstart"), int(e["sequence"]))
            for e in Calendar.from_ical(body).walk("VEVENT")
        }

    before = cjcg_events()
    moved = replace_once(
        WIRRAL,
        "{starts_at: 2027-06-03T10:00, ends_at: 2027-06-03T12:00}",
        "{starts_at: 2027-06-10T10:00, ends_at: 2027-06-10T12:00}",
    )
    load_text(session_factory, moved)
    after = cjcg_events()
    assert set(after) == set(before)  # the same UIDs: nothing deleted and re-added
    changed = [uid for uid in after if after[uid] != before[uid]]
    assert len(changed) == 1
    (uid,) = changed
    assert after[uid][0] - before[uid][0] == timedelta(days=7)
    assert (before[uid][1], after[uid][1]) == (0, 1)
    assert "2027" not in uid
    load_text(session_factory, moved)  # reloading the same file is not another move
    assert cjcg_events() == after
    load_text(session_factory, WIRRAL)  # moved back: still the same event, one revision later
    assert cjcg_events()[uid] == (before[uid][0], 2)
