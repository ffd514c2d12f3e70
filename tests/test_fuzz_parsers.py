"""Hypothesis-driven fuzzing of everything that reads what people (or Slack) send: the door of
`/slack/events`, every modal parser, the intake forms end to end, and the network file loader.

What is already fuzzed elsewhere is not repeated: identifiers, whole numbers, text, emails and service
lines (`test_intake_parsers.py`), form values and metadata round trips (same file), random damage
to the demo network file (`test_network_file.py`). This file adds arbitrary *structures* — payloads
and documents of any shape — and drives the real forms with what a person might type.

The property everywhere: a clear refusal (a `Refused`, a `DomainError`, a `NetworkFileError`, inline
modal errors) or a complete result — never another exception, never a partial write.
"""

from __future__ import annotations

import contextlib
import copy
import json
import string

import pytest
import yaml
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy import Engine, select

import handlers.bulletins as bulletin_handlers
import handlers.errors as error_handlers
import handlers.escalations as escalation_handlers
import handlers.forms as intake_forms
import handlers.middleware as form_middleware
from bot.paths import DEMO_NETWORK_FILE
from bot.slack_http import FORM, JSON, Refused, bolt_request_for, parse, shape_problem
from models import Board
from models.base import Base
from models.db import transaction
from models.errors import DomainError
from network_file.document import MAX_VALUES, NetworkFileError, parse_network
from network_file.loader import load_network
from tests import factories
from tests.intake_support import input_blocks, opened_view, submit
from tests.reliability_support import table_counts
from tests.slack_requests import block_actions_payload, event_body, fixture_json, view_submission_payload

EXAMPLES = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GENERIC = "Something went wrong on our side"

# --- payloads of any shape -----------------------------------------------------------------------------

KEYS = [
    "type", "user", "id", "team", "team_id", "view", "state", "values", "actions", "action_id", "block_id",
    "value", "selected_option", "selected_options", "selected_date", "private_metadata", "callback_id",
    "event", "channel", "text", "ts", "trigger_id", "container", "message", "blocks", "authorizations",
    "enterprise", "app_installed_team_id", "hash",
]  # fmt: skip
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["view_submission", "block_actions", "event_callback", "app_mention", "²", "9" * 30]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=25,
)


def _bases() -> list[dict]:
    """Real payloads of each kind, to mutate: the fuzzing starts from what Slack sends."""
    view = view_submission_payload(
        user_id="U0MEMBER01",
        callback_id="escalation_respond_modal",
        values={
            "answer": {"value": {"type": "plain_text_input", "value": "Yes"}},
            "outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "accepted"}}},
            "follow_up_date": {"value": {"type": "datepicker", "selected_date": "2027-01-04"}},
        },
        private_metadata=json.dumps({"escalation_id": 3, "month": "2026-11"}),
    )
    action = block_actions_payload(user_id="U0MEMBER01", action_id="escalation_acknowledge", value="3")
    mention = json.loads(event_body(fixture_json("event_callback.app_mention.bolt-python.json")["event"]))
    return [view, action, mention]


BASES = _bases()


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@st.composite
def payloads(draw) -> dict:
    """A real payload with one to four of its values (at any depth) replaced by arbitrary JSON."""
    payload = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(payload) if p]
        path = draw(st.sampled_from(paths))
        target = payload
        for key in path[:-1]:
            target = target[key]
        if draw(st.booleans()) and isinstance(target, dict):
            target.pop(path[-1], None)
        else:
            target[path[-1]] = draw(json_values)
    return payload


def _admitted(body: dict) -> BoltRequest:
    """The Bolt request the door would build for this body; skips the example if the door refuses it."""
    try:
        return bolt_request_for(json.dumps(body), body, headers={"content-type": ["application/json"]})
    except Refused as refused:
        assert refused.status == 400 and refused.detail
        assume(False)
        raise


@EXAMPLES
@given(raw=st.text(max_size=300), mimetype=st.sampled_from([FORM, JSON]))
def test_the_door_parses_any_text_or_refuses_it(raw, mimetype):
    try:
        body = parse(raw, mimetype)
    except Refused as refused:
        assert refused.status == 400 and refused.detail
    else:
        assert isinstance(body, dict)


