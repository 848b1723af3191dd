"""The item rules hold in the database itself, and through full_clean."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from items.models import Item

pytestmark = pytest.mark.django_db

VALID = {"name": "Lampe", "price": Decimal("10.00"), "category": "autre", "tags": []}

BAD_ROWS = [
    pytest.param({"price": Decimal("-0.01")}, "price", id="negative-price"),
    pytest.param({"category": "jouet"}, "category", id="unknown-category"),
    pytest.param({"name": "x" * 101}, "name", id="name-101-chars"),
    pytest.param({"name": ""}, "name", id="blank-name"),
    pytest.param({"description": "d" * 501}, "description", id="description-501-chars"),
    pytest.param({"tags": [f"t{i}" for i in range(21)]}, "tags", id="21-tags"),
]


def _raw_insert(**overrides):
    """Insert bypassing Model.save(): what loaddata or a bulk path would do."""
    Item.objects.bulk_create([Item(**{**VALID, **overrides})])


@pytest.mark.parametrize(("overrides", "field"), BAD_ROWS)
def test_database_refuses_bad_rows(overrides, field):
    from django.db import DataError

    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        _raw_insert(**overrides)
    assert not Item.objects.exists()


@pytest.mark.parametrize(("overrides", "field"), BAD_ROWS)
def test_full_clean_names_the_field(overrides, field):
    item = Item(**{**VALID, **overrides})
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    errors = caught.value.message_dict
    assert field in errors or "__all__" in errors


def test_the_database_normalises_what_is_written_raw():
    _raw_insert(name="  Cafe\u0301\u00a0", description="\tdesc ", tags=[" a", "a", "", "b "])
    stored = Item.objects.get()
    assert (stored.name, stored.description, stored.tags) == ("Café", "desc", ["a", "b"])


def test_loaddata_stores_what_the_api_would(tmp_path, user_client):
    import json

    from django.core.management import call_command

    fixture = tmp_path / "messy.json"
    fields = {
        "name": "  Cafe\u0301  ",
        "description": " Noir ",
        "price": "2.50",
        "category": "autre",
        "tags": [" bio", "bio", "  ", "grains "],
        "is_active": True,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "items.item",
                    "pk": "01890a5d-ac96-774b-bcce-b302099a8099",
                    "fields": fields,
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    loaded = Item.objects.get(pk="01890a5d-ac96-774b-bcce-b302099a8099")
    body = {k: fields[k] for k in ("name", "description", "price", "category", "tags")}
    posted = user_client.post("/api/items/", body, format="json").json()
    assert (
        (loaded.name, loaded.description, loaded.tags)
        == (
            posted["name"],
            posted["description"],
            posted["tags"],
        )
        == ("Café", "Noir", ["bio", "grains"])
    )


@pytest.mark.parametrize("price", ["5_0", "1e2", "\uff11\uff12", ".5", True])
def test_loaddata_reads_prices_by_the_api_rule(tmp_path, price):
    import json

    from django.core.management import call_command
    from django.core.serializers.base import DeserializationError

    fixture = tmp_path / "loose.json"
    fields = {"name": "Lampe", "price": price, "category": "autre", "tags": []}
    fixture.write_text(json.dumps([{"model": "items.item", "fields": fields}]))
    with pytest.raises(DeserializationError, match="price"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Item.objects.exists()


def test_raw_sql_cannot_bypass_the_price_rule():
    item = Item.objects.create(**VALID)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET price = -5 WHERE id = %s", [item.id])
    item.refresh_from_db()
    assert item.price == Decimal("10.00")


def test_full_clean_normalises_duplicate_tags_instead_of_refusing():
    item = Item(**{**VALID, "tags": ["a", " a", "b"]})
    item.full_clean()
    assert item.tags == ["a", "b"]


def test_save_trims_and_deduplicates():
    item = Item.objects.create(
        **{**VALID, "name": "  Cafe\u0301  ", "tags": [" bio ", "bio", "", "coton"]}
    )
    item.refresh_from_db()
    assert item.name == "Café"  # NFC: e + combining acute becomes é
    assert item.tags == ["bio", "coton"]


def test_ids_are_time_ordered_uuid7():
    first = Item.objects.create(**VALID)
    second = Item.objects.create(**VALID)
    assert first.id.version == 7
    assert first.id < second.id


def test_default_values_and_timestamps():
    item = Item.objects.create(name="Stylo", price=Decimal("1.50"), category="autre")
    assert item.is_active is True
    assert item.tags == []
    assert item.created_by is None
    created = item.created_at
    item.price = Decimal("2.00")
    item.save()
    assert item.created_at == created
    assert item.updated_at >= created


def test_new_item_has_equal_stamps_and_edits_move_updated_at_only():
    item = Item.objects.create(**VALID)
    assert item.created_at == item.updated_at
    item.price = Decimal("11.00")
    item.save(update_fields=["price"])
    item.refresh_from_db()
    assert item.updated_at > item.created_at
