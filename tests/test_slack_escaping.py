"""What members type never acts in Slack (issue 12 defect 1): one escaping boundary, held by tests.

A title, note or answer holding `<!channel>`, `<@U…>` or `<https://…|label>` must reach every board
channel, thread and DM as the characters typed, never as a ping or a dressed-up link; and the bot's
own mentions must stay real mentions (`<@U…>`), not the literal `&lt;@U…&gt;` they once were.

`controls_left` is the judge: in every mrkdwn text and every fallback `text` of a message, once the
bot's own mentions, channel links and links are taken out (a link's label is judged too) and the
block-quote marks at the start of lines, no `<` or `>` may remain. `plain_text` objects are not
judged: Slack never reads markup there.

Three nets: the real flows with hostile text (the outbox's payloads are what Slack would receive);
Hypothesis over every method of every renderer port (enumerated from the Protocols, so a new
method must be added here or the test fails) and every message builder of handlers' `*_views`
modules (enumerated too); and the command replies (`/linkedup history`) with their real mentions.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Option, PlainTextObject
from sqlalchemy import select

from bulletins.desk import Standing, Step
from bulletins.performance import Interval, Performance, RankedItem
from bulletins.ports import BulletinRenderer, Preview
from escalations import flows
from escalations.agenda import Agenda, AgendaItem, SystemicTheme, ThemeLine
from escalations.history import HistoryLine, ItemHistory, history
from escalations.ports import Renderer as EscalationRenderer
from escalations.sweep import sweep
from escalations.views import CardAction, CardView, DigestItem, DigestView, Notice, NoticeKind
from handlers import blockkit as kit
from handlers import (
    bulletin_desk_views,
    bulletin_views,
    escalation_views,
    intake_views,
    notice_views,
    survey_views,
)
from handlers.escalation_views import RENDERER, history_message
from handlers.ids import EscalationAction
from intake.ports import IntakeRenderer, MissingReturnReminder
from models import OutboxMessage
from models.base import utcnow
from models.bulletins import Article, ArticleSource, Bulletin, BulletinState
from models.joining import JoinRequest, RequestKind, RequestStatus
from models.network import Organisation, OrganisationStatus, Service
from models.notices import NoticeKind as TargetedKind
from models.notices import PlaceStatus
from models.wording import Mention, Wording, quoted, said
from notices import ports as notice_ports
from reporting.surveys import (
    CategoryRate,
    QuestionResult,
    Rate,
    SurveyResults,
    TextAnswer,
    compare_with_baseline,
)
from surveys.definition import KINDS, Question
from surveys.ports import AnsweredFor, Closed, Draft, Invitation, SurveyRenderer
from tests.escalation_fixtures import (
    COLLEAGUE,
    CTB_CHAIR,
    CTB_CHANNEL,
    EH_CHAIR,
    EH_CHANNEL,
    EH_MEMBER,
    EH_MEMBER_2,
    HWB_CHAIR,
    HWB_CHANNEL,
    OFFICER,
    RAISER,
    WSCB_CHAIR,
    WSCB_CHANNEL,
    at,
    issue,
    network,
)
from tests.reliability_support import STRANGER, build_world
from tests.slack_requests import block_actions_payload

# Everything the issue names as dangerous, in one string a member could type.
HOSTILE = (
    "Ping <!channel> and <!here> and <!everyone>, <@U123> <#C999|general>, "
    "<https://evil.example/login|Open the form> & *|UNSUB|* *|FNAME|* > quoted — Ünïcødé ✓"
)
# An issue's title holds at most 150 characters: the same controls, shorter.
TITLE = (
    "Ping <!channel> <!here> <@U123> <#C999|general> <https://evil.example/login|Open> & *|UNSUB|* > Ünï ✓"
)
OUR_PEOPLE = {OFFICER, RAISER, COLLEAGUE, EH_CHAIR, EH_MEMBER, EH_MEMBER_2, CTB_CHAIR, HWB_CHAIR, WSCB_CHAIR}
OUR_CHANNELS = {EH_CHANNEL, CTB_CHANNEL, HWB_CHANNEL, WSCB_CHANNEL}
OUR_LINK = re.compile(r"<(https://[^|<>\s]+)\|([^<>]*)>")
QUOTE_MARK = re.compile(r"(?m)^> ")


def controls_left(text: str) -> list[str]:
    """The control sequences in a mrkdwn `text` that the bot did not put there (empty: safe)."""
    rest = text
    for user in OUR_PEOPLE:
        rest = rest.replace(f"<@{user}>", "")
    for channel in OUR_CHANNELS:
        rest = rest.replace(f"<#{channel}>", "")
    rest = OUR_LINK.sub(lambda m: m.group(2), rest)
    rest = QUOTE_MARK.sub("", rest)
    return re.findall(r"<[^>]{0,40}>?|>", rest)


def judged_texts(node, *, top: bool = True):
    """Every text Slack reads as mrkdwn in a message body or a view: fallback `text` and mrkdwn objects."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" or (top and isinstance(node.get("text"), str)):
            yield node["text"]
        for key, value in node.items():
            if key not in ("text",) or isinstance(value, dict | list):
                yield from judged_texts(value, top=False)
    elif isinstance(node, list):
        for value in node:
            yield from judged_texts(value, top=False)


