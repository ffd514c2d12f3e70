"""The intake views sent while Slack waits are filled templates: exactly what building them gives.

`handlers.blockkit.filled` builds each shape once with `slack_sdk.models` (validated) and then only
fills texts in. These tests compare every filled view with the view built directly, over the shapes
the forms take (pending organisations, message links, no/one/many themes or services, a suggested
theme beyond the first hundred) and over arbitrary texts, and check Slack's limits on the result.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.blockkit import clip, filled, slot
from handlers.forms import _receipt, receipt_view
from handlers.issue_form import issue_modal, issue_modal_dict
from handlers.returns import return_modal, return_modal_dict
from models.network import Organisation, OrganisationStatus, Service, Theme
from tests.intake_support import assert_view_within_limits

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(["\x00", "0", "*", "<"]),
    max_size=120,
)


def _themes(count: int, *, long: bool = False) -> list[Theme]:
    suffix = " with a deliberately long name " + "x" * 60 if long else ""
    return [Theme(id=n, slug=f"t{n}", name=f"Theme {n}{suffix}", position=n) for n in range(1, count + 1)]


def _organisation(
    status: OrganisationStatus = OrganisationStatus.APPROVED, name: str = "Wirral Youth"
) -> Organisation:
    return Organisation(slug="org", name=name, status=status)


def _same(fast: dict, built: View) -> None:
    assert fast == built.to_dict()
    assert_view_within_limits(copy.deepcopy(fast))


@pytest.mark.parametrize(
    ("status", "theme_count", "suggested", "description", "link"),
    [
        (OrganisationStatus.APPROVED, 12, 4, "Room hire costs doubled. Two clubs may close", None),
        (OrganisationStatus.PENDING, 12, None, "", None),
        (OrganisationStatus.APPROVED, 0, None, "x" * 4000, "https://wirral.slack.com/archives/C1/p1"),
        (
            OrganisationStatus.PENDING,
            120,
            111,
            "  two lines\nof text  ",
            "https://wirral.slack.com/archives/C1/p1",
        ),
        (OrganisationStatus.APPROVED, 120, 6, "d", None),
        (OrganisationStatus.APPROVED, 1, 1, "One theme only", None),
    ],
)
def test_the_issue_form_from_its_template_is_the_form_built_directly(
    status, theme_count, suggested, description, link
):
    themes = _themes(theme_count, long=theme_count > 100)
    arguments = dict(
        organisation=_organisation(status, name="Pending & <Partners>"),
        themes=themes,
        suggested=themes[suggested - 1] if suggested else None,
        description=description,
        source="command",
        link=link,
        channel="C0CHANNEL",
    )
    for _ in range(2):  # the first call makes the template, the second fills it
        _same(issue_modal_dict(**arguments), issue_modal(**arguments))


@settings(max_examples=60, deadline=None)
@given(
    description=texts,
    organisation_name=texts,
    theme_names=st.lists(texts, max_size=5),
    pick=st.integers(0, 5),
)
def test_any_text_fills_the_issue_form_as_building_it_would(
    description, organisation_name, theme_names, pick
):
    themes = [Theme(id=n, slug=f"t{n}", name=name, position=n) for n, name in enumerate(theme_names, 1)]
    arguments = dict(
        organisation=_organisation(OrganisationStatus.PENDING, name=organisation_name),
        themes=themes,
        suggested=themes[pick] if pick < len(themes) else None,
        description=description,
        source="message",
    )
    assert issue_modal_dict(**arguments) == issue_modal(**arguments).to_dict()


@pytest.mark.parametrize("service_count", [0, 1, 3, 100, 101])
@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 11, 23)])
def test_the_return_form_from_its_template_is_the_form_built_directly(service_count, today):
    services = [Service(id=n, name=f"Service {n} " + "z" * (n % 90)) for n in range(1, service_count + 1)]
    for _ in range(2):
        fast = return_modal_dict(services, today)
        assert fast == return_modal(services, today).to_dict()
        if services:
            assert_view_within_limits(copy.deepcopy(fast))


@settings(max_examples=60, deadline=None)
@given(title=texts, headline=texts, details=st.lists(texts, max_size=12))
def test_a_receipt_from_its_template_is_the_receipt_built_directly(title, headline, details):
    fast = receipt_view(title, headline, details)
    notes = [clip(line, 2000) for line in details if line][:10]
    assert fast == _receipt([clip(title, 24), clip(headline, 3000), *notes]).to_dict()


def test_a_long_receipt_stays_within_limits():
    view = receipt_view("A title longer than Slack allows", "*LU-2026-0001* " + "h" * 4000, ["d" * 3000] * 12)
    assert_view_within_limits(copy.deepcopy(view))
    assert len(view["blocks"][1]["elements"]) == 10


def test_a_template_is_built_once_per_shape_and_never_shares_its_dicts():
    builds = []

    def build(texts):
        builds.append(list(texts))
        return View(type="modal", title="T", blocks=[SectionBlock(text=MarkdownTextObject(text=texts[0]))])

    first = filled(("test-shape",), build, ["one"])
    second = filled(("test-shape",), build, ["two"])
    assert builds == [[slot(0)]], "built once, with a placeholder"
    assert first["blocks"][0]["text"]["text"] == "one" and second["blocks"][0]["text"]["text"] == "two"
    first["blocks"][0]["text"]["text"] = "changed"
    assert filled(("test-shape",), build, ["three"])["blocks"][0]["text"]["text"] == "three"


def test_an_empty_text_is_built_directly_since_the_sdk_leaves_it_out():
    def build(texts):
        return View(
            type="modal",
            title="T",
            blocks=[ContextBlock(elements=[MarkdownTextObject(text="x")])],
            private_metadata=texts[0],
        )

    assert "private_metadata" not in filled(("empty-text",), build, [""])
    assert filled(("empty-text",), build, ["m"])["private_metadata"] == "m"
