"""What members type reaches Mailchimp inert: article links are `https://`, and no merge tag a member
typed (`*|UNSUB|*`, `*|FNAME|*`…) survives into the campaign's HTML, text or preview line."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bulletins.articles import submit_article
from bulletins.compile import compile_bulletin
from bulletins.content import Answer, ArticleItem, BulletinContent, MeetingItem, Section, WaitingCategory
from bulletins.render import neutralise_merge_tags, render_bulletin
from handlers.ids import BulletinView
from models import Article
from models.errors import ValidationError
from tests import factories
from tests.bulletin_support import article, network, this_month
from tests.slack_requests import view_submission_payload

# Mailchimp reads `*|` … `|*` as a merge tag; these are the ones the template itself writes.
TAG = re.compile(r"\*\|(.*?)\|\*", re.S)
OWN_TAGS = {"UNSUB", "UPDATE_PROFILE", "LIST:ADDRESSLINE"}


def content(text: str) -> BulletinContent:
    """A bulletin whose every member-written field holds `text`."""
    item = ArticleItem(1, text, "https://www.cvsw.org.uk/news/1", text)
    return BulletinContent(
        month="2026-11",
        month_label="November 2026",
        network_name="Linked-up Wirral",
        subject="Linked-up Wirral bulletin — November 2026",
        preview_text=neutralise_merge_tags(text),
        sections=[Section("vacancies", "Vacancies", [item, item])],
        answers=[Answer(theme=text, said=text, did=text, board=text)],
        waiting=[WaitingCategory(text, 1, 1)],
        meetings=[MeetingItem(text, text, datetime(2026, 11, 20, 10, tzinfo=UTC), text)],
    )


def tags_in(rendered: str) -> set[str]:
    return set(TAG.findall(rendered))


member_text = st.lists(
    st.one_of(
        st.sampled_from(["*|", "|*", "*", "|", "UNSUB", "FNAME", "*|UNSUB|*", "*|FNAME|*", "*|IF:X|*"]),
        st.text(max_size=8),
    ),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(member_text.filter(lambda text: "*|" in text or "|*" in text))
def test_no_merge_tag_a_member_typed_reaches_the_campaign(text):
    rendered = render_bulletin(content(text))
    assert tags_in(rendered.html) == OWN_TAGS
    assert tags_in(rendered.text) == {"UNSUB", "LIST:ADDRESSLINE"}
    assert "*|" not in neutralise_merge_tags(text) and "|*" not in neutralise_merge_tags(text)


def test_the_text_still_reads_the_same():
    text = "Use *|FNAME|* and *|UNSUB|* here"
    rendered = render_bulletin(content(text))
    visible = rendered.text.replace("\u200b", "")
    assert "Use *|FNAME|* and *|UNSUB|* here" in visible
    assert "*|FNAME|*" not in rendered.text and "*|FNAME|*" not in rendered.html


def test_a_compiled_bulletins_preview_line_has_no_live_tag(db):
    network(db)
    article(db, "Hello *|FNAME|*, unsubscribe here: *|UNSUB|*")
    bulletin = compile_bulletin(db, this_month())
    assert "*|" not in bulletin.preview_text
    assert tags_in(bulletin.html) == OWN_TAGS


def test_an_http_article_link_is_an_inline_error_in_the_modal(slack, db):
    network(db)
    factories.officer(db)
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Youth worker vacancy"}},
        "link": {"value": {"type": "plain_text_input", "value": "http://www.cvsw.org.uk/jobs/1"}},
        "summary": {"value": {"type": "plain_text_input", "value": ""}},
        "category": {"value": {"type": "static_select", "selected_option": {"value": "vacancies"}}},
        "month": {"value": {"type": "static_select", "selected_option": {"value": this_month()}}},
    }
    payload = view_submission_payload(user_id="U0MEMBER01", callback_id=BulletinView.ARTICLE, values=values)
    body = slack.interact(payload).get_json()
    assert body["response_action"] == "errors"
    assert "https://" in body["errors"]["link"] and "http://" not in body["errors"]["link"]
    assert db.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize(
    ("title", "summary", "field"),
    [
        ("Room hire\x00", "", "title"),
        ("Room hire", "Cheaper\x00 rooms", "summary"),
        ("\u200b\u2060", "", "title"),
    ],
)
def test_article_text_that_cannot_be_stored_or_shows_nothing_is_refused(db, title, summary, field):
    network(db)
    factories.organisation(db, members=("U0MEMBER01",))
    with pytest.raises(ValidationError) as refused:
        submit_article(
            db,
            submitted_by="U0MEMBER01",
            title=title,
            link="https://www.cvsw.org.uk/news/1",
            summary=summary,
            category="vacancies",
            month=this_month(),
        )
    assert set(refused.value.errors) == {field}