def assert_safe(body, where: str = "") -> None:
    bad = {text: found for text in judged_texts(body) if (found := controls_left(text))}
    assert not bad, f"control sequences relayed {where}: {json.dumps(bad, ensure_ascii=False)[:2000]}"


def outbox_bodies(db) -> list[tuple[str, dict]]:
    db.expire_all()
    return [(m.key, m.payload) for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_the_judge_catches_what_it_must():
    assert controls_left("<!channel> hello") and controls_left("<@U123>") and controls_left("a > b")
    assert not controls_left(f"<@{RAISER}> said &lt;!channel&gt;\n> quoted &gt; text")


# --- the real flows: what the outbox would send -------------------------------------------------------


def test_hostile_text_reaches_channels_threads_and_dms_as_typed(db):
    net = network(db)
    net.organisation.name = "Seacombe <!here> Carers"
    start = at("2026-06-01 10:00")
    item = issue(db, net.organisation, theme=net.early_help, title=TITLE)
    item.description = HOSTILE + "\n" + HOSTILE
    decision = flows.route_received_issue(db, item, now=start, render=RENDERER)
    db.commit()
    orphan = issue(db, net.organisation, theme=net.orphan, title=TITLE)
    orphan.description = HOSTILE
    flows.route_received_issue(db, orphan, now=start, render=RENDERER)
    db.commit()
    # The sweep reminds the chair the next day (DM), then the board's answer, the organisation's note.
    sweep(db, now=at("2026-06-02 09:00"), render=RENDERER)
    db.commit()
    eid = decision.escalation_id
    flows.acknowledge(db, escalation_id=eid, actor=EH_MEMBER, now=at("2026-06-02 10:00"), render=RENDERER)
    db.commit()
    flows.respond(
        db,
        escalation_id=eid,
        actor=EH_MEMBER,
        answer=HOSTILE,
        outcome="declined",
        decline_reason=HOSTILE,
        now=at("2026-06-02 11:00"),
        render=RENDERER,
    )
    db.commit()
    flows.not_satisfied(
        db, escalation_id=eid, actor=RAISER, note=HOSTILE, now=at("2026-06-02 12:00"), render=RENDERER
    )
    db.commit()
    flows.escalate(
        db, escalation_id=eid, actor=EH_CHAIR, reason=HOSTILE, now=at("2026-06-02 13:00"), render=RENDERER
    )
    db.commit()
    sweep(db, now=at("2026-06-30 09:00"), render=RENDERER)
    db.commit()

    bodies = outbox_bodies(db)
    for kind in (":card", ":nudge:", ":answer:", ":not_satisfied:", ":triage:"):
        assert any(kind in key for key, _ in bodies), f"no {kind} message was queued"
    for key, body in bodies:
        assert_safe(body, f"in {key}")
    # The card history on the next board up names the people with real mentions.
    cards = [body for key, body in bodies if key.startswith("escalation:") and "card" in key]
    assert any(f"<@{EH_MEMBER}>" in json.dumps(body) for body in cards)
    assert not any("&lt;@U0" in json.dumps(body) for _, body in bodies)


def test_history_shows_real_mentions_and_escapes_what_was_typed(db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help, title=TITLE)
    decision = flows.route_received_issue(db, item, now=at("2026-06-01 10:00"), render=RENDERER)
    eid = decision.escalation_id
    flows.acknowledge(db, escalation_id=eid, actor=EH_MEMBER, now=at("2026-06-01 11:00"), render=RENDERER)
    flows.escalate(
        db, escalation_id=eid, actor=EH_CHAIR, reason=HOSTILE, now=at("2026-06-01 12:00"), render=RENDERER
    )
    db.commit()
    message = history_message(history(db, reference=item.reference, viewer=RAISER))
    assert_safe(message, "in /linkedup history")
    text = json.dumps(message)
    assert f"<@{EH_MEMBER}>" in text and f"<@{EH_CHAIR}>" in text
    assert "&lt;@U0" not in text


# --- every renderer method of every port, every message builder of handlers' views: Hypothesis ---------

FRAGMENTS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<@W0BAD>",
    "<#C999>",
    "<#C999|general>",
    "<https://x|y>",
    "<https://evil.example/login?a=1&b=2|Open>",
    "<mailto:a@b.c|mail>",
    "&",
    "&lt;!channel&gt;",
    "*|UNSUB|*",
    "*|FNAME|*",
    ">",
    "<",
    "\n> ",
    "|",
    "*bold*",
    "`code`",
    "Ünïcødé ✓ 🦄",
    "\u200b",
]
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), min_size=1, max_size=8).map("".join)
LONDON_NOON = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)


