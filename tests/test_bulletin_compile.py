"""Compiling and rendering: category order from click history, sections, and an email that works."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bulletins.compile import compile_bulletin
from bulletins.config import shift_month
from bulletins.render import relative_links
from models import Bulletin, BulletinReport, Issue, LinkClick, Meeting
from models.base import utcnow
from models.bulletins import ArticleStatus, BulletinState
from models.errors import NotAllowed
from models.issues import IssueStatus
from tests import factories
from tests.bulletin_support import article, network, this_month


def _history(db, month: str, opens: int, clicks: dict[str, int]) -> None:
    """A past, reported bulletin whose links in each category got these unique clicks."""
    bulletin = Bulletin(
        month=month, state=BulletinState.SENT, subject="s", html="", text="", category_order=list(clicks)
    )
    db.add(bulletin)
    db.flush()
    report = BulletinReport(bulletin_id=bulletin.id, checkpoint="7d", unique_opens=opens, delivered=200)
    report.links = [
        LinkClick(url=f"https://example.org/{month}/{cat}", unique_clicks=n, total_clicks=n, category=cat)
        for cat, n in clicks.items()
    ]
    db.add(report)
    db.flush()


def test_categories_follow_clicks_per_open_then_network_order(db):
    network(db)
    month = this_month()
    _history(db, shift_month(month, -2), 60, {"vacancies": 30, "funding": 6, "promotions": 0})
    _history(db, shift_month(month, -1), 70, {"vacancies": 28, "funding": 20, "the-hive": 7})
    for cat in ("promotions", "funding", "vacancies", "the-hive", "training-and-events", "service-changes"):
        article(db, f"News about {cat}", category=cat)
    bulletin = compile_bulletin(db, month)
    # vacancies 58/130, funding 26/130, the-hive 7/70; the rest have no clicks: network order.
    assert bulletin.category_order == [
        "vacancies",
        "funding",
        "the-hive",
        "training-and-events",
        "service-changes",
        "promotions",
    ]
    html = bulletin.html
    positions = [html.index(label) for label in ("Vacancies", "Funding", "The Hive", "Training and events")]
    assert positions == sorted(positions)


def test_no_history_keeps_the_network_files_order(db):
    network(db, categories=["funding", "vacancies", "promotions"])
    article(db, "A", category="vacancies")
    article(db, "B", category="promotions")
    article(db, "C", category="funding")
    assert compile_bulletin(db, this_month()).category_order == ["funding", "vacancies", "promotions"]


def test_only_approved_articles_of_the_month(db):
    network(db)
    article(db, "Approved one")
    article(db, "Still pending", status=ArticleStatus.PENDING)
    article(db, "Rejected one", status=ArticleStatus.REJECTED)
    article(db, "Next month", month=shift_month(this_month(), 1))
    bulletin = compile_bulletin(db, this_month())
    assert bulletin.article_count == 1
    assert "Approved one" in bulletin.text
    assert "Still pending" not in bulletin.html and "Next month" not in bulletin.html


def test_you_said_we_did_only_publishable_and_never_who(db):
    network(db)
    org = factories.organisation(db, "Seacombe Young Carers")
    now = utcnow()
    common = {
        "organisation": org,
        "raised_by": "U0MEMBER01",
        "description": "d",
        "status": IssueStatus.ANSWERED,
    }
    db.add_all(
        [
            Issue(reference="LU-2026-0001", title="Room hire costs doubled", publish_allowed=True,
                  answer_text="The council reopened the community centre rooms at the old rate.",
                  answered_at=now - timedelta(days=3), **common),
            Issue(reference="LU-2026-0002", title="Not for publication", publish_allowed=False,
                  answer_text="private answer", answered_at=now - timedelta(days=3), **common),
            Issue(reference="LU-2026-0003", title="Sensitive case", publish_allowed=True, sensitive=True,
                  answer_text="sensitive answer", answered_at=now - timedelta(days=3), **common),
        ]
    )  # fmt: skip
    db.flush()
    bulletin = compile_bulletin(db, this_month())
    assert "You said, we did" in bulletin.html
    assert "Room hire costs doubled" in bulletin.text and "old rate" in bulletin.text
    for hidden in ("Not for publication", "private answer", "Sensitive case", "Seacombe Young Carers"):
        assert hidden not in bulletin.html and hidden not in bulletin.text
    assert bulletin.summary["answers"] == 1


def test_coming_meetings_are_listed(db):
    network(db)
    ctb = factories.board(db)
    soon = utcnow() + timedelta(days=10)
    db.add(Meeting(board=ctb, title="Children's Trust Board", starts_at=soon, uid="m1",
                   location="Wallasey Town Hall"))  # fmt: skip
    db.add(Meeting(board=ctb, title="Long past", starts_at=utcnow() - timedelta(days=10), uid="m2"))
    bulletin = compile_bulletin(db, this_month())
    assert "Coming meetings" in bulletin.html and "Wallasey Town Hall" in bulletin.text
    assert "Long past" not in bulletin.html


def test_waiting_list_snapshot_shows_categories_not_children(db):
    returns = pytest.importorskip("models.returns")
    network(db)
    org = factories.organisation(db)
    full = factories.service(db, org, "Domestic abuse programme", category="domestic abuse")
    fine = factories.service(db, org, "Youth club", category="youth work")
    period = utcnow().date().replace(day=1)
    rows = ((full, returns.CapacityStatus.WAITLIST_ONLY, 37), (fine, returns.CapacityStatus.HAS_CAPACITY, 0))
    for service, status, waiting in rows:
        db.add(
            returns.WaitingListReturn(
                reference=f"WL-{service.id}",
                service=service,
                period=period,
                number_waiting=waiting,
                new_referrals=4,
                median_wait_weeks=11,
                longest_wait_weeks=23,
                capacity_status=status,
                submitted_by="U0MEMBER01",
            )
        )
    db.flush()
    bulletin = compile_bulletin(db, this_month())
    assert (
        "domestic abuse" in bulletin.text and "1 service taking waiting-list referrals only" in bulletin.text
    )
    assert "youth work" not in bulletin.text
    assert "37" not in bulletin.text and "23" not in bulletin.text.replace(this_month(), "")


def test_email_html_is_inlined_absolute_with_unsubscribe_and_text_part(db):
    network(db, logo_url="https://www.cvsw.org.uk/logo.png", website_url="https://www.cvsw.org.uk/linked-up")
    article(db, "Youth worker vacancy", summary="Part-time, 18 hours a week. <b>Apply</b> by Friday.")
    article(db, "Safeguarding update", category="safeguarding-updates")
    bulletin = compile_bulletin(db, this_month())
    html = bulletin.html
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert all(style.strip().startswith("@media") for style in styles)  # only what cannot be inlined
    assert 'style="' in html and "font-family" in html
    assert relative_links(html) == []
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert "https://www.cvsw.org.uk/news/youth-worker-vacancy" in hrefs and "*|UNSUB|*" in hrefs
    assert re.search(r'<img [^>]*alt="Linked-up Wirral logo"', html)
    assert 'role="presentation"' in html and "<!--[if mso]>" in html
    assert "&lt;b&gt;Apply&lt;/b&gt;" in html  # a summary cannot inject markup
    text = bulletin.text
    assert "<" not in text.replace("<b>Apply</b>", "")
    assert "Unsubscribe: *|UNSUB|*" in text and "https://www.cvsw.org.uk/news/youth-worker-vacancy" in text
    assert bulletin.links["https://www.cvsw.org.uk/news/youth-worker-vacancy"]["category"] == "vacancies"


def test_recompile_replaces_a_draft_but_never_an_approved_bulletin(db):
    network(db)
    factories.officer(db)
    article(db, "First")
    first = compile_bulletin(db, this_month())
    article(db, "Second")
    again = compile_bulletin(db, this_month())
    assert again.id == first.id and again.compile_version == 2 and again.article_count == 2
    from bulletins.send import approve_bulletin

    approve_bulletin(db, this_month(), by="U0OFFICER1")
    with pytest.raises(NotAllowed):
        compile_bulletin(db, this_month())
    assert db.scalar(select(Bulletin)).article_count == 2


def cli_database_url(engine) -> str:
    """The test database as a URL a fresh process can use, PostgreSQL's per-test schema included."""
    from sqlalchemy import text

    from tests.conftest import engine_url

    url = engine_url(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    return url


def test_cli_compile_writes_html_without_mailchimp(engine, session_factory, tmp_path, monkeypatch):
    from bot.cli import main

    with session_factory() as db:
        network(db)
        article(db, "Youth worker vacancy")
        db.commit()
    for name in ("MAILCHIMP_API_KEY", "MAILCHIMP_SERVER_PREFIX", "MAILCHIMP_LIST_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "bulletin.html"
    assert main(["bulletin", "compile", "--month", this_month(), "--out", str(out)]) == 0
    assert "*|UNSUB|*" in out.read_text() and "Youth worker vacancy" in out.with_suffix(".txt").read_text()
    assert main(["bulletin", "compile", "--month", "2026-13", "--out", str(out)]) == 2


def test_cli_send_without_credentials_names_the_missing_variables(
    engine, session_factory, tmp_path, monkeypatch, capsys
):
    from bot.cli import main

    for name in ("MAILCHIMP_API_KEY", "MAILCHIMP_SERVER_PREFIX", "MAILCHIMP_LIST_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.setenv("MAILCHIMP_SERVER_PREFIX", "us21")
    monkeypatch.chdir(tmp_path)
    assert main(["bulletin", "send", "--month", this_month()]) == 2
    err = capsys.readouterr().err
    assert "MAILCHIMP_API_KEY" in err and "MAILCHIMP_LIST_ID" in err and "MAILCHIMP_SERVER_PREFIX" not in err