@EXAMPLES
@given(body=st.one_of(payloads(), st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)))
def test_a_payload_the_door_admits_can_be_read_by_every_parser(body):
    """`shape_problem` never fails; and when it finds nothing wrong, Bolt builds the request and
    every parser our listeners use reads the payload without an exception (domain refusals aside)."""
    problem = shape_problem(body)
    assert problem is None or isinstance(problem, str)
    assume(problem is None)
    request = _admitted(body)
    error_handlers.first_input_block(request)
    error_handlers.request_id(request)
    view = body.get("view") or {}
    form_middleware.form_values(view)
    intake_forms.metadata(view)
    for reader in (escalation_handlers._escalation_id, bulletin_handlers.schedule_metadata):
        with contextlib.suppress(DomainError):
            reader(view)
    if body.get("type") in ("block_actions", "view_submission"):
        escalation_handlers._user(body)
        escalation_handlers._channel(body)
        escalation_handlers._value(body) if body.get("actions") else None


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=payloads())
def test_no_listener_matcher_fails_on_an_admitted_payload(app, body):
    """Bolt asks every listener whether a request is its own; none may fail on an odd payload."""
    assume(shape_problem(body) is None)
    request = _admitted(body)
    for listener in app.extensions["linkedup"].bolt._listeners:
        listener.matches(req=request, resp=BoltResponse(status=200))


# --- the intake forms, filled with what a person might type ----------------------------------------------

MEMBER = "U0MEMBER01"
typed = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=400),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(
        ["", " ", "0", "-1", "+7", "1,000", "1e9", "3.5", "٣", "²", "１２", "NaN", "null", "x" * 3001,
         "<@U0MEMBER01>", "<!channel>", "'; DROP TABLE issues; --", "\x00", "a@b", "🙂" * 600,
         "2026-02", "2099-01", "1999-12", "0000-00", "has_capacity", "network", "board:1", "board:²"]
    ),
)  # fmt: skip
DOMAIN_TABLES = ("issues", "waiting_list_returns", "feedback", "join_requests", "organisations", "audit_log")


@pytest.fixture
def forms(slack, slack_api, db):
    """A registered member with two services, the themes and boards the forms offer; each form opened once."""
    organisation = factories.organisation(db, members=(MEMBER,))
    factories.service(db, organisation, "Young carers group")
    factories.service(db, organisation, "Sibling support", category="family support")
    board = factories.board(db, "cjcg", "Children's Joint Commissioning Group", channel="C0CJCG0001")
    factories.theme(db, "funding", "Funding", board=board, keywords=("grant", "funding"))
    db.commit()
    opened = {}
    for command, user in (
        ("issue", MEMBER),
        ("waiting", MEMBER),
        ("feedback", MEMBER),
        ("join", "U0NEWCOMER"),
    ):
        before = len(slack_api.of("views.open"))
        slack.command(command, user_id=user)
        assert len(slack_api.of("views.open")) == before + 1, command
        opened[command] = (opened_view(slack_api), user)
    return opened


def _filled(draw, view: dict) -> dict:
    """A value for some of the form's inputs: typed text, or for a select sometimes an offered option."""
    values = {}
    for block_id, block in input_blocks(view).items():
        if not draw(st.booleans()):
            continue
        element = block["element"]
        options = [o["value"] for o in element.get("options") or []]
        for group in element.get("option_groups") or []:
            options += [o["value"] for o in group["options"]]
        if element["type"] == "checkboxes":
            values[block_id] = draw(st.lists(st.sampled_from(options), unique=True)) if options else []
        elif options and draw(st.booleans()):
            values[block_id] = draw(st.sampled_from(options))
        else:
            value = draw(typed)
            values[block_id] = value if element["type"] != "external_select" or value else None
    return values


@EXAMPLES
@given(data=st.data(), form=st.sampled_from(["issue", "waiting", "feedback", "join"]))
def test_any_typing_in_the_intake_forms_is_stored_whole_or_refused_on_its_fields(
    slack, engine, forms, data, form
):
    view, user = forms[form]
    values = _filled(data.draw, view)
    before = table_counts(engine)
    response = submit(slack, view, user_id=user, values=values)
    assert response.status_code == 200
    answer = response.get_json()
    assert GENERIC not in json.dumps(answer)
    after = table_counts(engine)
    if answer.get("response_action") == "errors":
        blocks = set(input_blocks(view))
        assert answer["errors"] and set(answer["errors"]) <= blocks, answer
        assert all(isinstance(m, str) and 0 < len(m) <= 2000 for m in answer["errors"].values())
        assert all(after[t] == before[t] for t in DOMAIN_TABLES), "a refused form wrote something"
    else:
        assert answer.get("response_action") == "update", answer
        grown = {t for t in DOMAIN_TABLES if after[t] != before[t]}
        expected = {
            "issue": {"issues", "audit_log"},
            "waiting": {"audit_log"},  # a second return for the same month updates the first
            "feedback": {"feedback", "audit_log"},
            "join": {"join_requests", "organisations", "audit_log"},
        }[form]
        assert grown <= expected | {"waiting_list_returns"} and "audit_log" in grown, grown
        assert after["audit_log"] == before["audit_log"] + 1, "one audit line per stored submission"