def _wording(text: str) -> Wording:
    """A sentence as the domain writes one: the bot's words, a real mention, typed text, a quote."""
    return said("{who} said “{text}”", who=Mention(EH_MEMBER), text=text) + quoted(text)


def _card(text: str) -> CardView:
    return CardView(
        escalation_id=7,
        reference="LU-2026-0001",
        title=text,
        description=text,
        theme=text,
        urgency="routine",
        organisation=text,
        organisation_withheld=False,
        sensitive=False,
        board=text,
        ladder=(text, text),
        rung=0,
        state="responded",
        acknowledge_by="Tue 2 Jun 2026, 18:00",
        respond_by="Mon 8 Jun 2026, 18:00",
        acknowledge_overdue=True,
        respond_overdue=True,
        acknowledged=_wording(text),
        responded=_wording(text),
        outcome="declined",
        answer=text,
        decline_reason=text,
        follow_up=text,
        officer_alerted=True,
        moved_on=_wording(text),
        history=(_wording(text), said("{when}: routed to {board}", when="today", board=text)),
        affected=text,
        source_link="https://linkedup.slack.com/archives/C1/p1",
        actions=tuple(CardAction),
    )


def _notice(text: str, kind: NoticeKind = NoticeKind.ANSWER) -> Notice:
    return Notice(
        kind=kind,
        reference="LU-2026-0001",
        title=text,
        heading=text,
        lines=(text, f"*{text}*", _wording(text), quoted(text)),
        escalation_id=7,
        issue_id=7,
    )


def _organisation(text: str) -> Organisation:
    service = Service(name=text, category=text, places_available=1, places_maximum=3)
    return Organisation(
        name=text,
        org_identifier=text,
        contact_email=text,
        bulletin_consent=True,
        status=OrganisationStatus.PENDING,
        services=[service],
    )


def _join_request(text: str, kind: RequestKind, status: RequestStatus) -> JoinRequest:
    return JoinRequest(
        id=3,
        reference="J-2026-0001",
        kind=kind,
        slack_user_id=RAISER,
        organisation=_organisation(text),
        status=status,
        reason=text,
        decided_by=OFFICER,
    )


def _article(text: str) -> Article:
    return Article(
        id=5,
        month="2026-06",
        title=text,
        link="https://www.example.org/news/" + text,
        summary=text,
        category="news",
        source=ArticleSource.SLACK,
        submitted_by=RAISER,
        decided_by=OFFICER,
        decided_at=LONDON_NOON,
    )


def _bulletin(text: str, state: BulletinState = BulletinState.DRAFT) -> Bulletin:
    return Bulletin(
        month="2026-06",
        state=state,
        subject=text,
        category_order=["news", text],
        failed_step=text,
        last_error=text,
        scheduled_for=LONDON_NOON if state == BulletinState.SCHEDULED else None,
    )


def _ranked(text: str) -> RankedItem:
    return RankedItem(key=text, label=text, unique_clicks=3, clicks_per_open=0.5)


