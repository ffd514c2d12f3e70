"""Erased means gone: a canary in every free-text field a member can fill, none left after `org erase`.

Each canary is a unique word starting with "Cnry". They are typed through the real flows — the
`/linkedup issue`, `waiting`, `feedback` and `article` modals as signed Slack requests, a board's
answers, the "Not satisfied" note, the officer's reply, the worker delivering the outbox to the Slack
fake, the sweep's reminders, a compiled bulletin — inside long, multi-line, quoted, clipped and
escaped text. After `linkedup org erase ID --yes`, every text and JSON column of every table is
searched for "cnry" in any case: nothing may remain. Another organisation's words stay as they were.

The first test holds `privacy.columns` to the schema: a text column nobody decided about fails it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import JSON, String, Text, select

from bot.cli import main
from bot.escalation_jobs import run_sweep
from bot.outbox import deliver_due
from bulletins.articles import decide_article
from bulletins.compile import compile_bulletin
from escalations import flows
from handlers.escalation_views import RENDERER
from intake.feedback import reply_to_feedback
from models import Article, Escalation, Feedback, Issue, Organisation, Theme
from models.base import Base, utcnow
from privacy.columns import COLUMN_RULES, KEEP, rule_of
from privacy.scrub import prepare, scrub
from tests import factories
from tests.intake_support import action, buttons, dms_to, opened_view, submit
from tests.reliability_support import EH_MEMBER, OFFICER, OTHER_MEMBER, RAISER, WSCB_MEMBER, build_world
from tests.test_bulletin_compile import cli_database_url

CONTROL = "Leasowe minibus KEEPME needs a new clutch & <gearbox>"
JOINER = "U0JOINER01"
REGISTRATION = {  # an organisation registering itself through /linkedup join
    "name": "Cnryorg Wallasey Carers & <Friends>",
    "scheme": "GB-CHC",
    "identifier": "1000003",
    "contact_email": "cnryjoin@wallasey.example.org",
    "bulletin_consent": True,
    "service_1_name": "Cnryjoinservice drop-in",
    "service_1_category": "young carers",  # categories come from a list: nothing personal to plant
    "service_1_ages": "0-18",
    "service_1_places": "2/10",
}


def _text_columns():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON):
                yield table.name, column.name


def test_every_text_column_has_an_erasure_rule():
    undecided = [f"{t}.{c}" for t, c in _text_columns() if rule_of(t, c) is None]
    assert undecided == [], f"decide in privacy/columns.py what erasure does to: {undecided}"
    present = set(_text_columns())
    stale = [f"{t}.{c}" for t, columns in COLUMN_RULES.items() for c in columns if (t, c) not in present]
    assert stale == [], f"privacy/columns.py names columns the schema no longer has: {stale}"
    for table, columns in COLUMN_RULES.items():
        for column, rule in columns.items():
            if isinstance(rule, tuple):
                assert rule[0] == KEEP and rule[1].strip(), f"{table}.{column}: say why it is not personal"


@pytest.mark.parametrize(
    ("stored", "left"),
    [
        ("> The Saturday drop-in &amp; the &lt;Tuesday&gt; group\n> lose their room in March.", "> [erased]"),
        ("*Issue*: The Saturday drop-in &amp; the &lt;Tues…", "*Issue*: [erased]"),
        ("*Issue*: The Saturday drop-in &amp; the &l…", "*Issue*: [erased]"),
        (
            "<p>The Saturday drop-in &amp; the &lt;Tuesday&gt; group lose their room in March.</p>",
            "<p>[erased]</p>",
        ),
        (
            "Re: The Saturday drop-in & the <Tuesday> group\r\n   lose their room in March. Thanks",
            "Re: [erased] Thanks",
        ),
        # The same opening words going on to say something else are not a copy.
        (
            "The Saturday drop-in & the <Tuesday> choir sings on",
            "The Saturday drop-in & the <Tuesday> choir sings on",
        ),
    ],
)
def test_a_copy_is_found_quoted_clipped_escaped_or_rewrapped(stored, left):
    values = prepare({"The Saturday drop-in & the <Tuesday> group\nlose their room in March."}, min_length=4)
    assert scrub(stored, values) == left
    assert scrub({"blocks": [{"text": stored}]}, values) == {"blocks": [{"text": left}]}


def _long(word: str, lines: int = 30) -> str:
    """Several lines, > 1500 characters (clipped on cards and in history), with Slack and HTML
    specials, canaries at the start, in the middle and at the end."""
    lines = [
        f'{word}start: the Saturday drop-in & the <Tuesday> group "lose" their room\'s lease in March.',
        *(f"Line {n} about {word}mid{n} families who rely on the hall & its kitchen." for n in range(lines)),
        f"And finally {word}end.",
    ]
    return "\n".join(lines)


@pytest.fixture
def canaries(db, session_factory, slack, slack_api):
    """Every free-text field the organisation's people can fill, holding canaries, through real flows."""
    world = build_world(db)
    org = db.get(Organisation, world.organisation_id)
    org.slug = "seacombe-young-carers"
    org.contact_email = "cnrycontact@seacombe.example.org"
    service = factories.service(db, org, "Cnryservice young carers' Tuesday club", category="Cnrycategory")
    other = db.get(Organisation, world.other_organisation_id)
    db.add(
        Issue(
            reference="LU-2026-0900",
            organisation=other,
            raised_by=OTHER_MEMBER,
            title=CONTROL,
            description=CONTROL,
        )
    )
    db.commit()
    early_help = db.scalar(select(Theme).where(Theme.slug == "early-help"))
    safeguarding = db.scalar(select(Theme).where(Theme.slug == "safeguarding"))

    def form(command: str, values: dict) -> None:
        slack.command(command, user_id=RAISER)
        response = submit(slack, opened_view(slack_api), user_id=RAISER, values=values)
        assert response.status_code == 200, response.get_data(as_text=True)

    form(
        "issue",
        {
            "title": 'Cnrytitle & <drop-in> "room" at risk',
            "description": _long("Cnrydesc"),
            "theme": str(early_help.id),
            "affected_group": "Cnrygroup young carers",
        },
    )
    form(
        "issue",
        {
            "title": "Cnrysensitive older men at the gate",
            "description": _long("Cnrysafe"),
            "theme": str(safeguarding.id),
            "sensitive": True,
        },
    )
    form(
        "waiting",
        {
            "service": str(service.id),
            "number_waiting": "9",
            "new_referrals": "2",
            "median_wait_weeks": "3",
            "longest_wait_weeks": "7",
            "capacity_status": "waitlist_only",
            "notes": "Cnrynotes: two referrals\nfrom the school nurse & the GP.",
        },
    )
    form(
        "feedback",
        {
            "about": "service",
            "subject": "Cnrysubject the Tuesday club",
            "rating": "4",
            "comment": _long("Cnrycomment"),
        },
    )
    form(
        "article",
        {
            "title": "Cnryarticle awareness day & <fun>",
            "link": "https://www.example.org/cnrylink-day",
            "summary": "Cnrysummary: a day of activities\nfor young carers.",
            "category": "training-and-events",
        },
    )
    slack.command("join", user_id=JOINER)
    response = submit(slack, opened_view(slack_api), user_id=JOINER, values=REGISTRATION)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.expire_all()
    now = utcnow()
    client = WebClient(base_url=slack_api.base_url, token="xoxb-test-token")
    deliver_due(session_factory, client)
    [card] = [m for m in dms_to(slack_api, OFFICER) if "Cnryorg" in json.dumps(m)]
    approve = buttons(card["blocks"])[0]
    action(
        slack,
        user_id=OFFICER,
        action_id=approve["action_id"],
        value=approve["value"],
        channel_id="D0OFFICER1",
    )

    issues = {i.title: i for i in db.scalars(select(Issue).where(Issue.organisation_id == org.id))}
    routine = issues['Cnrytitle & <drop-in> "room" at risk']
    sensitive = issues["Cnrysensitive older men at the gate"]
    routine_escalation = db.scalar(select(Escalation).where(Escalation.issue_id == routine.id))
    sensitive_escalation = db.scalar(select(Escalation).where(Escalation.issue_id == sensitive.id))
    flows.respond(
        db, escalation_id=routine_escalation.id, actor=EH_MEMBER, answer=_long("Cnryanswer"),
        outcome="accepted", now=now, render=RENDERER,
    )  # fmt: skip
    flows.not_satisfied(
        db,
        escalation_id=routine_escalation.id,
        actor=RAISER,
        note=_long("Cnrynote", 8),
        now=now,
        render=RENDERER,
    )
    flows.respond(
        db, escalation_id=routine_escalation.id, actor=EH_MEMBER, answer="Cnrysecond answer: kept.",
        outcome="accepted", now=now, render=RENDERER,
    )  # fmt: skip
    flows.acknowledge(db, escalation_id=sensitive_escalation.id, actor=WSCB_MEMBER, now=now, render=RENDERER)
    flows.respond(
        db, escalation_id=sensitive_escalation.id, actor=WSCB_MEMBER, answer="Cnrysafeanswer: police told.",
        outcome="accepted", now=now, render=RENDERER,
    )  # fmt: skip
    feedback = db.scalar(
        select(Feedback).where(Feedback.slack_user_id == RAISER).order_by(Feedback.id.desc()).limit(1)
    )
    reply_to_feedback(db, feedback_id=feedback.id, officer=OFFICER, text="Cnryreply: see you in spring.")
    article = db.scalar(select(Article).where(Article.title.like("Cnryarticle%")))
    decide_article(db, article_id=article.id, approve=True, by=OFFICER)
    db.commit()
    compile_bulletin(db, article.month, now=now + timedelta(minutes=1), actor=OFFICER)
    db.commit()
    run_sweep(session_factory, now=now + timedelta(days=30))
    deliver_due(session_factory, client)
    return world


