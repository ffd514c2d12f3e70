"""Board members by e-mail (issue 18): in the network file, in the database, and out of logs and the
public directory.

A board member is a Slack user, an e-mail address, or both. The network file writes a Slack member as
`U0…` (as before) and anyone with an address as `{email, name, slack}`; a bad address is refused with
its line like every other mistake; the loader matches people by Slack id, else by address, so a member
who gains a Slack id keeps their row.
"""

from __future__ import annotations

import json
import logging

import pytest
from email_validator import validate_email
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.paths import DEMO_NETWORK_FILE
from models import Board, BoardMember
from models.db import transaction
from network_file.document import NetworkFileError, parse_network
from tests.test_network_file import cli_database, dump, line_of, load_text  # noqa: F401 - fixture

WIRRAL = DEMO_NETWORK_FILE.read_text(encoding="utf-8")
DEMO_ADDRESSES = ("director.childrens@example.org", "icb.commissioner@example.org")

SMALL = """\
network: {slug: demo, name: Demo network}
officers: [{slack_user_id: U0OFFICER1, name: Officer}]
boards:
  - slug: hwbb
    name: Health and Wellbeing Board
    channel: "#hwbb"
    chair: CHAIR
    members:
MEMBERS
"""


def small(chair: str, *members: str) -> str:
    listed = "\n".join(f"      - {m}" for m in members)
    return SMALL.replace("CHAIR", chair).replace("MEMBERS", listed)


def members_of(db, slug: str) -> list[BoardMember]:
    board = db.scalars(
        select(Board).where(Board.slug == slug).execution_options(populate_existing=True)
    ).one()
    return list(board.members)


# --- the file ----------------------------------------------------------------------------------


def test_shipped_network_has_e_mail_only_members_and_reloads_unchanged(session_factory, db, engine):
    load_text(session_factory, WIRRAL)
    hwbb = members_of(db, "hwbb")
    by_email = {m.email: m for m in hwbb if m.email}
    assert set(by_email) == set(DEMO_ADDRESSES)
    assert all(m.slack_user_id is None and m.email_only and m.name for m in by_email.values())
    assert [m.slack_user_id for m in hwbb if not m.email] == ["U0DEMOHWB1", "U0DEMOHWB2"]

    before = dump(engine)
    report = load_text(session_factory, WIRRAL)
    assert not report.changed and dump(engine) == before


def test_a_chair_named_by_address_is_an_e_mail_chair(session_factory, db):
    text = small(
        "jo.smith@council.example.org", "U0ONE", "{email: Jo.Smith@COUNCIL.example.org, name: Jo Smith}"
    )
    load_text(session_factory, text, "demo.yaml")
    board = db.scalars(select(Board)).one()
    # The domain is normalised (lower case); the local part is kept as written.
    assert (board.chair_slack_user_id, board.chair_email) == (None, "Jo.Smith@council.example.org")

    # The same person given a Slack id: one row, updated in place, and the chair has both.
    row_id = members_of(db, "hwbb")[1].id
    text = small(
        "U0JOSMITH", "U0ONE", "{email: jo.smith@council.example.org, name: Jo Smith, slack: U0JOSMITH}"
    )
    report = load_text(session_factory, text, "demo.yaml")
    assert report["board_members"].updated == {"hwbb/U0JOSMITH": ["slack_user_id", "email"]}
    db.expire_all()
    board = db.scalars(select(Board)).one()
    assert (board.chair_slack_user_id, board.chair_email) == ("U0JOSMITH", "jo.smith@council.example.org")
    [jo] = [m for m in members_of(db, "hwbb") if m.slack_user_id == "U0JOSMITH"]
    assert jo.id == row_id and not jo.email_only


def test_load_report_never_names_an_address(session_factory):
    text = small(
        "U0ONE", "U0ONE", "{email: jo.smith@council.example.org}", "{email: sam@nhs.example.org, name: Sam}"
    )
    report = load_text(session_factory, text, "demo.yaml")
    assert report["board_members"].created == ["hwbb/U0ONE", "hwbb/j…@council.example.org", "hwbb/Sam"]
    assert "@council" not in report.summary()
    removed = load_text(session_factory, small("U0ONE", "U0ONE"), "demo.yaml")["board_members"].removed
    assert removed == ["hwbb/j…@council.example.org", "hwbb/Sam"]


