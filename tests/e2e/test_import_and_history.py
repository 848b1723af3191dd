"""Staff import a supplier's file and read an item's history, in a real browser, checked
through the API: a faulty row stops the whole file at the preview; fixed, it is imported
and served at once; a change made through the API shows on the item's history page."""

from __future__ import annotations

import json
import re
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from rest_framework.authtoken.models import Token

from items.models import Item
from tests.e2e.test_staff_journey import CHANGELIST, log_in
from tests.support.factories import ItemFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "name,price,category,tags\n"
BAD = HEADER + "Lampe de chevet,24.90,autre,chambre\nTapis,-5,autre,\nVase,18.00,autre,déco\n"
FIXED = BAD.replace("Tapis,-5", "Tapis,35.00")


def upload(page: Page, content: str) -> None:
    page.goto(f"{CHANGELIST}import/")
    page.set_input_files(
        "#id_import_file",
        {"name": "fournisseur.csv", "mimeType": "text/csv", "buffer": content.encode()},
    )
    page.select_option("#id_format", label="csv")
    page.get_by_role("button", name="Submit").or_(page.locator("input[value=Submit]")).click()


def test_import_a_file_with_a_bad_row_then_fixed(page: Page, shoot, api, staff_account):
    log_in(page, staff_account)

    # 1. A file with one bad row: the preview names it, offers no confirmation, saves nothing.
    upload(page, BAD)
    errors = page.locator("table.import-preview td.errors")
    expect(errors).to_have_count(1)
    row = page.locator("table.import-preview tbody tr", has=page.locator("td.errors"))
    expect(row.locator("td").first).to_have_text("2")  # the file's second row
    expect(errors).to_contain_text("Ensure this value is greater than or equal to 0.")
    expect(page.locator("input[name=confirm]")).to_have_count(0)
    shoot("bad-row-in-preview")
    assert Item.objects.count() == 0
    assert api.get("/api/items/")[1]["count"] == 0  # and the API has cached that

    # 2. Fixed: the preview lists three new rows, and confirming imports them.
    upload(page, FIXED)
    expect(page.locator("table.import-preview tbody tr")).to_have_count(3)
    expect(page.locator("input[name=confirm]")).to_be_visible()
    shoot("clean-preview")
    assert Item.objects.count() == 0  # still only a preview
    page.locator("input[name=confirm]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("3 new")
    shoot("imported")

    # 3. The API serves them at once.
    status, listed = api.get("/api/items/?ordering=name")
    assert status == 200
    assert {(i["name"], i["price"]) for i in listed["results"]} == {
        ("Lampe de chevet", "24.90"),
        ("Tapis", "35.00"),
        ("Vase", "18.00"),
    }


def _patch(base_url: str, path: str, body: dict, account) -> int:
    token, _ = Token.objects.get_or_create(user=account)
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token.key}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_an_items_history_after_an_api_patch(page: Page, shoot, api, staff_account):
    owner = UserFactory(username="fournisseur")
    item = ItemFactory(name="Théière en fonte", price=Decimal("39.00"), created_by=owner)
    assert _patch(api.base_url, f"/api/items/{item.pk}/", {"price": "44.50"}, owner) == 200

    log_in(page, staff_account)
    page.goto(f"{CHANGELIST}{item.pk}/change/")
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(rf"/admin/items/item/{item.pk}/history/$"))
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(2)
    latest = rows.first
    expect(latest).to_contain_text("fournisseur")  # who
    expect(latest).to_contain_text(re.compile("price", re.IGNORECASE))  # which field
    expect(latest).to_contain_text("39.00")  # old value
    expect(latest).to_contain_text("44.50")  # new value
    shoot("history")

    # The API's own history says the same.
    status, history = api.get(f"/api/items/{item.pk}/history/", as_user=owner)
    assert status == 200
    assert history["results"][0]["changes"] == [{"field": "price", "old": "39.00", "new": "44.50"}]
    assert history["results"][0]["user"] == owner.pk