def _performance(text: str) -> Performance:
    interval = Interval(0.2, 0.4)
    return Performance(
        month="2026-06",
        checkpoint="7 days",
        taken_at=LONDON_NOON,
        emails_sent=100,
        delivered=98,
        unique_opens=30,
        open_rate=0.31,
        interval=interval,
        proxy_excluded_open_rate=0.25,
        people_open_rate=0.25,
        people_interval=interval,
        unique_clicks=9,
        click_rate=0.09,
        clicks_per_open=0.3,
        benchmark=0.28,
        versus_benchmark="in line",
        trailing_average=0.3,
        trailing_count=3,
        versus_trailing="in line",
        categories=[_ranked(text)],
        links=[_ranked(text)],
    )


# Each port's methods, and how to call each with a hostile text; a method missing here fails the test.
PORT_CALLS = {
    (EscalationRenderer, "card"): lambda t: escalation_views.RENDERER.card(_card(t)),
    (EscalationRenderer, "notice"): lambda t: [
        escalation_views.RENDERER.notice(_notice(t, kind)) for kind in NoticeKind
    ],
    (EscalationRenderer, "digest"): lambda t: escalation_views.RENDERER.digest(
        DigestView(board=t, meeting=t, when=t, items=(DigestItem(t, t, t, t, True),))
    ),
    (BulletinRenderer, "article_review"): lambda t: bulletin_views.RENDERER.article_review(
        _article(t), label=t
    ),
    (BulletinRenderer, "article_outcome"): lambda t: [
        bulletin_views.RENDERER.article_outcome(_article(t), outcome=outcome, reason=t)
        for outcome in ("approved", "rejected", "published")
    ],
    (BulletinRenderer, "preview"): lambda t: bulletin_views.RENDERER.preview(
        Preview(
            bulletin=_bulletin(t),
            labels={"news": t, t: t},
            counts={"news": 2},
            preview_url="https://linkedup.example.org/bulletins/2026-06/preview",
            extras={"web_only": 2},
            mailchimp_missing=["MAILCHIMP_API_KEY"],
        )
    ),
    (BulletinRenderer, "delivered"): lambda t: [
        bulletin_views.RENDERER.delivered(_bulletin(t, state)) for state in BulletinState
    ],
    (BulletinRenderer, "failed"): lambda t: bulletin_views.RENDERER.failed(
        _bulletin(t, BulletinState.SCHEDULED)
    ),
    (BulletinRenderer, "not_configured"): lambda t: bulletin_views.RENDERER.not_configured(t),
    (BulletinRenderer, "feed_skipped"): lambda t: bulletin_views.RENDERER.feed_skipped(t),
    (BulletinRenderer, "performance"): lambda t: {
        "text": bulletin_views.RENDERER.performance(_performance(t))
    },
    (IntakeRenderer, "join_request"): lambda t: [
        intake_views.RENDERER.join_request(_join_request(t, kind, status))
        for kind in RequestKind
        for status in RequestStatus
    ],
    (IntakeRenderer, "join_decision"): lambda t: [
        intake_views.RENDERER.join_decision(_join_request(t, kind, status))
        for kind in RequestKind
        for status in RequestStatus
    ],
    (IntakeRenderer, "return_reminder"): lambda t: intake_views.RENDERER.return_reminder(
        MissingReturnReminder(organisation=t, period=date(2026, 5, 1), services=[t] * 12)
    ),
    (IntakeRenderer, "leaver_home"): lambda t: intake_views.RENDERER.leaver_home(t),
    (SurveyRenderer, "invitation"): lambda t: [
        survey_views.RENDERER.invitation(_invitation(t, preview=preview)) for preview in (False, True)
    ],
    (SurveyRenderer, "reminder"): lambda t: survey_views.RENDERER.reminder(_invitation(t), 1),
    (SurveyRenderer, "draft"): lambda t: survey_views.RENDERER.draft(Draft(1, t, 3, t, LONDON_NOON, True)),
    (SurveyRenderer, "answered_for"): lambda t: survey_views.RENDERER.answered_for(
        AnsweredFor(1, t, t, t, LONDON_NOON)
    ),
    (SurveyRenderer, "receipt"): lambda t: survey_views.RENDERER.receipt(
        t, anonymous=False, replaced=True, closes_at=LONDON_NOON
    ),
    (SurveyRenderer, "closed"): lambda t: survey_views.RENDERER.closed(Closed(1, t, 10, 4, 5, 3)),
    (notice_ports.NoticeBodies, "card"): lambda t: [
        notice_views.RENDERER.card(_notice_card(t, kind, place))
        for kind in TargetedKind
        for place in (None, *PlaceStatus)
    ],
    (notice_ports.NoticeBodies, "reminder"): lambda t: notice_views.RENDERER.reminder(
        notice_ports.ReminderView(1, TargetedKind.SAFEGUARDING, t, LONDON_NOON, 1, 2)
    ),
    (notice_ports.NoticeBodies, "summary"): lambda t: notice_views.RENDERER.summary(
        notice_ports.SummaryView(
            1, TargetedKind.TRAINING, t, LONDON_NOON, 90, 10, (notice_ports.Outstanding(t, t),) * 80
        )
    ),
    (notice_ports.NoticeBodies, "channel_post"): lambda t: [
        notice_views.RENDERER.channel_post(
            notice_ports.ChannelPointer(1, kind, title, OFFICER, t, "https://example.org/?a=1&b=2")
        )
        for kind in TargetedKind
        for title in (None, t)
    ],
    (notice_ports.NoticeBodies, "sender_note"): lambda t: notice_views.RENDERER.sender_note(
        notice_ports.SenderNote(1, t, t)
    ),
}


