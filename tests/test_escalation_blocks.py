"""Filled Block Kit templates are exactly what building with slack_sdk.models directly gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.views import CardAction, CardView, DigestItem, DigestView, Notice, NoticeKind
from handlers import blockkit as kit
from handlers.escalation_views import RENDERER

texts = st.text(min_size=0, max_size=400)
long_texts = st.text(min_size=0, max_size=4000)


@st.composite
def cards(draw) -> CardView:
    return CardView(
        escalation_id=draw(st.integers(1, 10**9)),
        reference=draw(st.from_regex(r"LU-20[0-9]{2}-[0-9]{4}", fullmatch=True)),
        title=draw(texts),
        description=draw(long_texts),
        theme=draw(st.none() | texts),
        urgency=draw(st.sampled_from(["routine", "soon", "urgent"])),
        organisation=draw(st.none() | texts),
        organisation_withheld=draw(st.booleans()),
        sensitive=draw(st.booleans()),
        board=draw(texts),
        ladder=tuple(draw(st.lists(texts, min_size=1, max_size=6))),
        rung=0,
        state=draw(
            st.sampled_from(["open", "acknowledged", "responded", "escalated", "reassigned", "closed"])
        ),
        acknowledge_by="Tue 2 Jun 2026, 18:00",
        respond_by="Mon 8 Jun 2026, 18:00",
        acknowledge_overdue=draw(st.booleans()),
        respond_overdue=draw(st.booleans()),
        acknowledged=draw(st.none() | texts),
        responded=draw(st.none() | texts),
        outcome=draw(st.none() | st.sampled_from(["accepted", "partly", "declined"])),
        answer=draw(st.none() | long_texts),
        decline_reason=draw(st.none() | texts),
        follow_up=draw(st.none() | texts),
        officer_alerted=draw(st.booleans()),
        moved_on=draw(st.none() | texts),
        history=tuple(draw(st.lists(texts, max_size=12))),
        affected=draw(st.none() | texts),
        source_link=draw(st.none() | st.just("https://linkedup.slack.com/archives/C1/p1")),
        actions=tuple(draw(st.lists(st.sampled_from(list(CardAction)), unique=True))),
    )


@settings(max_examples=150, deadline=None)
@given(cards())
def test_cards_from_templates_equal_cards_built_directly(view):
    _, specs = RENDERER.card_blocks(view)
    assert kit.render(specs) == kit.build(specs)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(list(NoticeKind)),
    texts,
    st.lists(long_texts, max_size=8),
    st.none() | st.integers(1, 10**6),
)
def test_notices_from_templates_equal_notices_built_directly(kind, heading, lines, escalation_id):
    view = Notice(
        kind=kind,
        reference="LU-2026-0001",
        title="t",
        heading=heading,
        lines=tuple(lines),
        escalation_id=escalation_id,
        issue_id=escalation_id,
    )
    _, specs = RENDERER.notice_blocks(view)
    assert kit.render(specs) == kit.build(specs)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(texts, st.booleans()), max_size=80), texts)
def test_digests_from_templates_equal_digests_built_directly(items, board):
    view = DigestView(
        board=board,
        meeting="Children's Trust Board meeting",
        when="Thu 11 Jun 2026, 10:00",
        items=tuple(
            DigestItem(f"LU-2026-{n:04d}", title, "open", "Mon 8 Jun 2026", late)
            for n, (title, late) in enumerate(items)
        ),
    )
    _, specs = RENDERER.digest_blocks(view)
    assert kit.render(specs) == kit.build(specs)


def test_texts_are_never_empty_and_never_carry_template_markers():
    specs = [kit.section(""), kit.header("\x000\x00"), kit.context(None)]
    blocks = kit.render(specs)
    assert blocks == kit.build(specs)
    assert [b["text"]["text"] if "text" in b else b["elements"][0]["text"] for b in blocks] == ["—", "0", "—"]
