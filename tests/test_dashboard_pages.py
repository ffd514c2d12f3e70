"""Every dashboard page × every role, on both databases: who sees what, filters, pagination, charts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from intake.returns import record_return
from models import Bulletin, BulletinReport, LinkClick, Meeting
from models.base import utcnow
from models.returns import last_complete_month, london_today
from tests import factories
from tests.dashboard_support import (
    CJCG_MEMBER,
    CTB_MEMBER,
    MEMBER_A,
    MEMBER_A2,
    MEMBER_B,
    OFFICER,
    VISIBLE,
    WSCB_MEMBER,
    build_world,
    sign_in,
)

ROLES = [OFFICER, CJCG_MEMBER, WSCB_MEMBER, CTB_MEMBER, MEMBER_A, MEMBER_A2, MEMBER_B]
PAGES = [
    "/dashboard/",
    "/dashboard/issues",
    "/dashboard/waiting-lists",
    "/dashboard/bulletins",
    "/dashboard/meetings",
]
REFS = {
    "LU-A1": "LU-2026-0001",
    "LU-A2": "LU-2026-0002",
    "LU-B1": "LU-2026-0003",
    "LU-B2": "LU-2026-0004",
    "LU-B3": "LU-2026-0005",
}
TITLES = {
    "LU-A1": "Grant cliff edge",
    "LU-A2": "Worrying pattern at drop-in",
    "LU-B1": "No youth club on Fridays",
    "LU-B2": "Room hire costs doubled",
    "LU-B3": "Something unclear",
}


@pytest.fixture
def world(db):
    return build_world(db)


def listed_references(html: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a href="/dashboard/issues/(LU-\d{4}-\d{4})">', html))


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who", ROLES)
def test_every_page_answers_every_role(app, db, world, who):
    client = sign_in(app, db, who)
    for page in PAGES:
        html = text_of(client.get(page))
        assert "<h1>" in html
        # Nothing the role may not see leaks into any page, not even a title.
        for key, title in TITLES.items():
            if key not in VISIBLE[who]:
                assert title not in html, f"{who} sees {key} on {page}"


@pytest.mark.parametrize("who", ROLES)
def test_issues_list_shows_exactly_what_the_role_may_see(app, db, world, who):
    client = sign_in(app, db, who)
    html = text_of(client.get("/dashboard/issues"))
    assert listed_references(html) == {REFS[key] for key in VISIBLE[who]}


@pytest.mark.parametrize("who", ROLES)
def test_item_pages_follow_the_access_matrix(app, db, world, who):
    client = sign_in(app, db, who)
    for key, reference in REFS.items():
        response = client.get(f"/dashboard/issues/{reference}")
        if key in VISIBLE[who]:
            assert response.status_code == 200
            assert TITLES[key] in response.get_data(as_text=True)
        else:
            assert response.status_code == 404, f"{who} can open {key}"
            assert TITLES[key] not in response.get_data(as_text=True)


def test_the_safeguarding_board_does_not_see_who_raised_a_sensitive_item(app, db, world):
    client = sign_in(app, db, WSCB_MEMBER)
    html = text_of(client.get(f"/dashboard/issues/{REFS['LU-A2']}"))
    assert "Withheld (safeguarding)" in html
    assert "Alpha Young Carers" not in html
    listing = text_of(client.get("/dashboard/issues"))
    table = listing.split('<table class="list">', 1)[1].split("</table>", 1)[0]
    assert REFS["LU-A2"] in table
    assert "Alpha Young Carers" not in table and "Withheld (safeguarding)" in table
    # Nor can it find out by filtering on the organisation.
    filtered = text_of(client.get(f"/dashboard/issues?organisation={world.org_a.id}"))
    assert listed_references(filtered) == set()
    # The raiser's own organisation and the officer do see it.
    for who in (MEMBER_A, OFFICER):
        assert "Alpha Young Carers" in text_of(
            sign_in(app, db, who).get(f"/dashboard/issues/{REFS['LU-A2']}")
        )


def test_a_safeguarding_board_that_chose_to_see_organisations_sees_them(app, db, world):
    world.wscb.withhold_organisation_when_sensitive = False
    db.commit()
    html = text_of(sign_in(app, db, WSCB_MEMBER).get(f"/dashboard/issues/{REFS['LU-A2']}"))
    assert "Alpha Young Carers" in html


def test_item_history_shows_the_escalation_and_its_events(app, db, world):
    html = text_of(sign_in(app, db, OFFICER).get(f"/dashboard/issues/{REFS['LU-A1']}"))
    assert "Children&#39;s Joint Commissioning Group" in html
    assert "Routed to the Children&#39;s Joint Commissioning Group</li>" in html  # a sentence, not a key
    assert "late" in html  # acknowledged after its acknowledge-by deadline


def test_overview_counts_only_what_the_role_may_see(app, db, world):
    officer = text_of(sign_in(app, db, OFFICER).get("/dashboard/"))
    assert re.search(r'<span class="figure">4</span> open issues', officer)
    cjcg = text_of(sign_in(app, db, CJCG_MEMBER).get("/dashboard/"))
    assert re.search(r'<span class="figure">1</span> open issues', cjcg)
    # Overdue: the officer sees both overdue items; CJCG only its own.
    assert REFS["LU-A2"] in officer and REFS["LU-B2"] in officer
    assert REFS["LU-B2"] in cjcg and REFS["LU-A2"] not in cjcg
    # Charts carry their accessible names and a data table.
    assert 'role="img"' in officer
    assert "<title id=" in officer and "<desc id=" in officer
    assert "Show the numbers as a table" in officer
    assert '<caption class="visually-hidden">Open issues by theme</caption>' in officer
    # One visible title per chart: the section's heading; the figure's caption is for screen readers.
    assert '<figcaption id="bar-' in officer
    assert 'class="visually-hidden">Open issues by theme</figcaption>' in officer
    assert "No board (officer&#39;s triage)" in officer  # LU-B3 is in triage


def test_board_timeliness_table(app, db, world):
    html = text_of(sign_in(app, db, OFFICER).get("/dashboard/issues"))
    section = html.split("Timeliness by board", 1)[1]
    row = section.split("Children&#39;s Joint Commissioning Group", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">(.*?)</td>', row, flags=re.S)
    assert cells[0] == "2"  # escalations
    assert cells[1] == "2.0 days"  # A1 acknowledged two days after it started
    assert cells[2].startswith("0.0%")  # A1 late, B2 overdue: 0 of 2 in time
    assert "(0 of 2)" in cells[2]
    assert cells[3] == "3.0 days"
    assert cells[4].startswith("100.0%") and "(1 of 1)" in cells[4]


def test_filters_narrow_the_list(app, db, world):
    client = sign_in(app, db, OFFICER)

    def refs(query: str) -> set[str]:
        return listed_references(text_of(client.get(f"/dashboard/issues?{query}")))

    assert refs("theme=funding") == {REFS["LU-A1"], REFS["LU-B2"]}
    assert refs("theme=none") == {REFS["LU-A2"], REFS["LU-B3"]}
    assert refs("board=cjcg") == {REFS["LU-A1"], REFS["LU-B2"]}
    assert refs("state=open") == {REFS["LU-A2"], REFS["LU-B1"], REFS["LU-B2"], REFS["LU-B3"]}
    assert refs("state=answered") == {REFS["LU-A1"]}
    assert refs(f"organisation={world.org_b.id}") == {REFS["LU-B1"], REFS["LU-B2"], REFS["LU-B3"]}
    assert refs("q=ROOM+HIRE") == {REFS["LU-B2"]}
    assert refs("q=LU-2026-0003") == {REFS["LU-B1"]}
    assert refs("q=100%25") == set()
    this_month = london_today().strftime("%Y-%m")
    assert REFS["LU-B3"] in refs(f"period={this_month}")
    assert refs("period=2001") == set()
    assert refs("theme=funding&state=open") == {REFS["LU-B2"]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("theme=nope", "There is no theme"),
        ("board=nope", "There is no board"),
        ("state=zzz", "is not a state"),
        ("organisation=abc", "is not an organisation number"),
        ("organisation=999999", "There is no organisation number"),
        ("period=2026Q9", "is not a period"),
        ("period=yesterday", "is not a period"),
        ("page=0", "Pages are numbered"),
        ("page=abc", "is not a whole number"),
        ("page=-1", "is not a whole number"),
        ("per_page=7", "items a page"),
        ("q=" + "x" * 300, "Keep the search under"),
    ],
)
def test_nonsense_filters_are_400_with_a_message(app, db, world, query, message):
    response = sign_in(app, db, OFFICER).get(f"/dashboard/issues?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["/dashboard/meetings?page=x", "/dashboard/waiting-lists?per_page=1000"])
def test_nonsense_paging_on_other_pages_is_400(app, db, world, page):
    assert sign_in(app, db, OFFICER).get(page).status_code == 400


def test_issues_paginate(app, db, world):
    org = world.org_b
    for n in range(30):
        db.add(
            factories_issue(
                org, f"LU-2025-{n + 1:04d}", f"Bulk item {n}", created=utcnow() - timedelta(days=40 + n)
            )
        )
    db.commit()
    client = sign_in(app, db, OFFICER)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        html = text_of(client.get(f"/dashboard/issues?per_page=10&page={page}"))
        refs = re.findall(r'<th scope="row"><a href="/dashboard/issues/(LU-\d{4}-\d{4})">', html)
        assert len(refs) == (10 if page < 4 else 5)
        seen += refs
        if page < 4:
            assert 'rel="next"' in html
    assert len(seen) == len(set(seen)) == 35
    assert "31–35 of 35" in html
    assert "page 4 of 4" in html
    # Filters survive in the pager's links.
    html = text_of(client.get("/dashboard/issues?per_page=10&theme=none"))
    assert "theme=none" in html.split('rel="next"', 1)[1].split(">", 1)[0] or "page 1 of 1" in html


def test_issues_list_counts_up_to_a_limit_and_says_so(app, db, world, monkeypatch):
    """Past COUNT_LIMIT matches the pager says "more than N" (no last page); every page still links on."""
    from reporting import issues as reporting

    org = world.org_b
    for n in range(30):
        db.add(
            factories_issue(
                org, f"LU-2025-{n + 1:04d}", f"Bulk item {n}", created=utcnow() - timedelta(days=40 + n)
            )
        )
    db.commit()
    monkeypatch.setattr(reporting, "COUNT_LIMIT", 12)
    client = sign_in(app, db, OFFICER)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        html = text_of(client.get(f"/dashboard/issues?per_page=10&page={page}"))
        refs = re.findall(r'<th scope="row"><a href="/dashboard/issues/(LU-\d{4}-\d{4})">', html)
        assert len(refs) == (10 if page < 4 else 5)
        seen += refs
        first, last = (page - 1) * 10 + 1, (page - 1) * 10 + len(refs)
        assert f"{first}–{last} of more than 12 (narrow the filters for an exact count)" in html
        assert f"page {page}</span>" in html and f"page {page} of" not in html
        assert ('rel="next"' in html) == (page < 4)
        assert ('rel="prev"' in html) == (page > 1)
    assert len(seen) == len(set(seen)) == 35
    # Under the limit the count stays exact.
    html = text_of(client.get("/dashboard/issues?per_page=10&q=Bulk+item+2"))
    assert "1–10 of 11" in html and "page 1 of 2" in html


def test_paginate_counts_exactly_up_to_the_limit(db, world):
    from sqlalchemy import select

    from models import Issue
    from reporting.paging import paginate

    statement = select(Issue).order_by(Issue.id)
    exact = paginate(db, statement, page=1, per_page=2, count_limit=5)
    assert (exact.total, exact.total_is_lower_bound, exact.pages) == (5, False, 3)
    bounded = paginate(db, statement, page=2, per_page=2, count_limit=4)
    assert (bounded.total, bounded.total_is_lower_bound, bounded.pages) == (4, True, None)
    assert bounded.has_next and bounded.has_previous and (bounded.first_index, bounded.last_index) == (3, 4)
    last = paginate(db, statement, page=3, per_page=2, count_limit=4)
    assert len(last.items) == 1 and not last.has_next and (last.first_index, last.last_index) == (5, 5)


def factories_issue(org, reference, title, *, created):
    from models import Issue

    return Issue(
        reference=reference,
        organisation=org,
        raised_by=MEMBER_B,
        title=title,
        description=title,
        created_at=created,
    )


def test_meetings_page_lists_the_schedule(app, db, world):
    soon = utcnow() + timedelta(days=3)
    db.add(Meeting(board=world.cjcg, title="CJCG bi-monthly meeting", starts_at=soon, uid="cjcg-1@test"))
    db.add(
        Meeting(
            board=None, title="Linked-up network meeting", starts_at=soon + timedelta(days=1), uid="lu-1@test"
        )
    )
    db.add(
        Meeting(
            board=world.ctb, title="Past meeting", starts_at=utcnow() - timedelta(days=3), uid="ctb-0@test"
        )
    )
    db.commit()
    html = text_of(sign_in(app, db, MEMBER_B).get("/dashboard/meetings"))
    assert "CJCG bi-monthly meeting" in html
    assert "Linked-up network meeting" in html
    assert "Past meeting" not in html
    assert html.index("CJCG bi-monthly meeting") < html.index("Linked-up network meeting")


def test_waiting_lists_by_category_and_capacity(app, db, world):
    carers = factories.service(db, world.org_a, "Young carers group", category="young carers")
    club = factories.service(db, world.org_b, "Friday club", category="youth work", min_age=11, max_age=19)
    factories.service(db, world.org_b, "Holiday club", category="youth work", min_age=11, max_age=19)
    db.commit()
    period = last_complete_month(london_today())
    earlier = (period - timedelta(days=1)).replace(day=1)
    for service, member, month, waiting, median, status in (
        (carers, MEMBER_A, earlier, 10, 6, "waitlist_only"),
        (carers, MEMBER_A, period, 14, 8, "no_capacity"),
        (club, MEMBER_B, period, 5, 2, "has_capacity"),
    ):
        record_return(
            db,
            slack_user_id=member,
            service=service.id,
            period=month.strftime("%Y-%m"),
            number_waiting=waiting,
            new_referrals=3,
            median_wait_weeks=median,
            longest_wait_weeks=median + 4,
            capacity_status=status,
        )
        db.commit()

    officer = text_of(sign_in(app, db, OFFICER).get("/dashboard/waiting-lists"))
    assert "Waiting — young carers" in officer and "Waiting — youth work" in officer
    assert "Holiday club" not in officer.split("Returns received", 1)[1]  # no return from it yet
    assert "Beta Youth Club — Holiday club" in officer  # …so it is listed as missing
    capacity = officer.split("Capacity now", 1)[1].split("</table>", 1)[0]
    youth_row = capacity.split("youth work", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', youth_row) == ["1", "0", "0", "0", "1"]

    member_b = text_of(sign_in(app, db, MEMBER_B).get("/dashboard/waiting-lists"))
    assert "Friday club" in member_b
    assert "Young carers group" not in member_b and "young carers" not in member_b
    assert "Alpha Young Carers" not in member_b


def _bulletin(
    db, month: str, *, delivered: int, opens: int, proxy: float | None, clicks: list[tuple[str, str, int]]
):
    bulletin = Bulletin(
        month=month, subject=f"Linked-up bulletin {month}", html="<p>x</p>", text="x", sent_at=utcnow()
    )
    db.add(bulletin)
    db.flush()
    report = BulletinReport(
        bulletin=bulletin,
        checkpoint="7d",
        emails_sent=delivered + 2,
        delivered=delivered,
        unique_opens=opens,
        open_rate=opens / delivered,
        proxy_excluded_open_rate=proxy,
        unique_clicks=sum(c[2] for c in clicks),
        clicks_per_unique_open=sum(c[2] for c in clicks) / opens,
    )
    db.add(report)
    db.flush()
    for url, category, count in clicks:
        db.add(LinkClick(report=report, url=url, category=category, unique_clicks=count, total_clicks=count))
    db.flush()
    return bulletin


def test_bulletins_page_shows_open_rate_interval_benchmark_and_rankings(app, db, world):
    empty = text_of(sign_in(app, db, OFFICER).get("/dashboard/bulletins"))
    assert "No bulletin has been sent and reported on yet" in empty

    _bulletin(
        db,
        "2026-07",
        delivered=200,
        opens=30,
        proxy=None,
        clicks=[("https://a.example/jobs", "vacancies", 9)],
    )
    _bulletin(
        db,
        "2026-08",
        delivered=232,
        opens=70,
        proxy=0.22,
        clicks=[("https://a.example/jobs", "vacancies", 4), ("https://b.example/course", "training", 12)],
    )
    db.commit()
    for who in (OFFICER, MEMBER_B, CJCG_MEMBER):
        html = text_of(sign_in(app, db, who).get("/dashboard/bulletins"))
        assert "Aug 2026" in html and "Jul 2026" in html
        assert "30.2%" in html  # 70 / 232
        assert "15.0%" in html  # 30 / 200
        assert "20.3%" in html  # the benchmark
        assert 'class="benchmark"' in html and 'class="band' in html
        assert "22.0%" in html  # proxy-excluded rate where known
        assert "https://b.example/course" in html
        assert html.index("https://a.example/jobs") > html.index("Top links")
    overview = text_of(sign_in(app, db, OFFICER).get("/dashboard/"))
    assert "The August 2026 bulletin was opened by" in overview
    last = overview.split("Last bulletin", 1)[1]
    # Judged on 22.0% without machine opens: its interval over 232 people straddles 20.3%.
    assert "in line" in last and "above" not in last and "30.2%" in last


def test_overview_reports_missing_returns(app, db, world):
    factories.service(db, world.org_a, "Young carers group", category="young carers")
    db.commit()
    officer = text_of(sign_in(app, db, OFFICER).get("/dashboard/"))
    label = last_complete_month(london_today()).strftime("%B %Y")
    assert f"Waiting-list returns for {label}" in officer
    assert "Alpha Young Carers — Young carers group" in officer
    board = text_of(sign_in(app, db, CJCG_MEMBER).get("/dashboard/"))
    assert "1</strong> organisation has not sent 1 return" in board
    assert "Alpha Young Carers — Young carers group" not in board  # the chase list is the officer's
    member_b = text_of(sign_in(app, db, MEMBER_B).get("/dashboard/"))
    assert "Every return for your services" in member_b


def test_board_members_count_missing_returns_like_the_officers_list(app, db, world):
    """A board member's figure is counted in the database; it must match the officer's chase list."""
    factories.service(db, world.org_a, "Young carers group", category="young carers")
    factories.service(db, world.org_a, "Sibling support", category="young carers")
    db.commit()
    officer = text_of(sign_in(app, db, OFFICER).get("/dashboard/"))
    assert "1</strong> organisation has not sent 2 returns" in officer
    board = text_of(sign_in(app, db, CJCG_MEMBER).get("/dashboard/"))
    assert "1</strong> organisation has not sent 2 returns" in board
    assert "Sibling support" not in board


def test_calendar_link_when_the_feed_exists(app, db, world):
    html = text_of(sign_in(app, db, OFFICER).get("/dashboard/meetings"))
    has_feed = any(rule.rule == "/calendar.ics" for rule in app.url_map.iter_rules())
    if has_feed:
        assert "/calendar.ics" in html
    else:
        assert "does not publish the schedule as an iCalendar feed yet" in html


def test_a_date_outside_periods_is_not_a_period():
    from models.errors import ValidationError
    from reporting.periods import parse_period

    assert parse_period("2026Q3").start == date(2026, 7, 1)
    assert parse_period("2026-q4").end == date(2027, 1, 1)
    assert parse_period("2026-12").end == date(2027, 1, 1)
    for bad in ("2026-13", "1999", "2026Q0", "26Q1", ""):
        with pytest.raises(ValidationError):
            parse_period(bad)


def test_items_routed_and_acknowledged_by_the_real_flows_reach_the_right_board(app, db):
    """End to end with the escalation domain: intake → routing → acknowledge, then the dashboard."""
    from escalations.flows import acknowledge, route_received_issue
    from handlers.escalation_views import RENDERER
    from intake.issues import raise_issue

    factories.officer(db, OFFICER)
    cjcg = factories.board(
        db, "cjcg", "Children's Joint Commissioning Group", channel="C0CJCG", members=(CJCG_MEMBER,)
    )
    factories.board(db, "ctb", "Children's Trust Board", channel="C0CTB", members=(CTB_MEMBER,))
    funding = factories.theme(db, "funding", "Funding", board=cjcg)
    factories.organisation(db, "Beta Youth Club", members=(MEMBER_B,))
    db.commit()
    issue = raise_issue(
        db, slack_user_id=MEMBER_B, description="Our grant ends in March.", theme_id=funding.id
    ).issue
    decision = route_received_issue(db, issue, now=utcnow(), render=RENDERER)
    acknowledge(db, escalation_id=decision.escalation_id, actor=CJCG_MEMBER, now=utcnow(), render=RENDERER)
    db.commit()

    board_view = text_of(sign_in(app, db, CJCG_MEMBER).get("/dashboard/issues"))
    assert listed_references(board_view) == {issue.reference}
    assert listed_references(text_of(sign_in(app, db, CTB_MEMBER).get("/dashboard/issues"))) == set()
    detail = text_of(sign_in(app, db, MEMBER_B).get(f"/dashboard/issues/{issue.reference}"))
    assert "acknowledged" in detail
    assert "Children&#39;s Joint Commissioning Group" in detail