def _found(engine, word: str) -> list[str]:
    found = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value)
                    at = text.lower().find(word.lower())
                    if at != -1:
                        found.append(f"{table.name}.{column.name}: …{text[max(0, at - 60) : at + 40]!r}…")
    return found


def test_erase_leaves_no_canary_anywhere(canaries, db, engine, tmp_path, monkeypatch, capsys):
    planted = _found(engine, "cnry")
    places = {line.split(":")[0] for line in planted}
    # The flows really copied them into the derived stores the erasure has to find.
    assert {
        "issues.title",
        "issues.description",
        "issues.affected_group",
        "escalations.answer",
        "escalation_events.detail",
        "waiting_list_returns.notes",
        "feedback.comment",
        "feedback.reply_text",
        "services.name",
        "services.category",
        "articles.title",
        "articles.summary",
        "articles.link",
        "organisations.name",
        "organisations.contact_email",
        "feedback.subject",
        "outbox.payload",
        "audit_log.after",
        "bulletins.html",
        "bulletins.text",
    } <= places, sorted(places)

    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.chdir(tmp_path)
    # The export names the derived rows holding copies: exactly what the erasure will scrub.
    assert main(["org", "export", "seacombe-young-carers"]) == 0
    copies = json.loads(capsys.readouterr().out)["copies_elsewhere"]
    assert {"outbox", "bulletins"} <= {c["table"] for c in copies}, copies
    assert main(["org", "erase", "seacombe-young-carers", "--yes"]) == 0
    registered = db.scalar(select(Organisation.id).where(Organisation.name.like("Cnryorg%")))
    assert main(["org", "erase", str(registered), "--yes"]) == 0
    capsys.readouterr()

    left = _found(engine, "cnry")
    assert left == [], "\n".join(left[:25])
    assert main(["org", "export", "seacombe-young-carers"]) == 2, "the slug went with the rest"
    assert main(["org", "export", str(canaries.organisation_id)]) == 0
    assert json.loads(capsys.readouterr().out)["copies_elsewhere"] == []
    db.expire_all()
    control = db.scalar(select(Issue).where(Issue.reference == "LU-2026-0900"))
    assert control.title == CONTROL and control.raised_by == OTHER_MEMBER
    assert _found(engine, "KEEPME")
