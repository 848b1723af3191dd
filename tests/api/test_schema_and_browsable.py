"""The OpenAPI schema validates and documents filters and errors; the browsable API works."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

from items.domain import PRICE_PATTERN

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    params = {p["name"] for p in schema["paths"]["/api/items/"]["get"]["parameters"]}
    assert {
        "category",
        "is_active",
        "min_price",
        "max_price",
        "tags",
        "tags_match",
        "created_after",
        "created_before",
        "ordering",
        "page",
        "page_size",
        "cursor",
    } <= params
    search_ok = schema["paths"]["/api/items/search/"]["get"]["responses"]["200"]
    page = search_ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][page]["properties"]
    assert {"count", "query", "corrected_query", "results"} <= set(fields)
    assert fields["corrected_query"]["nullable"] is True
    search = {p["name"] for p in schema["paths"]["/api/items/search/"]["get"]["parameters"]}
    assert {"q", "highlight", "category", "min_price", "tags", "page", "page_size"} <= search
    detail_put = schema["paths"]["/api/items/{id}/"]["put"]["responses"]
    assert {"200", "400", "401", "403", "404", "415", "429", "500"} <= set(detail_put)
    assert {"200", "400", "404", "429"} <= set(schema["paths"]["/api/items/"]["get"]["responses"])
    # Read-your-writes with replicas: sent on reads, returned by writes.
    assert "X-Catalog-Position" in params
    patched = schema["paths"]["/api/items/{id}/"]["patch"]["responses"]["200"]
    assert "X-Catalog-Position" in patched["headers"]
    price = schema["components"]["schemas"]["ItemInputRequest"]["properties"]["price"]
    assert price["pattern"] == PRICE_PATTERN == "^[0-9]{1,8}(\\.[0-9]{1,2})?$"


def test_schema_and_docs_are_served(anon_client):
    assert anon_client.get("/api/schema/").status_code == 200
    docs = anon_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_browsable_api_lists_and_offers_a_form_when_logged_in(client, user):
    page = client.get("/api/items/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b'name="name"' not in page.content  # anonymous: no form
    client.force_login(user)
    page = client.get("/api/items/", HTTP_ACCEPT="text/html")
    assert b'name="name"' in page.content and b'name="tags"' in page.content


def test_browsable_api_form_post_creates_an_item(client, user):
    client.force_login(user)
    response = client.post(
        "/api/items/",
        {"name": "Lampe", "price": "12.50", "category": "autre", "tags": "bureau, led"},
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 201
    from items.models import Item

    assert Item.objects.get().tags == ["bureau", "led"]
