"""The admin as staff see it (issue 29, items 12 and 13), in a real browser: a long name wraps
in the item list instead of pushing the other columns out of sight, and the item form gives
the description a textarea and shows the tags one by one, with how to add one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from items.models import Item
from tests.e2e.test_staff_journey import CHANGELIST, log_in
from tests.support.factories import ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LONG_NAME = "Lampe" + "x" * 95  # 100 characters, no space


def test_a_long_name_wraps_and_every_column_stays_in_sight(page: Page, shoot, staff_account):
    ItemFactory(name=LONG_NAME, category="autre", price=Decimal("12.50"))
    ItemFactory(name="Roman policier", category="livre")
    log_in(page, staff_account)
    page.goto(CHANGELIST)
    shoot("long-name-listed")
    results = page.locator("#changelist-form .results")
    overflow = results.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow <= 0, f"the list scrolls sideways by {overflow}px"
    right_edge = results.bounding_box()["x"] + results.bounding_box()["width"]
    for column in ("category", "price", "is_active", "updated_at"):
        header = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert header["x"] + header["width"] <= right_edge + 1, column
    cell = page.locator("#result_list tbody th.field-name", has_text="Lampe").bounding_box()
    line = page.locator("#result_list tbody th.field-name", has_text="Roman").bounding_box()
    assert cell["height"] > 1.5 * line["height"]  # wrapped onto several lines


def test_the_form_has_a_textarea_and_tags_one_by_one(page: Page, shoot, api, staff_account):
    lamp = ItemFactory(name="Lampe", tags=["bureau", "led"], description="Laiton.")
    log_in(page, staff_account)
    page.goto(f"{CHANGELIST}{lamp.pk}/change/")
    description = page.locator("#id_description")
    assert description.evaluate("element => element.tagName") == "TEXTAREA"
    expect(description).to_have_value("Laiton.")
    boxes = page.locator(".field-tags input[name=tags]")
    expect(boxes).to_have_count(3)  # one per tag, then an empty one for a new tag
    assert [boxes.nth(n).input_value() for n in range(3)] == ["bureau", "led", ""]
    expect(page.locator(".field-tags .help")).to_contain_text("To add a tag, type it")
    shoot("form")

    description.fill("Laiton brossé.\nAbat-jour en lin, 40 cm.")
    boxes.nth(2).fill("salon")
    page.get_by_role("button", name="Add another tag").click()
    expect(boxes).to_have_count(4)
    expect(boxes.nth(3)).to_be_focused()
    page.keyboard.type("design")
    boxes.nth(0).fill("")  # emptied: the tag goes
    shoot("tags-edited")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    lamp.refresh_from_db()
    assert lamp.tags == ["led", "salon", "design"]
    assert lamp.description == "Laiton brossé.\nAbat-jour en lin, 40 cm."
    assert api.get(f"/api/items/{lamp.pk}/")[1]["tags"] == ["led", "salon", "design"]


def test_a_new_item_takes_its_tags_from_the_empty_box(page: Page, staff_account):
    log_in(page, staff_account)
    page.goto(f"{CHANGELIST}add/")
    expect(page.locator(".field-tags input[name=tags]")).to_have_count(1)
    page.fill("#id_name", "Chaise")
    page.fill("#id_price", "30")
    page.select_option("#id_category", "autre")
    page.fill("#id_tags", "bois, salon")  # commas still separate tags, as in every form
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    assert Item.objects.get(name="Chaise").tags == ["bois", "salon"]
