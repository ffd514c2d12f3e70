"""E-mail bodies stay inert whatever people typed (the e-mail counterpart of test_slack_escaping).

Every field of a `MailView` — titles, descriptions, names, facts, paragraphs, digest items, link
labels — is filled with arbitrary text (markup, entities, CR/LF, control characters, long runs) and
rendered by `mail.escalations.MailBodies`: the HTML has only the renderer's own tags and attributes,
every link is the app's own address, the typed text comes back as written when the HTML is read as
text, and the subject is one header-safe line. The domain builders are run with hostile text too.
"""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from escalations.mail_views import MailKind, MailLink, MailView
from mail.escalations import SUBJECT_MAX, MailBodies, one_line

BASE = "https://linkedup.example.org"
TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "body",
    "p",
    "h1",
    "h2",
    "blockquote",
    "table",
    "tr",
    "th",
    "td",
    "ul",
    "li",
    "a",
}
ATTRIBUTES = {"lang", "charset", "name", "content", "style", "href"}
FRAGMENTS = ["<", ">", "&", '"', "'", "\r", "\n", "<script>", "</p>", "&amp;", "<a href=x>", "\u2028", "\x00"]
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=12).map("".join)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _bodies() -> MailBodies:
    return MailBodies(base_url=BASE, sign=lambda nonce, member: f"signed-{member}")


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    subject=hostile,
    heading=hostile,
    recipient=st.none() | hostile,
    title=st.none() | hostile,
    description=st.none() | hostile,
    facts=st.lists(st.tuples(hostile, hostile), max_size=3),
    paragraphs=st.lists(hostile, max_size=3),
    items=st.lists(hostile, max_size=3),
    label=hostile,
    sensitive=st.booleans(),
)
def test_any_typed_text_stays_inert(
    subject, heading, recipient, title, description, facts, paragraphs, items, label, sensitive
):
    view = MailView(
        kind=MailKind.CARD,
        subject=subject,
        heading=heading,
        recipient=recipient,
        reference="LU-2026-0001",
        title=title,
        description=description,
        facts=tuple(facts),
        paragraphs=tuple(paragraphs),
        sensitive=sensitive,
        links=(MailLink(action="acknowledge", label=label, nonce="n", member_id=7),),
        items=tuple(items),
        page_path="/dashboard/email/item/1",
    )
    body = _bodies().message(view)
    assert set(body) == {"subject", "text", "html"}
    assert not any(c in body["subject"] for c in "\r\n\x00\u2028") and len(body["subject"]) <= SUBJECT_MAX
    assert body["subject"] == one_line(subject)
    reader = _Reader()
    reader.feed(body["html"])
    reader.close()
    for tag, attrs in reader.tags:
        assert tag in TAGS, tag
        assert set(attrs) <= ATTRIBUTES, attrs
        if tag == "a":
            assert attrs["href"].startswith(BASE + "/dashboard/"), attrs["href"]
    shown = "".join(reader.text)
    for typed in (title, *paragraphs, *items, *(v for pair in facts for v in pair)):
        if typed:
            assert typed in shown  # shown as written, never read as markup
    assert f"{BASE}/dashboard/email/act/signed-7" in body["text"]


def test_no_builder_describes_a_sensitive_item(db):
    """Card, reminder, answer and move e-mails of a safeguarding-sensitive item: no title, description,
    answer or organisation in any part, only the bot's own words and the signed-in page."""
    from datetime import UTC, datetime

    from escalations import flows
    from escalations.by_email import answered_emails, card_emails, moved_emails, nudge_emails
    from escalations.ports import mail_renderer, use_mail
    from handlers.escalation_views import RENDERER
    from models import Escalation
    from models.email_links import actor_of
    from models.escalations import NextStep
    from tests import factories
    from tests.email_support import email_board
    from tests.escalation_fixtures import issue, network

    before = mail_renderer()
    use_mail(_bodies())
    try:
        net = network(db)
        board, chair, _member = email_board(db, parent=net.ctb, private=True)
        net.safeguarding.board = board
        theme = factories.theme(db, "commissioning", "Commissioning", board=board)
        secret_words = (
            "Girls collected by a grey van",
            "Amy-Leigh",
            "strategy discussion",
            net.organisation.name,
        )
        item = issue(
            db, net.organisation, theme=theme, title=f"{secret_words[0]} — {secret_words[1]}", sensitive=True
        )
        now = datetime.now(UTC)
        escalation = db.get(
            Escalation, flows.route_received_issue(db, item, now=now, render=RENDERER).escalation_id
        )
        bodies = card_emails(db, escalation, now=now)
        escalation.reminders_sent = 1
        bodies += nudge_emails(db, escalation, [chair], step=NextStep.REMIND_ACKNOWLEDGE, now=now)
        flows.respond(
            db,
            escalation_id=escalation.id,
            actor=actor_of(chair),
            answer=f"A {secret_words[2]} is open",
            outcome="accepted",
            now=now,
            render=RENDERER,
        )
        bodies += answered_emails(db, escalation, now=now)
        other = db.get(
            Escalation,
            flows.route_received_issue(
                db,
                issue(db, net.organisation, theme=theme, title=secret_words[0], sensitive=True),
                now=now,
                render=RENDERER,
            ).escalation_id,
        )
        moved = flows.reassign(
            db,
            escalation_id=other.id,
            actor=actor_of(chair),
            board_id=net.wscb.id,
            reason="the safeguarding board's",
            now=now,
            render=RENDERER,
        )
        bodies += moved_emails(db, other, moved, now=now)
        assert len(bodies) >= 7
        for row in bodies:
            whole = str(row["payload"])
            assert not any(word in whole for word in secret_words), whole
            assert "/dashboard/email/item/" in row["payload"]["text"]
            assert "/dashboard/email/act/" not in whole
    finally:
        use_mail(before)


def test_each_footer_says_why_that_email_came():
    """A sign-in link is nobody's board news: its footer says why it came; a board's e-mail says the board."""
    for kind in MailKind:
        view = MailView(kind=kind, subject="s", heading="h", links=(MailLink("sign_in", "Sign in", "n", 1),))
        message = _bodies().message(view)
        reader = _Reader()
        reader.feed(message["html"])
        html_text = "".join(reader.text)
        for text in (message["text"], html_text):
            if kind is MailKind.SIGN_IN:
                assert "a sign-in link was asked for with this address" in text
                assert "member of this board" not in text
            else:
                assert "member of this board" in text
