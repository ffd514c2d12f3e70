"""Where a person reads, the dashboard speaks in names, words and months: an item's history names
people (not Slack ids) and events (not keys such as `issue.raised`), the last bulletin is "November
2026" (not `2026-11`), and "Top links" has one row per article, however many links Mailchimp tracked
for it or however often it was posted."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Article, LinkClick, Member, audit
from models.bulletins import ArticleStatus
from tests.dashboard_support import CJCG_MEMBER, MEMBER_A, OFFICER, build_world, sign_in
from tests.test_dashboard_pages import REFS, _bulletin, text_of


@pytest.fixture
def world(db):
    return build_world(db)


def test_history_names_people_and_events(app, db, world):
    names = {OFFICER: "Dana Officer", CJCG_MEMBER: "Chris Commissioner", MEMBER_A: "Alex Member"}
    for member in db.scalars(select(Member).where(Member.slack_user_id.in_(names))):
        member.display_name = names[member.slack_user_id]
    audit.record(db, actor=MEMBER_A, action="issue.raised", entity="issue", entity_id=REFS["LU-A1"], after={})
    audit.record(
        db, actor="U0GONE0001", action="issue.updated", entity="issue", entity_id=REFS["LU-A1"], after={}
    )
    db.commit()
    html = text_of(sign_in(app, db, OFFICER).get(f"/dashboard/issues/{REFS['LU-A1']}"))
    history = html.split("<h2>History</h2>", 1)[1]
    assert not re.search(r"\bU0[A-Z0-9]{6,}\b", history), history  # no Slack ids
    assert not re.search(r"<strong>[a-z_]+(\.[a-z_]+)?</strong>", history), history  # no raw keys
    assert "<strong>Raised</strong> by Alex Member" in history
    assert "— Routed to the Children&#39;s Joint Commissioning Group</li>" in history  # a sentence
    assert "<strong>Updated</strong> by a former member" in history  # an id no longer in the network


def _article(db, month: str, title: str, link: str) -> Article:
    article = Article(
        month=month,
        title=title,
        link=link,
        summary="",
        category="vacancies",
        status=ArticleStatus.APPROVED,
        submitted_by=OFFICER,
    )
    db.add(article)
    db.flush()
    return article


def test_top_links_have_one_row_per_article_and_months_read_as_months(app, db, world):
    july = _bulletin(db, "2026-07", delivered=200, opens=40, proxy=None, clicks=[])
    august = _bulletin(db, "2026-08", delivered=200, opens=50, proxy=None, clicks=[])
    first = _article(db, "2026-07", "Family support worker vacancy", "https://jobs.example/fsw-july")
    again = _article(db, "2026-08", "Family support worker vacancy", "https://jobs.example/fsw-august")
    other = _article(db, "2026-08", "Community grants open", "https://grants.example/open")
    for bulletin, article, urls in (
        (july, first, ["https://jobs.example/fsw-july", "https://jobs.example/fsw-july?utm_source=mc"]),
        (august, again, ["https://jobs.example/fsw-august"]),
        (august, other, ["https://grants.example/open"]),
    ):
        report = bulletin.reports[0]
        for url in urls:
            db.add(
                LinkClick(
                    report=report,
                    url=url,
                    article_id=article.id,
                    category="vacancies",
                    unique_clicks=3,
                    total_clicks=3,
                )
            )
    db.commit()
    html = text_of(sign_in(app, db, OFFICER).get("/dashboard/bulletins"))
    top = html.split("Top links", 1)[1]
    assert top.count("Family support worker vacancy") == 1
    row = top.split("Family support worker vacancy", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">9</td>' in row  # 3 + 3 in July, 3 in August
    assert 'href="https://jobs.example/fsw-august"' in top  # its newest posting
    overview = text_of(sign_in(app, db, OFFICER).get("/dashboard/"))
    assert "The August 2026 bulletin" in overview and "2026-08" not in overview
