"""`network_file.editing`: any change the officer can make is either refused — every problem one sentence
with names, nothing written — or made, after which the network still exports and reloads unchanged.

Hypothesis throws changes at the Wirral network that mix sensible and broken values (channels, working
days, parents that make loops, members typed every way, e-mail addresses with and without a domain,
meetings, organisations), one after another, as an officer would over a morning.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bot.paths import DEMO_NETWORK_FILE
from models import AuditLog
from models.base import Base
from models.db import transaction
from network_file.document import parse_network
from network_file.editing import (
    AddMeeting,
    BoardForm,
    ChangeRefused,
    SaveBoard,
    SaveOrganisation,
    SaveTheme,
    apply_change,
    parse_member_line,
)
from network_file.export import export_data, export_text
from network_file.loader import load_network, load_path
from tests.test_network_admin import dump

SLUGS = ["hwbb", "ctb", "wscb", "cjcg", "early-help", "neet"]
OFFICER = "U0OFFICER1"

MEMBER_LINES = st.sampled_from(
    [
        "U0DEMOCTB1",
        "U0NEWMEMBER",
        "Jo Smith <jo.smith@wirral.gov.uk>",
        "jo.smith@wirral.gov.uk U0NEWMEMBER",
        "Pat <pat@nhs.net> U0DEMOHWB2",
        "nobody@nowhere",
        "just a name",
        "<@U0DEMOCJCG1>",
    ]
)
GOOD_LINES = st.sampled_from(
    ["U0DEMOCTB1", "U0NEWMEMBER", "Jo Smith <jo.smith@wirral.gov.uk>", "Pat <pat@nhs.net>"]
)
GOOD_CHANNELS = st.sampled_from(["#linkedup-new", "C0NEWCHAN1", "G0PRIVATE2"])
CHANNELS = st.sampled_from(["#linkedup-new", "C0NEWCHAN1", "G0PRIVATE2", "linkedup new", "#", "#UPPER"])
DAYS = st.integers(min_value=-1, max_value=70)


@st.composite
def board_changes(draw):
    """Mostly a sensible form (so changes are made, not only refused), now and then one broken field."""
    slug = draw(st.sampled_from(SLUGS))
    broken = draw(st.sampled_from([None, None, None, "channel", "days", "members"]))
    lines = draw(
        st.lists(MEMBER_LINES, max_size=4)
        if broken == "members"
        else st.lists(GOOD_LINES, min_size=1, max_size=3, unique=True)
    )
    try:
        members = [parse_member_line(line) for line in lines]
    except ChangeRefused:
        members = list(lines)  # typed as is: the file's own checks must refuse it
    refs = [m if isinstance(m, str) else (m.get("slack") or m.get("email")) for m in members]
    form = BoardForm(
        name=draw(st.sampled_from(["Renamed board", "Renamed board", "Children's Trust Board"])),
        channel=draw(CHANNELS if broken == "channel" else GOOD_CHANNELS),
        acknowledge_days=draw(DAYS if broken == "days" else st.integers(1, 5)),
        respond_days=draw(DAYS if broken == "days" else st.integers(5, 20)),
        parent=draw(st.sampled_from([None, "hwbb", "hwbb", *SLUGS])),
        chair=draw(st.sampled_from([None, "U0SOMEONE9", *refs])),
        members=members,
        private=draw(st.booleans()),
        slug=draw(st.sampled_from(["police", "new-board", "ctb", "Bad Slug"])),
    )
    return SaveBoard(form, slug=draw(st.sampled_from([None, slug])))


CHANGES = st.one_of(
    board_changes(),
    st.builds(
        SaveTheme,
        name=st.sampled_from(["Funding", "Funding and commissioning", "Safeguarding", "Transport"]),
        board=st.sampled_from([None, "cjcg", "nowhere"]),
        keywords=st.lists(st.sampled_from(["grant", "rent", "bus", "Grant"]), max_size=3),
        slug=st.sampled_from([None, "funding-and-commissioning", "safeguarding"]),
        new_slug=st.sampled_from(["transport", "safeguarding", "Not A Slug"]),
    ),
    st.builds(
        AddMeeting,
        starts_at=st.sampled_from(["2027-02-09T15:00", "2027-02-09T14:00", "2027-13-01T10:00", "tomorrow"]),
        board=st.sampled_from([None, "ctb", "cjcg"]),
        ends_at=st.sampled_from([None, "2027-02-09T16:00", "2027-02-09T13:00"]),
        location=st.sampled_from([None, "Birkenhead"]),
    ),
    st.builds(
        SaveOrganisation,
        name=st.sampled_from(["Seacombe Young Carers (demo)", "New Org", "Moreton Minds (demo)"]),
        contact_email=st.sampled_from(["info@example.org", "info@", "not an address"]),
        identifier=st.sampled_from([None, "GB-CHC-1234567", "12345"]),
        bulletin_consent=st.booleans(),
        members=st.lists(st.sampled_from(["U0DEMOORG01", "U0NEWPERSON1", "U0OFFICER1", "bob"]), max_size=3),
        slug=st.sampled_from([None, "seacombe-young-carers"]),
        new_slug=st.sampled_from(["new-org", "seacombe-young-carers"]),
    ),
)


@pytest.fixture
def wirral(app, session_factory, db):
    """The demo network afresh for each example, with the app made (as in production: removing a
    leaver publishes their Home tab through the renderer the app installs)."""

    def fresh() -> None:
        with transaction(session_factory) as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
            load_path(session, DEMO_NETWORK_FILE)

    return fresh


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(CHANGES, min_size=1, max_size=3))
def test_a_change_is_refused_whole_in_sentences_or_made_and_the_network_still_round_trips(
    session_factory, engine, wirral, changes
):
    wirral()
    for change in changes:
        before = dump(engine)
        session = session_factory()
        try:
            edited = apply_change(session, change, actor=OFFICER, by="Development Officer (demo)")
            session.commit()
        except ChangeRefused as refused:
            session.rollback()
            event(f"refused: {type(change).__name__}: {refused.problems[0][:70]}")
            assert refused.problems
            for problem in refused.problems:
                assert "\n" not in problem and problem.endswith((".", ")")), problem
                assert "boards[" not in problem and " line " not in problem, problem
            assert dump(engine) == before
            continue
        finally:
            session.close()
        event(f"made: {type(change).__name__}")
        assert edited.said
        with transaction(session_factory) as session:
            text = export_text(session)
            if edited.report.changed:
                audit = session.scalars(
                    select(AuditLog).where(AuditLog.action == "network.edit").order_by(AuditLog.id.desc())
                ).first()
                assert audit.after["change"] == edited.said
        with transaction(session_factory) as session:
            report = load_network(session, parse_network(text, source="export.yaml"), source="export.yaml")
        assert not report.changed, report.summary()
        with transaction(session_factory) as session:
            assert export_text(session) == text
            assert any(b["members"] for b in export_data(session)["boards"])


def test_two_changes_at_once_queue_and_the_second_sees_the_first(session_factory, wirral):
    """While one change is open, a second waits, then checks itself against the network with the
    first made: a board renamed by one officer makes the other's new board of that name a clear
    refusal (without the queue it was validated against the old names and hit the database's
    unique index instead)."""
    wirral()
    first, second = session_factory(), session_factory()
    refused: list[list[str]] = []
    try:
        with transaction(session_factory) as session:
            cjcg = next(b for b in export_data(session)["boards"] if b["slug"] == "cjcg")
        renamed = BoardForm(
            name="Commissioning Group",
            channel=cjcg["channel"],
            acknowledge_days=cjcg["acknowledge_days"],
            respond_days=cjcg["respond_days"],
            parent=cjcg.get("parent"),
            chair=cjcg.get("chair"),
            members=cjcg["members"],
            private=False,
        )
        apply_change(first, SaveBoard(renamed, slug="cjcg"), actor=OFFICER)
        new_board = BoardForm(
            name="Commissioning Group",
            channel="#commissioning",
            acknowledge_days=2,
            respond_days=10,
            parent="ctb",
            chair=None,
            members=["U0SOMEONE1"],
            private=False,
            slug="commissioning",
        )

        def other_officer() -> None:
            try:
                apply_change(second, SaveBoard(new_board), actor=OFFICER)
                second.commit()
            except ChangeRefused as exc:
                second.rollback()
                refused.append(exc.problems)

        worker = threading.Thread(target=other_officer)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive()  # queued behind the first change
        first.commit()
        worker.join(timeout=60)
        assert not worker.is_alive()
    finally:
        first.close()
        second.close()
    assert refused == [["Another board is already called Commissioning Group."]]


def test_network_load_waits_for_a_change_in_progress_then_applies_the_file_whole(session_factory, wirral):
    """`linkedup network load` during an officer's change queues behind it (as a second change does),
    then brings the network to the file: it neither reads the network half-changed nor fails on it."""
    wirral()
    with transaction(session_factory) as session:
        text = export_text(session)
        cjcg = next(b for b in export_data(session)["boards"] if b["slug"] == "cjcg")
    renamed = BoardForm(
        name="Commissioning Group",
        channel=cjcg["channel"],
        acknowledge_days=cjcg["acknowledge_days"],
        respond_days=cjcg["respond_days"],
        parent=cjcg.get("parent"),
        chair=cjcg.get("chair"),
        members=cjcg["members"],
        private=False,
    )
    officer, loader = session_factory(), session_factory()
    reports = []
    try:
        apply_change(officer, SaveBoard(renamed, slug="cjcg"), actor=OFFICER)

        def network_load() -> None:
            reports.append(load_network(loader, parse_network(text, source="file.yaml"), source="file.yaml"))
            loader.commit()

        worker = threading.Thread(target=network_load)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the load waits for the change in progress"
        officer.commit()
        worker.join(timeout=60)
        assert not worker.is_alive()
    finally:
        officer.close()
        loader.close()
    [report] = reports
    assert report.changed, "the load saw the officer's rename and undid it, as the file says"
    with transaction(session_factory) as session:
        assert export_text(session) == text
