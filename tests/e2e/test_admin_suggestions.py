"""The admin's search box suggests names and words as a staff member types, in a real browser.

The suggestions come from the API's ``/api/items/suggest/`` with the staff's session; picking one
(with the mouse, or the arrow keys and Enter) searches for it.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_staff_journey import CHANGELIST, listed_names, log_in
from tests.support.factories import ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf():
    for name, active in [
        ("Lampe de bureau", True),
        ("Lampadaire <b>laiton</b>", True),
        ("Lampion caché", False),  # staff see inactive items, and so their names
        ("Électronique de poche", True),
        ("Chemise en lin", True),
    ]:
        ItemFactory(name=name, description="", price=Decimal("10"), is_active=active)


def suggestions(page: Page):
    return page.locator("#searchbar-suggestions li")


def test_staff_type_a_prefix_and_pick_a_suggestion(page: Page, shoot, staff_account, shelf):
    log_in(page, staff_account)
    page.goto(CHANGELIST)
    page.locator("#searchbar").press_sequentially("lam", delay=60)
    expect(page.locator("#searchbar-suggestions")).to_be_visible()
    items = suggestions(page).filter(has_text="item")
    expect(items).to_have_count(3)
    expect(items.first.locator("mark")).to_have_text("Lam")
    # The name's own markup is text, never HTML.
    expect(page.locator("#searchbar-suggestions b")).to_have_count(0)
    expect(suggestions(page).filter(has_text="<b>laiton</b>")).to_have_count(1)
    shoot("suggestions")

    suggestions(page).filter(has_text="Lampion caché").click()
    expect(page).to_have_url(re.compile(r"\?q=Lampion\+cach%C3%A9$"))
    expect(page.locator("#searchbar")).to_have_value("Lampion caché")
    assert listed_names(page) == {"Lampion caché"}
    shoot("picked")


def test_the_keyboard_picks_a_suggestion_accents_aside(page: Page, shoot, staff_account, shelf):
    log_in(page, staff_account)
    page.goto(CHANGELIST)
    page.locator("#searchbar").press_sequentially("ELEC", delay=60)
    option = suggestions(page).filter(has_text="Électronique de poche")
    expect(option.locator("mark")).to_have_text("Élec")
    # Words first ("électronique", from the name), then names: the second is the item.
    expect(suggestions(page)).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    shoot("chosen-with-keys")
    page.keyboard.press("Enter")
    expect(page.locator("#searchbar")).to_have_value("Électronique de poche")
    assert listed_names(page) == {"Électronique de poche"}

    page.locator("#searchbar").fill("")
    page.locator("#searchbar").press_sequentially("zz", delay=60)
    page.wait_for_timeout(400)
    expect(page.locator("#searchbar-suggestions")).to_be_hidden()
