"""The staff's admin: list, filter, search, edit, bulk actions; nobody else gets in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.models import Item
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/items/item/"


def test_non_staff_cannot_get_in(client, user):
    client.force_login(user)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_changelist_shows_the_columns(admin_client):
    ItemFactory(name="Lampe", price=Decimal("12.50"))
    page = admin_client.get(CHANGELIST).content.decode()
    for heading in ("Name", "Category", "Price", "Is active", "Updated at"):
        assert heading in page
    assert "Lampe" in page and "12.50" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category__exact=livre", {"Roman"}),
        ("is_active__exact=0", {"Casque"}),
        ("price_range=0-50", {"Roman"}),
        ("price_range=1000%2B", {"Ordinateur"}),
        ("q=fantasy", {"Roman"}),  # a tag
        ("q=sans+fil", {"Casque"}),  # the description
    ],
)
def test_filters_and_search(admin_client, query, expected):
    ItemFactory(name="Roman", category="livre", price=Decimal("20"), tags=["fantasy"])
    ItemFactory(name="Casque", price=Decimal("200"), is_active=False, description="Sans fil")
    ItemFactory(name="Ordinateur", price=Decimal("1500"))
    page = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
    shown = {name for name in ("Roman", "Casque", "Ordinateur") if f">{name}<" in page}
    assert shown == expected


def test_bulk_deactivate_and_activate(admin_client):
    items = ItemFactory.create_batch(3)
    ids = [str(items[0].pk), str(items[1].pk)]
    response = admin_client.post(
        CHANGELIST, {"action": "deactivate", "_selected_action": ids}, follow=True
    )
    assert "2 item(s) deactivated" in response.content.decode()
    assert set(Item.objects.filter(is_active=False).values_list("pk", flat=True)) == {
        items[0].pk,
        items[1].pk,
    }
    admin_client.post(CHANGELIST, {"action": "activate", "_selected_action": ids})
    assert not Item.objects.filter(is_active=False).exists()


def test_create_with_tags_and_edit_price(admin_client):
    form = {
        "name": "  Lampe  ",
        "description": "",
        "price": "12.50",
        "category": "autre",
        "tags": "bureau, led, bureau",
        "is_active": "on",
    }
    response = admin_client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get()
    assert item.name == "Lampe"
    assert item.tags == ["bureau", "led"]
    response = admin_client.post(f"{CHANGELIST}{item.pk}/change/", {**form, "price": "15.00"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.price == Decimal("15.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"category": "jouet"}, "category"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_bad_input_shows_the_field_error_and_saves_nothing(admin_client, change, field):
    form = {"name": "Lampe", "price": "12.50", "category": "autre", "tags": "", **change}
    response = admin_client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Item.objects.exists()


@pytest.mark.parametrize("price", ["5_0", "1e2", "\uff11\uff12", "\u0661\u0662", ".5", " 5"])
def test_the_admin_reads_prices_by_the_api_rule(admin_client, price):
    form = {"name": "Lampe", "price": price, "category": "autre", "tags": ""}
    response = admin_client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 200
    assert "price" in response.context["adminform"].form.errors
    assert not Item.objects.exists()


def test_timestamps_are_read_only(admin_client):
    item = ItemFactory()
    page = admin_client.get(f"{CHANGELIST}{item.pk}/change/").content.decode()
    assert 'name="created_at"' not in page and 'name="updated_at"' not in page
