"""``tags`` must be a JSON list (issue 29, item 4): text sent as JSON is a 400 naming ``tags``,
in a create, a change and a JSON import, never stored as a one-tag list. Forms, query strings
and spreadsheet cells, which only send text, still give tags comma-separated."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from items.models import Item
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
LAMP = {"name": "Lampe", "price": "12.50", "category": "autre"}
NOT_A_LIST = 'Expected a list of items but got type "str".'


def refused_for_tags(response) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["attr"], e["detail"]) for e in body["errors"]] == [("tags", NOT_A_LIST)]


@pytest.mark.parametrize("tags", ["notalist", "a,b", ""])
def test_a_create_with_tags_as_text_is_refused(user_client, tags):
    refused_for_tags(user_client.post("/api/items/", {**LAMP, "tags": tags}, format="json"))
    assert not Item.objects.exists()


def test_a_change_with_tags_as_text_is_refused_and_changes_nothing(user_client, user):
    item = ItemFactory(created_by=user, tags=["bureau"], price=Decimal("10.00"))
    url = f"/api/items/{item.pk}/"
    refused_for_tags(user_client.patch(url, {"tags": "notalist"}, format="json"))
    refused_for_tags(user_client.put(url, {**LAMP, "tags": "notalist"}, format="json"))
    item.refresh_from_db()
    assert item.tags == ["bureau"]


def test_a_json_list_and_a_form_string_still_give_tags(user_client):
    listed = user_client.post("/api/items/", {**LAMP, "tags": ["a", " b "]}, format="json")
    assert listed.json()["tags"] == ["a", "b"]
    form = user_client.post("/api/items/", {**LAMP, "tags": "c, d"}, format="multipart")
    assert form.json()["tags"] == ["c", "d"]
    assert user_client.get("/api/items/", {"tags": "c,d"}).json()["count"] == 1


def test_a_json_import_with_tags_as_text_is_refused(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{**LAMP, "tags": ["ok"]}, {**LAMP, "tags": "notalist"}]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 rows are faulty"):
        call_command("import_items", str(path), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [f"row 2: tags: {NOT_A_LIST}"]
    assert not Item.objects.exists()