def _notice_card(text: str, kind, place) -> notice_ports.NoticeCard:
    return notice_ports.NoticeCard(
        notice_id=1,
        kind=kind,
        title=text[:150],
        body=(text + "\n") * 40,
        link="https://example.org/book?x=1&y=<2>",
        sender=OFFICER,
        requires_acknowledgement=True,
        deadline=LONDON_NOON,
        offers_places=kind is TargetedKind.TRAINING,
        places=10,
        acknowledged_at=LONDON_NOON if place else None,
        place=place,
        waiting_position=3 if place is PlaceStatus.WAITING else None,
    )


def _invitation(text: str, *, preview: bool = False) -> Invitation:
    return Invitation(1, text, text, 3, LONDON_NOON, True, True, organisation=text, preview=preview)


def _questions(text: str) -> list[Question]:
    return [Question(f"q{n}", kind, text, (text, text + "2")) for n, kind in enumerate(KINDS, start=1)]


def _survey_results(text: str) -> SurveyResults:
    rate = Rate(3, 7)
    return SurveyResults(
        survey_id=1,
        title=text,
        state="open",
        anonymous=False,
        per_organisation=False,
        audience=text,
        opened_at=LONDON_NOON,
        closes_at=LONDON_NOON,
        responses=3,
        people=rate,
        organisations=rate,
        by_category=[CategoryRate(text, rate, rate, False)],
        comparison=compare_with_baseline(rate),
        questions=[QuestionResult(_questions(text)[0], 1, themes=[(text, [TextAnswer(text, text)])])],
        withheld=False,
        respondents=[],
    )


def _escalation(text: str, *, sensitive: bool = False) -> SimpleNamespace:
    issue_ = SimpleNamespace(reference="LU-2026-0001", title=text, sensitive=sensitive, id=4)
    return SimpleNamespace(id=7, issue=issue_, board_name=text)


def _history(text: str) -> ItemHistory:
    return ItemHistory(
        reference="LU-2026-0001",
        title=text,
        status="open",
        organisation=text,
        board=text,
        lines=(HistoryLine(LONDON_NOON, _wording(text)), HistoryLine(LONDON_NOON, said("{x}", x=text))),
    )


def _agenda(text: str) -> Agenda:
    return Agenda(
        meeting=text,
        since=LONDON_NOON,
        until=LONDON_NOON + timedelta(days=30),
        themes=(
            ThemeLine(
                text, 3, 2, (("open", 2), ("responded", 1)), 1, (AgendaItem("LU-2026-0001", text, text),), 1
            ),
        ),
        systemic=(SystemicTheme(text, 3, ("LU-2026-0001",), 0),),
        items=3,
        overdue=1,
    )


