"""Articles: validation, the officer's decision, and the web-page feed (RSS/Atom, de-dup, bad feeds)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from bulletins.articles import decide_article, import_feed, submit_article
from models import Article
from models.bulletins import ArticleSource, ArticleStatus
from models.errors import NotAllowed, ValidationError
from tests import factories
from tests.bulletin_support import network, this_month

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Linked-up</title><link>https://www.cvsw.org.uk/linked-up</link>
<item><title>Youth worker vacancy at Wirral Youth Zone</title><link>https://www.cvsw.org.uk/news/youth-worker</link>
<description>&lt;p&gt;Part-time &lt;b&gt;youth worker&lt;/b&gt; wanted.&lt;/p&gt;</description>
<pubDate>Mon, 04 May 2026 09:00:00 +0100</pubDate></item>
<item><title>MASH training dates</title><link>https://www.cvsw.org.uk/news/mash-training</link>
<category>training-and-events</category></item>
<item><title>No link here</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Linked-up</title>
<entry><title>Small grants round opens</title><link href="https://www.cvsw.org.uk/news/grants"/>
<id>urn:1</id><updated>2026-05-02T10:00:00Z</updated><summary>Up to 2,000 pounds.</summary></entry>
<entry><title>MASH training dates</title><link href="https://www.cvsw.org.uk/news/mash-training"/>
<id>urn:2</id><updated>2026-05-03T10:00:00Z</updated></entry>
</feed>"""


@pytest.fixture
def feed_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def _submit(db, **overrides):
    fields = {"submitted_by": "U0MEMBER01", "title": "Youth worker vacancy", "link": "https://www.cvsw.org.uk/j/1",
              "summary": "", "category": "vacancies", "month": this_month()}  # fmt: skip
    fields.update(overrides)
    return submit_article(db, **fields)


def test_links_must_be_http_urls_and_fields_are_checked(db):
    network(db)
    factories.organisation(db)
    with pytest.raises(ValidationError) as bad:
        _submit(db, link="mailto:someone@example.org", title="", category="gossip", month="2026-5")
    assert set(bad.value.errors) == {"link", "title", "category", "month"}
    with pytest.raises(ValidationError):
        _submit(db, month="2001-01")
    first = _submit(db)
    again = _submit(db)
    assert not first.duplicate and again.duplicate and again.article.id == first.article.id


def test_only_the_officer_decides(db):
    network(db)
    factories.organisation(db)
    factories.officer(db)
    row = _submit(db).article
    with pytest.raises(NotAllowed):
        decide_article(db, article_id=row.id, approve=True, by="U0MEMBER01")
    with pytest.raises(ValidationError) as refused:
        decide_article(db, article_id=row.id, approve=False, by="U0OFFICER1")
    assert "Say why" in refused.value.errors["reason"]
    decided, changed = decide_article(
        db, article_id=row.id, approve=False, by="U0OFFICER1", reason="Out of area"
    )
    assert decided.status == ArticleStatus.REJECTED and changed
    assert decide_article(db, article_id=row.id, approve=False, by="U0OFFICER1")[1] is False


def test_an_approved_bulletin_is_named_by_its_month_in_words(db):
    """Issue 15 item 4: months as "November 2026", never the key "2026-11", where people read."""
    from bulletins.config import month_label
    from models.bulletins import Bulletin, BulletinState

    network(db)
    factories.organisation(db)
    factories.officer(db)
    row = _submit(db).article
    db.add(
        Bulletin(
            month=row.month, subject="Linked-up", html="<p>x</p>", text="x", state=BulletinState.APPROVED
        )
    )
    db.flush()
    with pytest.raises(NotAllowed) as refused:
        decide_article(db, article_id=row.id, approve=True, by="U0OFFICER1")
    assert f"The {month_label(row.month)} bulletin is already approved" in str(refused.value)
    assert row.month not in str(refused.value)


def test_rss_then_atom_import_de_duplicated_by_link(db, feed_server):
    network(db, feed_url=feed_server.url_for("/feed.xml"))
    feed_server.expect_request("/feed.xml").respond_with_data(RSS, content_type="application/rss+xml")
    first = import_feed(db)
    assert first.error is None and [a.title for a in first.added] == [
        "Youth worker vacancy at Wirral Youth Zone",
        "MASH training dates",
    ]
    assert first.invalid == 1
    vacancy, training = first.added
    assert vacancy.category == "vacancies" and training.category == "training-and-events"
    assert vacancy.summary == "Part-time youth worker wanted."
    assert vacancy.source == ArticleSource.FEED and vacancy.status == ArticleStatus.PENDING

    again = import_feed(db)
    assert again.added == [] and again.already_known == 2
    atom = import_feed(db, feed_url="https://unused.example", content=ATOM)
    assert [a.title for a in atom.added] == ["Small grants round opens"] and atom.added[
        0
    ].category == "funding"
    assert db.scalar(select(func.count()).select_from(Article)) == 3


def test_unreachable_and_malformed_feeds_are_reported_not_raised(db, feed_server):
    network(db, feed_url="http://127.0.0.1:9/feed.xml")
    down = import_feed(db)
    assert down.error and "could not be read" in down.error
    feed_server.expect_request("/broken").respond_with_data(
        b"<html><body>Not a feed", content_type="text/html"
    )
    broken = import_feed(db, feed_url=feed_server.url_for("/broken"))
    assert broken.error and "not valid RSS or Atom" in broken.error
    feed_server.expect_request("/gone").respond_with_data(b"gone", status=404)
    gone = import_feed(db, feed_url=feed_server.url_for("/gone"))
    assert gone.error and "404" in gone.error
    assert import_feed(db, feed_url="file:///etc/passwd").error
    assert db.scalar(select(func.count()).select_from(Article)) == 0
