"""The staff's journey through the admin, in a real browser, checked through the API.

Every change made in the admin must show in the API at once, including a detail the API served
(and so may have cached) just before the change.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from items.models import Item
from tests.support.factories import ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHANGELIST = "/admin/items/item/"
PASSWORD = "pw-for-tests-only"  # UserFactory's


def log_in(page: Page, account) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    page.fill("#id_username", account.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Site administration")


def listed_names(page: Page) -> set[str]:
    return set(page.locator("#result_list tbody th.field-name a").all_inner_texts())


def make_catalog() -> dict[str, Item]:
    specs = [
        ("Roman policier", "livre", "9.90"),
        ("Atlas du monde", "livre", "35.00"),
        ("Casque audio", "electronique", "79.00"),
        ("Chemise en lin", "vetement", "45.00"),
    ]
    return {
        name: ItemFactory(name=name, category=category, price=Decimal(price), description="")
        for name, category, price in specs
    }


def test_staff_journey_shows_in_the_api_at_once(page: Page, shoot, api, staff_account):
    catalog = make_catalog()

    # 1. Log in.
    log_in(page, staff_account)
    shoot("logged-in")

    # 2. Create an item with tags, typed as staff type them: spaces, a repeat.
    page.get_by_role("rowheader", name="Items").get_by_role("link").click()
    page.locator(".object-tools a.addlink").click()
    page.fill("#id_name", "  Lampe de bureau  ")
    page.fill("#id_price", "12.50")
    page.select_option("#id_category", "autre")
    page.fill("#id_tags", " bureau , led,bureau ")
    shoot("add-form-filled")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    shoot("item-added")
    lamp = Item.objects.get(name="Lampe de bureau")
    status, shown = api.get(f"/api/items/{lamp.pk}/")
    assert status == 200
    assert (shown["name"], shown["price"], shown["tags"]) == (
        "Lampe de bureau",
        "12.50",
        ["bureau", "led"],
    )
    page.locator("#result_list").get_by_role("link", name="Lampe de bureau").click()
    tags = page.locator(".field-tags input[name=tags]")  # one box per tag, then a new one
    expect(tags).to_have_count(3)
    assert [tags.nth(n).input_value() for n in range(3)] == ["bureau", "led", ""]  # trimmed

    # 3. Edit its price; the API served the detail and the list just before.
    assert api.get(f"/api/items/{lamp.pk}/")[1]["price"] == "12.50"
    assert [i["price"] for i in api.get("/api/items/?category=autre")[1]["results"]] == ["12.50"]
    page.fill("#id_price", "15.00")
    shoot("price-edited")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    assert api.get(f"/api/items/{lamp.pk}/")[1]["price"] == "15.00"
    assert [i["price"] for i in api.get("/api/items/?category=autre")[1]["results"]] == ["15.00"]

    # 4. Filter by category: each choice shows how many items it leaves.
    page.locator("#changelist-filter").get_by_role("link", name="Livre (2)", exact=True).click()
    expect(page).to_have_url(f"{api.base_url}{CHANGELIST}?category__exact=livre")
    shoot("filtered-by-category")
    books = {i["name"] for i in api.get("/api/items/?category=livre")[1]["results"]}
    assert listed_names(page) == books == {"Roman policier", "Atlas du monde"}

    # 5. Search: a tag is enough to find an item.
    page.goto(CHANGELIST)
    page.fill("#searchbar", "led")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_be_visible()
    shoot("searched")
    assert listed_names(page) == {"Lampe de bureau"}

    # 6. Bulk-deactivate two items the API has just served.
    targets = [catalog["Roman policier"], catalog["Casque audio"]]
    for item in targets:
        assert api.get(f"/api/items/{item.pk}/")[0] == 200
    assert api.get("/api/items/")[1]["count"] == 5
    page.goto(CHANGELIST)
    for item in targets:
        row = page.locator("#result_list tbody tr", has=page.get_by_role("link", name=item.name))
        row.locator("input.action-select").check()
    page.select_option("select[name=action]", "deactivate")
    shoot("two-selected")
    page.click("button[name=index]")
    expect(page.locator(".messagelist .success")).to_have_text("2 item(s) deactivated.")
    shoot("deactivated")

    # 7. The API shows it at once: hidden from the public, inactive for staff.
    for item in targets:
        assert api.get(f"/api/items/{item.pk}/")[0] == 404
        status, shown = api.get(f"/api/items/{item.pk}/", as_user=staff_account)
        assert (status, shown["is_active"]) == (200, False)
    public = api.get("/api/items/")[1]
    assert public["count"] == 3
    assert {i["name"] for i in public["results"]} == {
        "Atlas du monde",
        "Chemise en lin",
        "Lampe de bureau",
    }


def test_bad_input_shows_the_field_error_and_saves_nothing(page: Page, shoot, api, staff_account):
    log_in(page, staff_account)
    page.goto(f"{CHANGELIST}add/")
    page.fill("#id_name", "Lampe")
    page.fill("#id_price", "-1")
    page.select_option("#id_category", "autre")
    page.fill("#id_tags", "bureau, " + "x" * 51)
    page.click("input[name=_save]")

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-price .errorlist")).to_contain_text("greater than or equal to 0")
    expect(page.locator(".field-tags .errorlist")).to_contain_text("at most 50 characters")
    expect(page.locator("#id_name")).to_have_value("Lampe")  # the staff's input is kept
    shoot("field-errors")
    assert not Item.objects.exists()
    assert api.get("/api/items/")[1]["count"] == 0

    # Corrected, the same form saves: the refusal above was the input, not the form.
    page.fill("#id_price", "1.00")
    tags = page.locator(".field-tags input[name=tags]")  # kept, one box each, as typed
    assert [tags.nth(n).input_value() for n in range(3)] == ["bureau", " " + "x" * 51, ""]
    tags.nth(1).fill("")  # the 51-character tag goes
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    assert api.get("/api/items/")[1]["count"] == 1
