"""Who a notice or survey reaches: the registry's criteria resolved into people, each once.

The property tests build a random registry (organisations approved or not, services with categories
and ages, members, boards with members, themes) and a random spec, and compare `resolve` with a
plain reading of the rules in `audience.selection`'s docstring.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audience.selection import Audience, AudienceSpec, Reach, describe, overlaps, resolve
from models import Member, OrganisationStatus
from models.base import utcnow
from models.errors import ValidationError
from tests import factories

CATEGORIES = ("early years", "parenting", "youth club", "mental health", "SEND family support")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ages = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 25), st.integers(0, 25)).map(lambda t: (min(t), max(t))),
    st.tuples(st.none(), st.integers(0, 25)),
    st.tuples(st.integers(0, 25), st.none()),
)
services = st.lists(st.tuples(st.sampled_from(CATEGORIES), ages), max_size=3)
organisations = st.lists(
    st.tuples(st.sampled_from(list(OrganisationStatus)), services, st.integers(0, 3), st.booleans()),
    min_size=1,
    max_size=6,
)
specs = st.builds(
    AudienceSpec,
    everyone=st.booleans(),
    categories=st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True).map(tuple),
    age_range=st.one_of(
        st.none(), st.tuples(st.integers(0, 20), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1]))
    ),
    themes=st.lists(st.sampled_from(["safeguarding", "youth"]), max_size=2, unique=True).map(tuple),
    boards=st.lists(st.sampled_from(["wscb", "yrg"]), max_size=1).map(tuple),
    board_members=st.booleans(),
    organisations=st.lists(st.integers(0, 5), max_size=2).map(tuple),
    reach=st.sampled_from(list(Reach)),
)


def build(db, orgs):
    """The registry: boards wscb (safeguarding theme) and yrg (youth theme, matching "youth club")."""
    wscb = factories.board(db, "wscb", "Safeguarding Board", members=("U0BOARD1", "U0ORG0M0"))
    yrg = factories.board(
        db, "yrg", "Youth Reference Group", members=("U0BOARD2",), chair_slack_user_id="U0CHAIR"
    )
    factories.theme(db, "safeguarding", "Safeguarding", board=wscb, keywords=("MASH", "child protection"))
    factories.theme(db, "youth", "Youth provision", board=yrg, keywords=("youth club",))
    rows, start = [], utcnow() - timedelta(days=400)
    for index, (status, its_services, people, simulated) in enumerate(orgs):
        org = factories.organisation(db, f"Org {index}", members=(), status=status, simulated=simulated)
        for s_index, (category, span) in enumerate(its_services):
            low, high = span if span is not None else (None, None)
            factories.service(db, org, f"Service {s_index}", category=category, min_age=low, max_age=high)
        for person in range(people):
            db.add(
                Member(
                    slack_user_id=f"U0ORG{index}M{person}",
                    organisation=org,
                    created_at=start + timedelta(days=10 * person),
                )
            )
        rows.append((org, its_services, people))
    db.flush()
    return rows


def expected_organisations(rows, spec: AudienceSpec, index_to_id) -> set[int]:
    """The organisations the rules select, read plainly (no SQL)."""
    chosen = set()
    named = {index_to_id.get(i) for i in spec.organisations}
    themed = (
        set(spec.themes)
        | {"safeguarding" for b in spec.boards if b == "wscb"}
        | {"youth" for b in spec.boards if b == "yrg"}
    )
    for org, its_services, _ in rows:
        if org.status is not OrganisationStatus.APPROVED or org.simulated:
            continue
        if spec.everyone or org.id in named:
            chosen.add(org.id)
        for category, span in its_services:
            low, high = span if span is not None else (None, None)
            if spec.categories or spec.age_range is not None:
                category_ok = not spec.categories or category in spec.categories
                ages_ok = spec.age_range is None or overlaps(low, high, spec.age_range)
                if category_ok and ages_ok:
                    chosen.add(org.id)
            if "youth" in themed and category == "youth club":
                chosen.add(org.id)
    return chosen


@FAST
@given(orgs=organisations, spec=specs)
def test_everyone_reached_belongs_to_a_selected_organisation_or_a_board_and_nobody_twice(db, orgs, spec):
    try:
        rows = build(db, orgs)
        index_to_id = {i: org.id for i, (org, _, _) in enumerate(rows)}
        spec = AudienceSpec(
            **{**spec.__dict__, "organisations": tuple(index_to_id.get(i, 10**6) for i in spec.organisations)}
        )
        wanted = expected_organisations(rows, AudienceSpec(**{**spec.__dict__, "organisations": ()}), {})
        wanted |= {
            i
            for i in spec.organisations
            if i in {o.id for o, _, _ in rows if o.status is OrganisationStatus.APPROVED and not o.simulated}
        }
        board_people = set()
        if spec.board_members:
            boards = spec.boards or ("wscb", "yrg")
            board_people |= {"U0BOARD1", "U0ORG0M0"} if "wscb" in boards else set()
            board_people |= {"U0BOARD2", "U0CHAIR"} if "yrg" in boards else set()
        members_of = {org.id: [f"U0ORG{i}M{p}" for p in range(n)] for i, (org, _, n) in enumerate(rows)}
        expected_people = {uid for org_id in wanted for uid in members_of[org_id]}
        if spec.reach is Reach.ONE_CONTACT:
            # The longest-standing member joined first: M0 (joined earliest in `build`).
            expected_people = {members_of[org_id][0] for org_id in wanted if members_of[org_id]}
        expected_people |= board_people
        if not expected_people or (not spec.board_members and not _selects(spec)):
            with pytest.raises(ValidationError):
                resolve(db, spec)
            return
        audience = resolve(db, spec)
        ids = [r.slack_user_id for r in audience.recipients]
        assert len(ids) == len(set(ids)), "somebody is reached twice"
        assert set(ids) == expected_people
        assert audience.organisation_ids == {org_id for org_id in wanted if members_of[org_id]}
        for recipient in audience.recipients:
            assert (
                recipient.organisation_id in audience.organisation_ids
                or recipient.slack_user_id in board_people
            )
        if spec.reach is Reach.ONE_CONTACT:
            from_orgs = [r for r in audience.recipients if r.slack_user_id not in audience.board_member_ids]
            assert len(from_orgs) == len({r.organisation_id for r in from_orgs})
        assert resolve(db, spec) == audience, "the order is stable"
        assert describe(audience, spec).startswith(f"{audience.people} ")
    finally:
        db.rollback()


def _selects(spec: AudienceSpec) -> bool:
    return spec.selects_organisations


def test_ages_0_to_5_and_categories_intersect_on_the_same_service(db):
    nursery = factories.organisation(db, "Nursery", members=("U0A", "U0B"))
    factories.service(db, nursery, "Stay and play", category="early years", min_age=0, max_age=4)
    teens = factories.organisation(db, "Teens", members=("U0C",))
    factories.service(db, teens, "Club", category="youth club", min_age=13, max_age=19)
    mixed = factories.organisation(db, "Mixed", members=("U0D",))
    factories.service(db, mixed, "Parenting", category="parenting", min_age=3, max_age=11)
    factories.service(db, mixed, "Youth", category="youth club", min_age=11, max_age=19)
    unknown = factories.organisation(db, "Unknown ages", members=("U0E",))
    factories.service(db, unknown, "Drop-in", category="early years", min_age=None, max_age=None)
    pending = factories.organisation(db, "Pending", members=("U0F",), status=OrganisationStatus.PENDING)
    factories.service(db, pending, "Stay and play", category="early years", min_age=0, max_age=4)

    spec = AudienceSpec(age_range=(0, 5))
    audience = resolve(db, spec)
    assert [r.slack_user_id for r in audience.recipients] == ["U0D", "U0A", "U0B"]
    assert audience.organisations == 2
    assert describe(audience, spec) == "3 people in 2 organisations serving ages 0–5"

    with pytest.raises(ValidationError) as refused:
        resolve(db, AudienceSpec(categories=("Youth Club",), age_range=(0, 5)))
    assert "Nobody matches" in str(refused.value)
    youth = resolve(db, AudienceSpec(categories=(" Youth Club",)))
    assert [r.slack_user_id for r in youth.recipients] == ["U0D", "U0C"]


def test_one_contact_is_the_longest_standing_member_and_leavers_are_not_reached(db):
    org = factories.organisation(db, "Carers", members=())
    factories.service(db, org, category="young carers")
    old = utcnow() - timedelta(days=900)
    db.add_all(
        [
            Member(slack_user_id="U0NEW", organisation=org, created_at=old + timedelta(days=5)),
            Member(slack_user_id="U0OLD", organisation=org, created_at=old, display_name="Olive"),
        ]
    )
    db.flush()
    spec = AudienceSpec(organisations=(org.id,), reach=Reach.ONE_CONTACT)
    assert [(r.slack_user_id, r.name) for r in resolve(db, spec).recipients] == [("U0OLD", "Olive")]
    db.delete(db.query(Member).filter_by(slack_user_id="U0OLD").one())
    db.flush()
    assert [r.slack_user_id for r in resolve(db, spec).recipients] == ["U0NEW"]


def test_themes_match_service_words_and_acronyms_only_in_capitals(db):
    board = factories.board(db, "aadsp", "All Age Disability", members=("U0CHAIRX",))
    factories.theme(db, "send", "SEND and disability", board=board, keywords=("SEND", "short breaks"))
    forum = factories.organisation(db, "Forum", members=("U0FORUM",))
    factories.service(db, forum, "SEND family support line", category="SEND family support")
    breaks = factories.organisation(db, "Breaks", members=("U0BREAK",))
    factories.service(db, breaks, "Saturday Short Breaks", category="respite")
    post = factories.organisation(db, "Post", members=("U0POST",))
    factories.service(db, post, "We send letters", category="advice")
    by_theme = resolve(db, AudienceSpec(themes=("send",)))
    assert {r.slack_user_id for r in by_theme.recipients} == {"U0FORUM", "U0BREAK"}
    by_board = resolve(db, AudienceSpec(boards=("aadsp",), board_members=True))
    assert [r.slack_user_id for r in by_board.recipients] == ["U0BREAK", "U0FORUM", "U0CHAIRX"]
    assert by_board.board_member_ids == {"U0CHAIRX"}
    assert "plus 1 board member" in describe(by_board, AudienceSpec(boards=("aadsp",), board_members=True))


def test_no_criteria_and_a_backwards_age_range_are_refused(db):
    factories.organisation(db, "Any")
    with pytest.raises(ValidationError):
        resolve(db, AudienceSpec())
    with pytest.raises(ValidationError) as refused:
        resolve(db, AudienceSpec(age_range=(5, 0)))
    assert "ages" in refused.value.errors
    assert isinstance(resolve(db, AudienceSpec(everyone=True)), Audience)
