"""The bulletin's size budget: with 200 long articles the e-mail's HTML stays under 100 KB (Gmail clips
above about 102 KB, hiding the unsubscribe link and postal address), the articles that did not fit are
all in the web version the e-mail links to, and the officer's preview says how many moved and why."""

from __future__ import annotations

import pytest

from bulletins.budget import EMAIL_BUDGET
from bulletins.compile import compile_bulletin
from handlers.bulletin_views import preview_blocks
from tests.bulletin_support import CATEGORIES, article, network, this_month

BASE = "https://linkedup.example.org"
SUMMARY = (
    "A long summary of what the organisation offers this month, who it is for, where and when it runs, "
    "how to refer a family and whom to ask — written the way members write them. "
) * 6


@pytest.fixture
def crowded_month(db):
    network(db)
    slugs = CATEGORIES
    for number in range(200):
        article(
            db,
            f"Article {number:03d}: news from the network that members will want to read",
            category=slugs[number % len(slugs)],
            link=f"https://www.example.org/news/{number:03d}",
            summary=SUMMARY[:990],
        )
    db.commit()


def test_two_hundred_articles_keep_the_email_under_budget_and_the_web_version_holds_them_all(
    app, db, crowded_month
):
    bulletin = compile_bulletin(db, this_month(), base_url=BASE)
    db.commit()
    html = bulletin.html
    assert len(html.encode("utf-8")) < EMAIL_BUDGET
    assert 'href="*|UNSUB|*"' in html and "*|LIST:ADDRESSLINE|*" in html  # the footer survives
    kept = sum(f"Article {n:03d}:" in html for n in range(200))
    moved = bulletin.summary["web_only"]
    assert 0 < kept < 200 and kept + moved == 200 and bulletin.article_count == 200
    assert f"{moved} more articles" in html and f"{moved} more articles" in bulletin.text
    link = f"{BASE}/bulletins/{bulletin.month}/web/{bulletin.web_key}"
    assert f'href="{link}"' in html and link in bulletin.text
    assert bulletin.summary["categories"] and sum(bulletin.summary["categories"].values()) == 200

    client = app.test_client()
    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200
    web = page.get_data(as_text=True)
    assert all(f"Article {n:03d}:" in web for n in range(200))
    assert "*|" not in web  # no merge tags outside Mailchimp
    assert page.headers["X-Robots-Tag"] == "noindex"
    assert client.get(f"/bulletins/{bulletin.month}/web/not-the-key").status_code == 404
    assert client.get(f"/bulletins/2020-01/web/{bulletin.web_key}").status_code == 404

    text = "\n".join(str(block.to_dict()) for block in preview_blocks(_preview(bulletin)))
    assert f"{moved} articles moved to the web version" in text and "Gmail clips" in text


def test_a_month_that_fits_has_no_web_version(db):
    network(db)
    article(db, "Youth worker vacancy", summary="One short summary.")
    bulletin = compile_bulletin(db, this_month(), base_url=BASE)
    assert bulletin.summary["web_only"] == 0 and bulletin.web_html is None
    assert "/web/" not in bulletin.html and "did not fit" not in bulletin.html
    assert "web version" not in "\n".join(str(b.to_dict()) for b in preview_blocks(_preview(bulletin)))


def _preview(bulletin):
    from bulletins.ports import Preview

    summary = bulletin.summary
    return Preview(
        bulletin,
        labels=dict(summary["labels"]),
        counts=dict(summary["categories"]),
        preview_url=None,
        extras={k: int(summary.get(k) or 0) for k in ("answers", "waiting", "meetings", "web_only")},
    )