# --- the network file, any shape -------------------------------------------------------------------------

SCHEMA_KEYS = [
    "network", "officers", "boards", "themes", "organisations", "slug", "name", "timezone", "bulletin",
    "returns", "categories", "compile_day", "reminder_day", "slack_user_id", "channel", "parent", "chair",
    "members", "meetings", "starts_at", "acknowledge_days", "respond_days", "keywords", "board", "services",
    "contact_email", "identifier", "min_age", "max_age", "category", "private", "linked_up_meeting",
]  # fmt: skip
yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=string.printable, max_size=20),
    st.sampled_from(
        ["U0OFFICER1", "wirral", "ctb", "#linkedup-ctb", "2027-01-19T09:30", "GB-CHC-1", "a@b.org"]
    ),
)
yaml_documents = st.recursive(
    yaml_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(SCHEMA_KEYS), inner, max_size=6)
    ),
    max_leaves=40,
)


def _rows(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(r) for r in connection.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def _load(session_factory, text: str):
    with transaction(session_factory) as session:
        return load_network(session, parse_network(text, source="fuzzed.yaml"), source="fuzzed.yaml")


@EXAMPLES
@given(document=st.dictionaries(st.sampled_from(SCHEMA_KEYS), yaml_documents, max_size=6))
def test_a_network_file_of_any_shape_is_refused_with_lines_or_loaded_whole(session_factory, engine, document):
    text = yaml.safe_dump(document, allow_unicode=True)
    before = _rows(engine)
    try:
        _load(session_factory, text)
    except NetworkFileError as exc:
        assert exc.problems and all(p.startswith("fuzzed.yaml") for p in exc.problems), exc.problems
        assert _rows(engine) == before
    # Loaded: it was a valid network; what it wrote is checked by test_network_file's own suite.


@EXAMPLES
@given(text=st.text(max_size=400))
def test_any_text_as_a_network_file_is_refused_with_a_reason(session_factory, engine, text):
    before = _rows(engine)
    with pytest.raises(NetworkFileError) as refused:
        _load(session_factory, text)
    assert all(p.startswith("fuzzed.yaml") for p in refused.value.problems)
    assert _rows(engine) == before


def test_a_yaml_alias_bomb_is_refused_at_once(session_factory, engine):
    """Nine references to nine references… nine deep: hundreds of millions of values. It used to hang
    `linkedup network load`; now the walk stops at MAX_VALUES and says why."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    bomb = "\n".join([*lines, "network: {slug: w, name: W, bulletin: {categories: *a8}}"]) + "\n"
    before = _rows(engine)
    with pytest.raises(NetworkFileError) as refused:
        _load(session_factory, bomb)
    assert f"more than {MAX_VALUES:,} values" in refused.value.problems[0]
    assert _rows(engine) == before


def test_the_demo_network_with_aliases_as_people_write_them_still_loads(session_factory, db):
    """Aliases as people use them (one board's member list reused for another) stay allowed."""
    text = DEMO_NETWORK_FILE.read_text(encoding="utf-8")
    text = text.replace(
        "members: [U0DEMOAAD1, U0DEMOAAD2, U0OFFICER1]",
        "members: &disability [U0DEMOAAD1, U0DEMOAAD2, U0OFFICER1]",
    )
    text = text.replace("chair: U0DEMONEET1", "chair: U0DEMOAAD1").replace(
        "members: [U0DEMONEET1, U0OFFICER1]", "members: *disability"
    )
    assert text.count("*disability") == 1
    _load(session_factory, text)
    neet = db.scalar(select(Board).where(Board.slug == "neet"))
    assert {m.slack_user_id for m in neet.members} == {"U0DEMOAAD1", "U0DEMOAAD2", "U0OFFICER1"}