OPTIONS = [Option(value="1", text=PlainTextObject(text="Children's Trust Board"))]
# Every function of handlers' view modules that builds what Slack shows, called with a hostile text.
VIEW_CALLS = {
    escalation_views.summary_block: lambda t: escalation_views.summary_block(_escalation(t)).to_dict(),
    escalation_views.respond_modal: lambda t: escalation_views.respond_modal(_escalation(t), "C1").to_dict(),
    escalation_views.reassign_modal: lambda t: escalation_views.reassign_modal(
        _escalation(t, sensitive=True), OPTIONS, "C1"
    ).to_dict(),
    escalation_views.escalate_modal: lambda t: escalation_views.escalate_modal(
        _escalation(t), t, "C1"
    ).to_dict(),
    escalation_views.theme_modal: lambda t: escalation_views.theme_modal(
        SimpleNamespace(
            id=7,
            issue=SimpleNamespace(reference="LU-2026-0001", title=t, sensitive=False, id=4, theme_id=1),
            board_name=t,
        ),
        [SimpleNamespace(id=1, name=t), SimpleNamespace(id=2, name="Funding")],
        "C1",
    ).to_dict(),
    escalation_views.not_satisfied_modal: lambda t: escalation_views.not_satisfied_modal(
        _escalation(t), "C1"
    ).to_dict(),
    escalation_views.route_modal: lambda t: escalation_views.route_modal(
        _escalation(t).issue, _escalation(t), OPTIONS, "C1"
    ).to_dict(),
    escalation_views.history_message: lambda t: escalation_views.history_message(_history(t)),
    escalation_views.agenda_blocks: lambda t: kit.render(escalation_views.agenda_blocks(_agenda(t))),
    escalation_views.agenda_message: lambda t: escalation_views.agenda_message(_agenda(t)),
    escalation_views.triage_message: lambda t: escalation_views.triage_message(
        [SimpleNamespace(reference="LU-2026-0001", title=t, id=4, organisation=SimpleNamespace(name=t))] * 25
    ),
    escalation_views.meetings_message: lambda t: escalation_views.meetings_message(
        [SimpleNamespace(starts_at=LONDON_NOON, title=t, location=t)]
    ),
    bulletin_views.review_blocks: lambda t: [
        b.to_dict() for b in bulletin_views.review_blocks(_article(t), label=t, decided=None)
    ],
    bulletin_views.decided_review: lambda t: [
        {"text": text, "blocks": [b.to_dict() for b in blocks]}
        for approve in (True, False)
        for text, blocks in [bulletin_views.decided_review(_article(t), label=t, approve=approve)]
    ],
    bulletin_views.reject_modal: lambda t: bulletin_views.reject_modal(_article(t), origin={}).to_dict(),
    bulletin_views.outcome_text: lambda t: {
        "text": bulletin_views.outcome_text(_article(t), outcome="rejected", reason=t)
    },
    bulletin_desk_views.standing_blocks: lambda t: [
        b.to_dict()
        for b in bulletin_desk_views.standing_blocks(Standing("2026-06", "stopped", t, tuple(Step)))
    ],
    bulletin_views.preview_blocks: lambda t: [
        b.to_dict()
        for b in bulletin_views.preview_blocks(
            Preview(bulletin=_bulletin(t), labels={"news": t}, counts={}, preview_url=None)
        )
    ],
    bulletin_views.approved_blocks: lambda t: [
        b.to_dict() for b in bulletin_views.approved_blocks(_bulletin(t, BulletinState.SCHEDULED), by=OFFICER)
    ],
    bulletin_views.failure_blocks: lambda t: [
        b.to_dict() for b in bulletin_views.failure_blocks(_bulletin(t))
    ],
    bulletin_views.delivered_text: lambda t: {"text": bulletin_views.delivered_text(_bulletin(t))},
    bulletin_views.performance_text: lambda t: {"text": bulletin_views.performance_text(_performance(t))},
    survey_views.create_modal: lambda t: survey_views.create_modal([t], [(1, t)], date(2026, 6, 1)).to_dict(),
    survey_views.confirm_view: lambda t: survey_views.confirm_view(1, t, t, 3, LONDON_NOON),
    survey_views.question_block: lambda t: [
        survey_views.question_block(q, t).to_dict() for q in _questions(t)
    ],
    survey_views.answer_modal: lambda t: survey_views.answer_modal(
        survey_id=1,
        title=t,
        introduction=t,
        page=_questions(t),
        number=1,
        pages=2,
        earlier={"q1": 3, "q2": t, "q3": [t], "q4": t},
        token="x",
        organisation=t,
        done_by=t,
    ),
    survey_views.waiting_lines: lambda t: kit.render(
        survey_views.waiting_lines([(t, 1, LONDON_NOON, False), (t, 2, LONDON_NOON, True)])
    ),
    survey_views.officer_rate_lines: lambda t: kit.render(
        survey_views.officer_rate_lines([_survey_results(t)])
    ),
    survey_views.survey_list_text: lambda t: {
        "text": survey_views.survey_list_text([(1, t, "open", 1, 2, LONDON_NOON)])
    },
    notice_views.compose_modal: lambda t: notice_views.compose_modal(
        notice_views.Choices([t] * 120, [(t, t)], [(t, t)], [(1, t)])
    ).to_dict(),
    notice_views.confirm_modal: lambda t: notice_views.confirm_modal(
        1, t, t, send_at=LONDON_NOON, kind=TargetedKind.SAFEGUARDING
    ).to_dict(),
    notice_views.sent_modal: lambda t: notice_views.sent_modal(t).to_dict(),
    notice_views.confirmed_sentence: lambda t: notice_views.sent_modal(
        notice_views.confirmed_sentence(t, t, LONDON_NOON)
    ).to_dict(),
    notice_views.home_notice_blocks: lambda t: [
        b.to_dict()
        for b in notice_views.home_notice_blocks(
            [notice_views.WaitingNotice(t, TargetedKind.SAFEGUARDING, LONDON_NOON)] * 30,
            [notice_views.SentNotice(1, t, TargetedKind.TRAINING, "sent", 9, 8, 1, 3, True, 5, 2, 5)] * 30,
            may_send=True,
        )
    ],
    intake_views.reminder_text: lambda t: {
        "text": intake_views.reminder_text(
            MissingReturnReminder(organisation=t, period=date(2026, 5, 1), services=[t])
        )
    },
}
# Functions of those modules that build no text from what people typed (helpers, fixed forms), or
# that read the database and are judged with the real flows below (`test_views_read_from_the_database`).
NOT_TYPED = {
    "button",
    "modal",
    "text_input",
    "board_select",
    "open_months",
    "web_only_note",
    "schedule_modal",
    "pages_of",  # splits questions into pages
    "page_values",  # reads a submitted page back
}
FROM_THE_DATABASE = {"board_options", "article_modal", "article_queue_blocks", "survey_home_blocks"}
VIEW_MODULES = [
    escalation_views,
    bulletin_views,
    bulletin_desk_views,
    intake_views,
    survey_views,
    notice_views,
]


