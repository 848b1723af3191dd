"""The OpenAPI schema documents facets (with the fixed price ranges) and suggestions."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

from items import domain
from items.records import FACET_NAMES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def _page_schema(schema: dict, path: str) -> dict:
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    name = ok["schema"]["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


@pytest.mark.parametrize("path", ["/api/items/", "/api/items/search/"])
def test_lists_and_searches_take_facets_and_document_them(schema, path):
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert all(name in parameters["facets"]["description"] for name in FACET_NAMES)
    facets = _page_schema(schema, path)["properties"]["facets"]
    assert set(facets["properties"]) == set(FACET_NAMES)
    price = facets["properties"]["price"]
    for band in domain.PRICE_BANDS:
        assert f"{band.key} ({band.label}" in price["description"]
    assert set(price["items"]["required"]) == {"value", "count", "min", "max"}


def test_suggest_is_documented(schema):
    operation = schema["paths"]["/api/items/suggest/"]["get"]
    (q,) = [p for p in operation["parameters"] if p["name"] == "q"]
    assert q["required"] is True and q["schema"]["minLength"] == 1
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    suggestions = schema["components"]["schemas"][ok.rsplit("/", 1)[-1]]
    assert set(suggestions["properties"]) == {"q", "suggestions"}
    assert "400" in operation["responses"]
