"""`/openreferral`: every response validated against the Open Referral UK profile's own schemas.

The profile's `openapi.json` names the compiled schemas by their public URLs; a `referencing`
registry maps those URLs to the copies in `tests/fixtures/openreferral/`, so validation runs offline
against exactly what the profile publishes.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from models import OrganisationStatus
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures" / "openreferral"
COMPILED_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/compiled/"
OPENAPI_URI = "urn:openreferral-uk:openapi"


def _registry() -> Registry:
    resources = [
        (COMPILED_URL + path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT202012))
        for path in (FIXTURES / "schema" / "compiled").glob("*.json")
    ]
    openapi = json.loads((FIXTURES / "schema" / "openapi.json").read_text())
    resources.append((OPENAPI_URI, Resource.from_contents(openapi, DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def response_validator(path: str) -> Draft202012Validator:
    """A validator for the 200 JSON response of `path` as the profile's openapi.json defines it."""
    pointer = _pointer("paths", path, "get", "responses", "200", "content", "application/json", "schema")
    return Draft202012Validator(
        {"$ref": f"{OPENAPI_URI}#/{pointer}"}, registry=REGISTRY, format_checker=FormatChecker()
    )


LIST = response_validator("/services")
ONE = response_validator("/services/{id}")
META = response_validator("/")


def check(validator: Draft202012Validator, body: dict) -> None:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_validators_accept_the_profiles_examples_and_reject_a_broken_one():
    example = json.loads((FIXTURES / "examples" / "service_list.json").read_text())
    check(LIST, example)
    check(ONE, json.loads((FIXTURES / "examples" / "service_full.json").read_text()))
    broken = json.loads(json.dumps(example))
    broken["contents"][0]["id"] = "not-a-uuid"
    del broken["contents"][0]["status"]
    broken["total_items"] = "ten"
    messages = [e.message for e in LIST.iter_errors(broken)]
    assert any("'status' is a required property" in m for m in messages)
    assert any("is not a 'uuid'" in m for m in messages)
    assert any("is not of type 'integer'" in m for m in messages)


@pytest.fixture
def directory(db):
    """Two approved organisations with three services, and one pending organisation (never listed)."""
    carers = factories.organisation(
        db, "Seacombe Young Carers", members=("U0CARER1",), org_identifier="GB-CHC-1234567"
    )
    factories.service(db, carers, "Young carers group", category="young carers", min_age=8, max_age=18)
    factories.service(db, carers, "Sibling support", category="family support", min_age=5, max_age=11)
    youth = factories.organisation(db, "Birkenhead Youth Club", members=("U0YOUTH1",))
    factories.service(db, youth, "Friday youth club", category="youth work", min_age=11, max_age=19)
    pending = factories.organisation(
        db, "Not Yet Approved CIC", members=("U0PENDING",), status=OrganisationStatus.PENDING
    )
    factories.service(db, pending, "Secret pilot", category="youth work", min_age=11, max_age=19)
    db.commit()
    return {"carers": carers, "youth": youth, "pending": pending}


def test_meta(app):
    body = app.test_client().get("/openreferral/").get_json()
    check(META, body)
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("openapi.json")


def test_services_list_is_valid_paginated_and_public_only(app, directory):
    client = app.test_client()
    response = client.get("/openreferral/services")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    check(LIST, body)
    assert body["total_items"] == 3
    assert [s["name"] for s in body["contents"]] == [
        "Friday youth club",
        "Sibling support",
        "Young carers group",
    ]
    assert "Secret pilot" not in response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "hello@example.org" not in text  # bulletin contact addresses are not directory data
    assert "U0CARER1" not in text

    first = client.get("/openreferral/services?per_page=2&page=1").get_json()
    second = client.get("/openreferral/services?per_page=2&page=2").get_json()
    beyond = client.get("/openreferral/services?per_page=2&page=3").get_json()
    for page in (first, second, beyond):
        check(LIST, page)
    assert (first["total_pages"], first["size"], first["first_page"], first["last_page"]) == (
        2,
        2,
        True,
        False,
    )
    assert (second["size"], second["first_page"], second["last_page"], second["empty"]) == (
        1,
        False,
        True,
        False,
    )
    assert beyond["empty"] is True and beyond["contents"] == []
    ids = {s["id"] for s in first["contents"]} | {s["id"] for s in second["contents"]}
    assert ids == {s["id"] for s in body["contents"]}


def test_search_and_age_filters(app, directory):
    client = app.test_client()

    def names(query: str) -> list[str]:
        body = client.get(f"/openreferral/services?{query}").get_json()
        check(LIST, body)
        return [s["name"] for s in body["contents"]]

    assert names("search=sibling") == ["Sibling support"]
    assert names("search=carers") == ["Sibling support", "Young carers group"]  # organisation's name
    assert names("search=BIRKENHEAD") == ["Friday youth club"]  # by organisation, any case
    assert names("search=100%25") == []  # a literal % is not a wildcard
    assert names("minimum_age=8") == ["Friday youth club", "Young carers group"]
    assert names("maximum_age=11") == ["Sibling support"]
    assert names("minimum_age=8&maximum_age=18") == ["Young carers group"]


