"""Property tests for what reads people's input: identifiers, numbers, service fields, view state."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.blockkit import clip, pack_lines
from handlers.forms import encode_metadata, metadata
from handlers.issue_form import mention_offer, message_link, plain_text_of, without_mention
from handlers.middleware import form_values
from intake.identifiers import CANONICAL, COMPANY_PREFIXES, SCHEMES, InvalidIdentifier, normalise_org_id
from intake.service_entries import COMMON_CATEGORIES, ServiceLine, field_id, parse_entries
from intake.suggestions import ThemeWords, score_themes
from models import fields
from models.errors import ValidationError

digits = st.text(alphabet=string.digits, min_size=1, max_size=10)


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "scheme", "expected"),
    [
        ("1234567", "GB-CHC", "GB-CHC-1234567"),
        ("  123 456 ", "GB-CHC", "GB-CHC-123456"),
        ("GB-CHC-1234567", None, "GB-CHC-1234567"),
        ("gb-chc-1234567", "GB-CHC", "GB-CHC-1234567"),
        ("SC012345", "GB-SC", "GB-SC-SC012345"),
        ("sc 012345", "GB-SC", "GB-SC-SC012345"),
        ("012345", "GB-SC", "GB-SC-SC012345"),
        ("GB-SC-SC012345", None, "GB-SC-SC012345"),
        ("NIC100002", "GB-NIC", "GB-NIC-100002"),
        ("100002", "GB-NIC", "GB-NIC-100002"),
        ("10002", "GB-NIC", "GB-NIC-10002"),
        ("01234567", "GB-COH", "GB-COH-01234567"),
        ("1234567", "GB-COH", "GB-COH-01234567"),
        ("SC123456", "GB-COH", "GB-COH-SC123456"),
        ("oc 301234", "GB-COH", "GB-COH-OC301234"),
        ("R0012345", "GB-COH", "GB-COH-R0012345"),
    ],
)
def test_identifiers_people_type_become_org_ids(typed, scheme, expected):
    assert normalise_org_id(typed, scheme) == expected


@pytest.mark.parametrize(
    ("typed", "scheme", "message"),
    [
        ("12345", "GB-CHC", "6 or 7 digits"),
        ("12345678", "GB-CHC", "6 or 7 digits"),
        ("SC12345", "GB-SC", "SC followed by 6 digits"),
        ("NI012345", "GB-SC", "SC followed by 6 digits"),
        ("NIC1234567", "GB-NIC", "5 or 6 digits"),
        ("123456789", "GB-COH", "8 characters"),
        ("XX123456", "GB-COH", "8 characters"),
        ("1234567", None, "Choose which register"),
        ("GB-CHC-1234567", "GB-COH", "but you chose Companies House"),
        ("", "GB-CHC", "Enter the charity or company number"),
        ("1234567", "GB-XYZ", "Choose the register"),
    ],
)
def test_identifiers_that_fail_their_scheme_say_what_is_expected(typed, scheme, message):
    with pytest.raises(InvalidIdentifier, match=message):
        normalise_org_id(typed, scheme)


canonical_ids = st.one_of(
    st.from_regex(r"\AGB-CHC-\d{6,7}\Z"),
    st.from_regex(r"\AGB-SC-SC\d{6}\Z"),
    st.from_regex(r"\AGB-NIC-\d{5,6}\Z"),
    st.builds(lambda n: f"GB-COH-{n}", st.from_regex(r"\A\d{8}\Z")),
    st.builds(
        lambda p, n: f"GB-COH-{p}{n}", st.sampled_from(sorted(COMPANY_PREFIXES)), st.from_regex(r"\A\d{6}\Z")
    ),
)


@given(canonical_ids)
def test_a_canonical_org_id_normalises_to_itself(org_id):
    assert normalise_org_id(org_id) == org_id
    scheme = org_id.rsplit("-", 1)[0] if not org_id.startswith("GB-SC-") else "GB-SC"
    assert normalise_org_id(org_id.lower(), scheme) == org_id


@given(st.text(max_size=20), st.sampled_from([None, *SCHEMES]))
def test_any_input_is_either_refused_or_canonical(typed, scheme):
    try:
        result = normalise_org_id(typed, scheme)
    except InvalidIdentifier as error:
        assert str(error)
    else:
        assert CANONICAL.match(result), result
        assert normalise_org_id(result) == result  # idempotent


@given(st.from_regex(r"\A\d{6,7}\Z"), st.sampled_from([" ", "", "  "]))
def test_charity_numbers_survive_spacing(number, gap):
    typed = f"{gap}{number[:3]}{gap}{number[3:]}{gap}"
    assert normalise_org_id(typed, "GB-CHC") == f"GB-CHC-{number}"


# --- numbers and text ---------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=520))
def test_whole_numbers_in_range_are_read_back(number):
    errors: dict = {}
    assert fields.whole_number(str(number), "n", errors, label="n", maximum=520) == number
    assert fields.whole_number(f" {number:,} ", "n", errors, label="n", maximum=520) == number
    assert errors == {}


@given(st.integers(min_value=1, max_value=10**9))
def test_negative_numbers_are_refused_as_negative(number):
    errors: dict = {}
    assert fields.whole_number(str(-number), "n", errors, label="the count") is None
    assert errors == {"n": "The count cannot be negative."}


@given(
    st.text(min_size=1).filter(lambda s: s.strip() and not s.strip().lstrip("+-").replace(",", "").isdigit())
)
def test_non_numbers_are_refused_with_the_field_named(text):
    errors: dict = {}
    assert fields.whole_number(text, "number_waiting", errors, label="the number waiting") is None
    assert "number_waiting" in errors


@given(st.integers(min_value=521, max_value=10**6))
def test_numbers_above_the_maximum_are_refused(number):
    errors: dict = {}
    assert fields.whole_number(str(number), "w", errors, label="the wait", maximum=520) is None
    assert errors["w"] == "The wait cannot be more than 520."


@given(st.text(max_size=300))
def test_text_is_trimmed_or_refused_over_the_limit(text):
    errors: dict = {}
    result = fields.text(text, "f", errors, label="it", max_length=200)
    if not fields.visible(text.strip()):
        assert result is None and errors == {}
    elif "\x00" in text:
        assert result is None and "NUL" in errors["f"]
    elif len(text.strip()) > 200:
        assert result is None and "200" in errors["f"]
    else:
        assert result == text.strip() and errors == {}


@pytest.mark.parametrize("address", ["not-an-email", "a@", "@example.org", "a b@example.org", "x@y"])
def test_emails_that_are_not_emails_are_refused(address):
    errors: dict = {}
    assert fields.email(address, "contact_email", errors) is None
    assert "is not an email address" in errors["contact_email"]


# --- service fields -----------------------------------------------------------------------------

names = st.text(alphabet=string.ascii_letters + " '&-", min_size=1, max_size=60).map(str.strip).filter(bool)
CATEGORIES = list(COMMON_CATEGORIES)


@st.composite
def service_lines(draw):
    min_age = draw(st.none() | st.integers(0, 25))
    max_age = None if min_age is None else draw(st.none() | st.integers(min_age, 99))
    maximum = draw(st.none() | st.integers(0, 100_000))
    available = None if maximum is None else draw(st.integers(0, maximum))
    return ServiceLine(draw(names), draw(st.sampled_from(CATEGORIES)), min_age, max_age, available, maximum)


def _fields(number: int, service: ServiceLine) -> dict[str, str]:
    if service.min_age is None:
        ages = ""
    elif service.max_age is None:
        ages = f"{service.min_age}+"
    else:
        ages = f"{service.min_age}-{service.max_age}"
    places = "" if service.places_maximum is None else f"{service.places_available}/{service.places_maximum}"
    values = {"name": service.name, "category": service.category, "ages": ages, "places": places}
    return {field_id(number, field): value for field, value in values.items()}


@given(st.lists(service_lines(), max_size=10, unique_by=lambda s: s.name.casefold()))
def test_service_fields_read_back_what_was_entered(services):
    form = {key: value for n, service in enumerate(services, 1) for key, value in _fields(n, service).items()}
    assert parse_entries(form, len(services), CATEGORIES) == services


@pytest.mark.parametrize(
    ("fields", "block", "message"),
    [
        ({"name": "Young carers group"}, "service_1_category", "Choose the service's category"),
        ({"category": "play"}, "service_1_name", "Give this service a name"),
        ({"name": "G", "category": "made up"}, "service_1_category", "from the list"),
        ({"name": "G", "category": "play", "ages": "18-8"}, "service_1_ages", "youngest age (18) is above"),
        ({"name": "G", "category": "play", "ages": "teens"}, "service_1_ages", "8-18, 16+ or all ages"),
        (
            {"name": "G", "category": "play", "places": "25/20"},
            "service_1_places",
            "more than the maximum of 20",
        ),
        ({"name": "G", "category": "play", "places": "lots"}, "service_1_places", "available/maximum"),
    ],
)
def test_bad_service_fields_are_named_by_field(fields, block, message):
    form = {field_id(1, field): value for field, value in fields.items()}
    with pytest.raises(ValidationError) as refused:
        parse_entries(form, 1, CATEGORIES)
    assert message in refused.value.errors[block]


def test_empty_groups_are_skipped_and_a_crafted_count_is_bounded():
    form = {field_id(2, "name"): "Club", field_id(2, "category"): "play", field_id(11, "name"): "Beyond"}
    assert [s.name for s in parse_entries(form, 1000, CATEGORIES)] == ["Club"]


# --- view state and metadata --------------------------------------------------------------------

simple_values = st.one_of(st.none(), st.text(max_size=50))


@st.composite
def view_states(draw):
    values, expected = {}, {}
    for index in range(draw(st.integers(0, 8))):
        block_id = f"b{index}"
        kind = draw(
            st.sampled_from(
                ["plain_text_input", "number_input", "static_select", "radio_buttons", "checkboxes"]
            )
        )
        if kind in ("plain_text_input", "number_input"):
            value = draw(simple_values)
            element = {"type": kind, "value": value}
        elif kind == "checkboxes":
            value = draw(st.lists(st.text(min_size=1, max_size=10), max_size=3))
            element = {
                "type": kind,
                "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in value],
            }
        else:
            value = draw(st.none() | st.text(min_size=1, max_size=20))
            option = (
                {"text": {"type": "plain_text", "text": "x"}, "value": value} if value is not None else None
            )
            element = {"type": kind, "selected_option": option}
        values[block_id] = {"field": element}
        expected[block_id] = value
    return {"state": {"values": values}}, expected


@given(view_states())
def test_form_values_read_every_kind_of_input(case):
    view, expected = case
    assert form_values(view) == expected


@given(st.dictionaries(st.sampled_from(["source", "link", "channel", "request"]), st.text(max_size=4000)))
def test_private_metadata_always_fits_and_reads_back(data):
    encoded = encode_metadata(data)
    assert len(encoded) <= 3000
    decoded = metadata({"private_metadata": encoded})
    for key, value in decoded.items():
        assert data[key] == value


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "", "null"])
def test_foreign_private_metadata_reads_as_empty(raw):
    assert metadata({"private_metadata": raw}) == {}


# --- messages, links, layout --------------------------------------------------------------------


def test_slack_markup_becomes_plain_text():
    text = (
        "Hi <@U123ABC> see <https://example.org/a?b=1|the report> and <https://x.org> "
        "in <#C0NET|linked-up> <!here> &amp; &lt;3"
    )
    assert (
        plain_text_of(text)
        == "Hi @U123ABC see the report (https://example.org/a?b=1) and https://x.org in #linked-up @here & <3"
    )


def test_the_bot_mention_is_removed_and_others_kept():
    assert (
        without_mention("<@UBOT0000001> rooms cost more for <@U0ALICE>", "UBOT0000001")
        == "rooms cost more for <@U0ALICE>"
    )


def test_message_links_are_built_like_slack_permalinks():
    assert message_link("wirral-linkedup", "C0NET", "1700000001.000200") == (
        "https://wirral-linkedup.slack.com/archives/C0NET/p1700000001000200"
    )
    assert (
        message_link("w", "C1", "1.000300", "1.000100")
        == "https://w.slack.com/archives/C1/p1000300?thread_ts=1.000100&cid=C1"
    )
    assert message_link(None, "C1", "1.2") is None
    assert message_link("evil.example.org/x", "C1", "1.2") is None


@given(st.text(max_size=5000))
def test_the_mention_button_value_always_fits(text):
    _, blocks = mention_offer(channel="C0NET", ts="1.2", thread_ts=None, text=text)
    value = blocks[1].elements[0].value
    assert len(value) <= 2000
    decoded = json.loads(value)
    assert text.startswith(decoded["t"])
    blocks[1].to_dict()


@given(st.lists(st.text(max_size=4000), max_size=40), st.integers(min_value=100, max_value=3000))
def test_packed_sections_keep_lines_in_order_within_the_limit(lines, limit):
    sections = pack_lines(lines, limit=limit)
    texts = [section.text.text for section in sections]
    assert all(0 < len(text) <= limit for text in texts)
    expected = [clip(line, limit) for line in lines if line.strip()]
    assert "\n".join(texts) == "\n".join(expected)


@settings(max_examples=50)
@given(st.text(max_size=200), st.lists(st.text(min_size=1, max_size=20), max_size=5))
def test_adding_a_theme_keyword_to_the_text_never_lowers_its_score(text, keywords):
    themes = [ThemeWords(1, tuple(keywords)), ThemeWords(2, ("funding",))]
    before = score_themes(text, themes, [])
    after = score_themes(f"{text} {' '.join(keywords)}", themes, [])
    assert after[1] >= before[1]
    assert all(score >= 0 for score in after.values())


def test_past_issues_teach_the_theme_of_similar_text():
    themes = [ThemeWords(1, ("safeguarding",)), ThemeWords(2, ())]
    past = [(2, "Room hire costs for youth clubs doubled this year")]
    scores = score_themes("The room hire costs of our youth club doubled", themes, past)
    assert scores[2] > scores[1]