def test_every_port_method_is_rendered_here():
    wanted = {
        (port, name)
        for port in (
            EscalationRenderer,
            BulletinRenderer,
            IntakeRenderer,
            SurveyRenderer,
            notice_ports.NoticeBodies,
        )
        for name, value in vars(port).items()
        if callable(value) and not name.startswith("_")
    }
    assert wanted == set(PORT_CALLS), "add the new renderer method to PORT_CALLS"


def test_every_view_builder_is_rendered_here():
    modules = {p.stem for p in (Path(escalation_views.__file__).parent).glob("*_views.py")}
    assert modules == {m.__name__.split(".")[-1] for m in VIEW_MODULES}, "add the new views module here"
    covered = {f.__name__ for f in VIEW_CALLS} | NOT_TYPED | FROM_THE_DATABASE
    found = {
        name
        for module in VIEW_MODULES
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    }
    assert found == covered, f"judge these builders in VIEW_CALLS: {sorted(found - covered)}"


@settings(max_examples=60, deadline=None)
@given(hostile)
def test_no_renderer_relays_a_control_sequence(text):
    for (port, name), call in PORT_CALLS.items():
        assert_safe(call(text), f"by {port.__name__}.{name} for {text!r}")


@settings(max_examples=60, deadline=None)
@given(hostile)
def test_no_view_builder_relays_a_control_sequence(text):
    for builder, call in VIEW_CALLS.items():
        assert_safe(call(text), f"by {builder.__module__}.{builder.__name__} for {text!r}")


def test_the_bot_s_own_mentions_and_links_stay_real():
    body = escalation_views.RENDERER.card(_card("x"))
    assert f"<@{EH_MEMBER}>" in json.dumps(body) and "&lt;@" not in json.dumps(body)
    review = json.dumps(bulletin_views.RENDERER.article_review(_article("x"), label="News"))
    assert f"<@{RAISER}>" in review and "<https://www.example.org/news/x|x>" in review
    assert kit.mrkdwn(said("{a} & {b}", a=Mention(RAISER), b="<!here>")) == f"<@{RAISER}> & &lt;!here&gt;"


def test_views_read_from_the_database(db):
    net = network(db)
    net.eh.name = "Early <!here> Board"
    db.flush()
    options = escalation_views.board_options(db, exclude=None, private_only=False)
    assert_safe(escalation_views.board_select(options).to_dict(), "in the board options")
    assert_safe(bulletin_views.article_modal(db, link=HOSTILE).to_dict(), "in the article form's echoed link")
    assert_safe([b.to_dict() for b in bulletin_views.article_queue_blocks(db)], "in the article queue")