def test_one_service_fully_nested_with_its_organisation(app, directory):
    client = app.test_client()
    listed = client.get("/openreferral/services?search=young%20carers%20group").get_json()["contents"][0]
    response = client.get(f"/openreferral/services/{listed['id']}")
    assert response.status_code == 200
    body = response.get_json()
    check(ONE, body)
    assert body["id"] == listed["id"] == str(directory["carers"].services[1].uuid)
    assert body["organization"]["id"] == str(directory["carers"].uuid)
    assert body["organization"]["organization_identifiers"][0]["identifier_scheme"] == "GB-CHC"
    assert body["organization"]["organization_identifiers"][0]["identifier"] == "1234567"
    assert body["attributes"][0]["taxonomy_term"]["name"] == "young carers"
    assert (body["minimum_age"], body["maximum_age"]) == (8, 18)
    # Ids are stable: asking again gives the same nested ids.
    assert client.get(f"/openreferral/services/{listed['id']}").get_json() == body


def test_unknown_malformed_and_unlisted_service_ids_are_404(app, directory):
    client = app.test_client()
    assert client.get(f"/openreferral/services/{uuid.uuid4()}").status_code == 404
    assert client.get("/openreferral/services/42").status_code == 404
    hidden = directory["pending"].services[0].uuid
    response = client.get(f"/openreferral/services/{hidden}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not found"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=two", "page"),
        ("per_page=-5", "per_page"),
        ("per_page=100000", "per_page"),
        ("minimum_age=old", "minimum_age"),
        ("maximum_age=nan", "maximum_age"),
        ("maximum_age=1e400", "maximum_age"),
        ("search=" + "x" * 300, "search"),
    ],
)
def test_nonsense_parameters_are_400_with_the_reason(app, query, parameter):
    response = app.test_client().get(f"/openreferral/services?{query}")
    assert response.status_code == 400
    assert parameter in response.get_json()["detail"]


def test_profile_filters_narrow_the_list_and_a_filter_matching_nothing_returns_nothing(app, directory):
    client = app.test_client()

    def names(query: str) -> list[str]:
        response = client.get(f"/openreferral/services?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        check(LIST, body)
        return [s["name"] for s in body["contents"]]

    carers = directory["carers"]
    group = next(s for s in carers.services if s.name == "Young carers group")
    one = client.get(f"/openreferral/services/{group.uuid}").get_json()
    term = one["attributes"][0]["taxonomy_term"]
    assert names(f"taxonomy_term_id={term['id']}") == ["Young carers group"]
    assert names(f"taxonomy_term_id={uuid.uuid4()}") == []
    assert names(f"taxonomy_id={term['taxonomy_id']}") == [
        "Friday youth club",
        "Sibling support",
        "Young carers group",
    ]
    assert names(f"taxonomy_id={uuid.uuid4()}") == []
    assert names(f"organization_id={carers.uuid}") == ["Sibling support", "Young carers group"]
    assert names(f"organization_id={uuid.uuid4()}") == []
    assert names(f"organization_id={directory['pending'].uuid}") == []  # never listed, whatever the filter
    assert names("modified_after=2000-01-01") == [
        "Friday youth club",
        "Sibling support",
        "Young carers group",
    ]
    assert names("modified_after=2999-01-01T00:00:00Z") == []
    assert names("text=youth%20club") == ["Friday youth club"]  # full-text: every word, anywhere
    assert names("search=carers%20sibling") == ["Sibling support"]
    assert names("text=nothing-like-this") == []
    assert names(f"organization_id={carers.uuid}&search=young") == ["Sibling support", "Young carers group"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("taxonomy_term_id=young-carers", "taxonomy_term_id"),
        ("taxonomy_id=1", "taxonomy_id"),
        ("organization_id=42", "organization_id"),
        ("modified_after=yesterday", "modified_after"),
        ("text=" + "x" * 300, "text"),
    ],
)
def test_malformed_filters_are_400_with_the_reason(app, query, parameter):
    response = app.test_client().get(f"/openreferral/services?{query}")
    assert response.status_code == 400
    assert parameter in response.get_json()["detail"]


def test_every_error_is_json(app, directory):
    client = app.test_client()
    for path, method, status in [
        ("/openreferral/no-such-thing", "get", 404),
        ("/openreferral/services/x/y", "get", 404),
        ("/openreferral/services", "post", 405),
        ("/openreferral/services?page=0", "get", 400),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == status, path
        assert response.is_json, path
        assert response.get_json()["error"], path
    assert not client.get("/dashboard/no-such-page").is_json  # other pages keep their own error pages


def test_empty_arrays_are_left_out(app, directory):
    client = app.test_client()
    youth = directory["youth"].services[0].uuid  # an organisation without a register number
    body = client.get(f"/openreferral/services/{youth}").get_json()
    check(ONE, body)

    def arrays(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from arrays(item)
        elif isinstance(value, list):
            yield value
            for item in value:
                yield from arrays(item)

    assert all(array for array in arrays(body)), body
    assert "schedules" not in body and "organization_identifiers" not in body["organization"]