BAD = {
    "invalid address": (
        "{email: jo.smith@, name: Jo}",
        "boards[0].members[1].email: 'jo.smith@' is not a valid",
    ),
    "neither": ("{name: Jo}", "boards[0].members[1]: a board member needs an email: or a slack:"),
    "typo": ("{emial: jo@council.example.org}", "unknown key 'emial' (did you mean 'email'?)"),
    "duplicate address": (
        "{email: jo@council.example.org}\n      - {email: JO@council.example.org}",
        "duplicate member e-mail address",
    ),
    "bad slack": ("{email: jo@council.example.org, slack: jo}", "'jo' is not a Slack user id"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_member_is_refused_with_its_line_and_nothing_changes(case, session_factory, engine):
    load_text(session_factory, WIRRAL)
    before = dump(engine)
    entry, message = BAD[case]
    text = small("U0ONE", "U0ONE", entry)
    with pytest.raises(NetworkFileError) as caught, transaction(session_factory) as session:
        from network_file.loader import load_network

        load_network(session, parse_network(text, source="demo.yaml"))
    [problem] = caught.value.problems
    assert problem.startswith(f"demo.yaml line {line_of(text, entry.splitlines()[-1].strip(' -'))}: ")
    assert message in problem
    assert dump(engine) == before


def test_a_chair_not_listed_by_address_is_refused():
    with pytest.raises(NetworkFileError) as caught:
        parse_network(small("jim@council.example.org", "{email: jo@council.example.org}"), "demo.yaml")
    assert caught.value.problems == [
        "demo.yaml line 7: boards[0].chair: jim@council.example.org must also be listed in this "
        "board's members"
    ]


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.one_of(st.emails(), st.text(max_size=60)))
def test_any_address_is_loaded_normalised_or_refused_at_its_line(address):
    """Whatever is typed for `email:`, the file either holds a valid, normalised address or is refused
    with the member's line — never a crash and never an address the sender would choke on."""
    text = small("U0ONE", "U0ONE", "{email: " + json.dumps(address) + "}")
    try:
        document = parse_network(text, "demo.yaml")
    except NetworkFileError as exc:
        assert all(p.startswith("demo.yaml line ") for p in exc.problems)
        assert any(" line 10: boards[0].members[1]" in p for p in exc.problems), exc.problems
        return
    stored = document.boards[0].people[1].email
    assert stored == validate_email(stored, check_deliverability=False).normalized
    assert "\r" not in stored and "\n" not in stored


# --- addresses stay private --------------------------------------------------------------------


def test_cli_load_logs_and_prints_no_address(cli_database, capsys, caplog):  # noqa: F811
    """`network load` reports what changed without an address in its output or any log line;
    `network show` is the officer's own view of the configuration and lists them."""
    from bot.cli import main

    caplog.set_level(logging.DEBUG)
    assert main(["network", "load", str(DEMO_NETWORK_FILE)]) == 0
    out = capsys.readouterr().out
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for address in DEMO_ADDRESSES:
        assert address not in out and address not in logged
    assert main(["network", "show", "--json"]) == 0
    hwbb = {b["slug"]: b for b in json.loads(capsys.readouterr().out)["boards"]}["hwbb"]
    assert {"email": DEMO_ADDRESSES[0], "name": "Director of Children's Services (demo)"} in hwbb["members"]
    assert "U0DEMOHWB1" in hwbb["members"]


def test_open_referral_directory_holds_no_board_address(app, session_factory):
    load_text(session_factory, WIRRAL)
    client = app.test_client()
    bodies = [client.get("/openreferral/").get_data(as_text=True)]
    listed = client.get("/openreferral/services?per_page=50").get_json()
    bodies.append(json.dumps(listed))
    for service in listed["contents"][:5]:
        bodies.append(client.get(f"/openreferral/services/{service['id']}").get_data(as_text=True))
    assert listed["contents"], "the demo network lists services"
    for address in DEMO_ADDRESSES:
        assert not any(address in body for body in bodies)


def test_cli_prints_a_sign_in_link_for_a_member_outside_slack(cli_database, capsys, monkeypatch):  # noqa: F811
    from bot.cli import main
    from models.db import make_session_factory
    from models.email_links import SIGN_IN, check_link

    monkeypatch.setenv("SECRET_KEY", "cli-secret-for-the-e-mail-sign-in-test")
    assert main(["network", "load", str(DEMO_NETWORK_FILE)]) == 0
    capsys.readouterr()
    assert main(["sign-in", DEMO_ADDRESSES[0]]) == 0
    out = capsys.readouterr().out
    assert "Director of Children's Services (demo)" in out and "board member (HWBB)" in out
    token = out.strip().rsplit("/dashboard/email/sign-in/", 1)[1]
    with make_session_factory(cli_database)() as session:
        link = check_link(session, token, secret="cli-secret-for-the-e-mail-sign-in-test", action=SIGN_IN)
        assert link.used_at is None
    assert main(["sign-in", "nobody@example.org"]) == 2
    assert "not the address of a board member" in capsys.readouterr().err


def test_the_bulletin_holds_no_board_address(session_factory, db):
    """The bulletin shows the network's boards and meetings; a board member's address is never in it."""
    from datetime import UTC, datetime

    from bulletins.compile import compile_bulletin

    load_text(session_factory, WIRRAL)
    bulletin = compile_bulletin(db, datetime.now(UTC).strftime("%Y-%m"))
    for address in DEMO_ADDRESSES:
        assert address not in bulletin.html and address not in bulletin.text
        assert address not in (bulletin.web_html or "")


def test_a_representative_outside_slack_is_named_in_the_board_report(db):
    from datetime import UTC, datetime

    from reporting.board_report.representation import board_seats
    from reporting.periods import parse_period
    from tests import factories

    board = factories.board(db, "hwbb", "Health and Wellbeing Board", channel="C0HWB00001")
    board.representative_email = "jo.smith@council.example.org"
    db.add(BoardMember(board=board, email="jo.smith@council.example.org", name="Jo Smith"))
    db.commit()
    [seat] = board_seats(db, parse_period("2026Q3"), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert (seat.board, seat.representative) == ("Health and Wellbeing Board", "Jo Smith")