# --- refusals: they name organisations and boards people typed, and the people who acted -------------


def test_refusals_escape_what_was_typed_and_keep_real_mentions(slack, slack_api, db):
    world = build_world(db)
    db.get(Organisation, world.organisation_id).name = "Seacombe <!channel> Carers"
    db.commit()
    escalation_id = str(world.routine_escalation_id)
    # Someone outside the organisation presses Satisfied: refused, naming the organisation.
    slack.interact(
        block_actions_payload(user_id=STRANGER, action_id=EscalationAction.SATISFIED, value=escalation_id)
    )
    # The board acknowledges; a second press of Acknowledge is told who did it.
    flows.acknowledge(
        db, escalation_id=world.routine_escalation_id, actor=EH_MEMBER, now=utcnow(), render=RENDERER
    )
    db.commit()
    slack.interact(
        block_actions_payload(user_id=EH_CHAIR, action_id=EscalationAction.ACKNOWLEDGE, value=escalation_id)
    )
    told = [{"text": c["text"]} for c in slack_api.of("chat.postEphemeral")]
    told += [c["view"] for c in slack_api.of("views.open")]
    assert told
    assert_safe(told, "in a refusal")
    said_ = json.dumps(told)
    assert "&lt;!channel&gt;" in said_ and f"<@{EH_MEMBER}>" in said_


# --- Slack's limits, whatever the length of what people typed -----------------------------------------

# Long text as people paste it: a few hostile fragments, then a run long enough to break a section
# (3,000 characters), a header (150) or a modal title (24) if a builder forgot to clip.
long_text = st.tuples(
    hostile, st.integers(min_value=0, max_value=4000), st.sampled_from(["é", "&", "<", "x "])
).map(lambda t: t[0] + t[2] * t[1])


def assert_within_slack_limits(body, where: str) -> None:
    """A message body (≤ 50 blocks), a view (≤ 100 blocks, title ≤ 24), or a list of either / of blocks:
    each block as Slack's SDK validates it, every section's text ≤ 3,000 characters."""
    from tests.intake_support import assert_message_within_limits, assert_view_within_limits

    if isinstance(body, list):
        if body and all(isinstance(b, dict) and "type" in b and "blocks" not in b for b in body):
            for block in body:  # blocks a Home tab or a view is built from: each within its own limits
                assert_message_within_limits([block])
            return
        for each in body:
            assert_within_slack_limits(each, where)
        return
    if isinstance(body, dict) and body.get("type") in ("modal", "home"):
        assert_view_within_limits(body)
        return
    if isinstance(body, dict) and "blocks" in body:
        assert_message_within_limits(body["blocks"])
    if isinstance(body, dict) and isinstance(body.get("text"), str):
        assert len(body["text"]) <= 40_000, f"fallback text of {len(body['text'])} characters {where}"


@settings(max_examples=25, deadline=None)
@given(long_text)
def test_every_renderer_stays_within_slack_s_limits_whatever_was_typed(text):
    for (port, name), call in PORT_CALLS.items():
        assert_within_slack_limits(call(text), f"by {port.__name__}.{name}")


@settings(max_examples=25, deadline=None)
@given(long_text)
def test_every_view_builder_stays_within_slack_s_limits_whatever_was_typed(text):
    for builder, call in VIEW_CALLS.items():
        assert_within_slack_limits(call(text), f"by {builder.__module__}.{builder.__name__}")


@settings(max_examples=30, deadline=None)
@given(typed=st.text(min_size=1, max_size=60), link=st.sampled_from([None, "https://example.org/book"]))
def test_a_shortened_notice_says_where_the_rest_is(typed, link):
    """A body longer than the card holds is cut, and points to the link only when there is one."""
    card = dataclasses.replace(
        _notice_card("x", TargetedKind.GENERAL, None), body=(typed + " &\n") * 2500, link=link
    )
    sections = [
        b["text"]["text"] for b in notice_views.RENDERER.card(card)["blocks"] if b["type"] == "section"
    ]
    assert all(len(text) <= 3000 for text in sections)
    shortened = [text for text in sections if "_(shortened:" in text]
    assert len(shortened) == 1
    assert ("see the link below" in shortened[0]) == (link is not None)
    assert ("ask the sender" in shortened[0]) == (link is None)
