"""The admin's import (preview first, the API's rules, all or nothing, through the repository),
its export of the filtered change list, and each item's history with its revert."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from items.models import Item
from items.repository import get_item_repository
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)  # commits: the cache hears of them
IMPORT, EXPORT = "/admin/items/item/import/", "/admin/items/item/export/"
PROCESS = "/admin/items/item/process_import/"
FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}  # ItemAdmin.formats, in order


def csv_file(rows: list[list[str]]) -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows([["name", "price", "category", "tags"], *rows])
    return SimpleUploadedFile("supplier.csv", out.getvalue().encode(), "text/csv")


def preview(client, upload, file_format="csv"):
    return client.post(IMPORT, {"import_file": upload, "format": FORMATS[file_format]})


def confirm(client, page):
    form = page.context["confirm_form"]
    return client.post(PROCESS, {name: form.initial[name] for name in form.fields})


def test_a_bad_row_shows_in_the_preview_and_nothing_can_be_confirmed(admin_client):
    page = preview(
        admin_client, csv_file([["Lampe", "12.50", "autre", "a"], ["Livre", "-2", "livre", ""]])
    )
    assert page.status_code == 200
    assert page.context.get("confirm_form") is None
    [invalid] = page.context["result"].invalid_rows
    assert invalid.number == 2
    assert invalid.error_dict == {"price": ["Ensure this value is greater than or equal to 0."]}
    assert "Ensure this value is greater than or equal to 0." in page.content.decode()
    assert Item.objects.count() == 0


def test_a_clean_file_is_previewed_then_imported_through_the_repository(
    admin_client, anon_client, staff
):
    assert anon_client.get("/api/items/").json()["count"] == 0  # now cached
    page = preview(admin_client, csv_file([["  Lampe ", "12.5", "autre", "b, a, b"]]))
    assert page.context["confirm_form"] is not None
    assert Item.objects.count() == 0  # the preview wrote nothing
    done = confirm(admin_client, page)
    assert done.status_code == 302
    [shown] = anon_client.get("/api/items/").json()["results"]
    assert (shown["name"], shown["price"], shown["tags"]) == ("Lampe", "12.50", ["b", "a"])
    [entry] = get_item_repository().history(shown["id"], limit=5)
    assert entry.kind == "created" and entry.user_id == staff.pk


def test_a_row_with_an_id_replaces_that_item_and_an_unknown_id_is_refused(admin_client):
    item = ItemFactory(name="Ancien", price=Decimal("1.00"))
    upload = io.StringIO()
    csv.writer(upload).writerows(
        [["id", "name", "price", "category"], [item.pk, "Neuf", "2", "autre"]]
    )
    page = preview(admin_client, SimpleUploadedFile("a.csv", upload.getvalue().encode()))
    confirm(admin_client, page)
    assert Item.objects.get(pk=item.pk).name == "Neuf"
    Item.objects.all().delete()
    page = preview(admin_client, SimpleUploadedFile("a.csv", upload.getvalue().encode()))
    assert page.context["result"].invalid_rows[0].error_dict == {"id": ["No item has this id."]}


def test_json_rows_follow_the_json_rules(admin_client):
    rows = [{"name": "Un", "price": 3, "category": "autre", "is_active": "yes"}]
    upload = SimpleUploadedFile("a.json", json.dumps(rows).encode(), "application/json")
    page = preview(admin_client, upload, "json")
    [invalid] = page.context["result"].invalid_rows
    assert invalid.error_dict == {"is_active": ["Must be a valid boolean."]}


def test_export_writes_the_filtered_change_list_and_the_import_reads_it_back(admin_client):
    ItemFactory(name="Roman", category="livre", price=Decimal("9.9"), tags=["poche", "bd"])
    ItemFactory(name="Casque", category="electronique")
    fields = {
        f"itemresource_{name}": "on"
        for name in ("id", "name", "price", "category", "tags", "is_active")
    }
    exported = {}
    for file_format in ("csv", "xlsx", "json"):
        response = admin_client.post(
            f"{EXPORT}?category__exact=livre",
            {"format": FORMATS[file_format], "resource": "0", **fields},
        )
        assert response.status_code == 200, response.content[:500]
        exported[file_format] = response.content
    rows = list(csv.DictReader(io.StringIO(exported["csv"].decode("utf-8-sig"))))
    assert [(r["name"], r["price"], r["tags"]) for r in rows] == [("Roman", "9.90", "poche, bd")]
    sheet = load_workbook(io.BytesIO(exported["xlsx"])).active
    assert [cell.value for cell in sheet[2]][1:3] == ["Roman", "9.90"]
    assert [r["name"] for r in json.loads(exported["json"])] == ["Roman"]
    for file_format, content in exported.items():  # read back: unchanged rows, no error
        upload = SimpleUploadedFile(f"back.{file_format}", content)
        page = preview(admin_client, upload, file_format)
        assert page.context.get("confirm_form") is not None, file_format


def test_the_history_page_shows_the_differences_and_a_revert_reaches_the_cache(
    admin_client, anon_client, staff
):
    item = ItemFactory(name="Lampe", price=Decimal("10.00"))
    admin_client.post(
        f"/admin/items/item/{item.pk}/change/",
        {
            "name": "Lampe",
            "description": "",
            "price": "15.00",
            "category": "autre",
            "tags": "",
            "is_active": "on",
        },
    )
    page = admin_client.get(f"/admin/items/item/{item.pk}/history/").content.decode()
    assert "10.00" in page and "15.00" in page and staff.username in page
    first = Item.history.filter(id=item.pk).order_by("history_id").first()
    assert anon_client.get(f"/api/items/{item.pk}/").json()["price"] == "15.00"  # now cached
    revert_url = f"/admin/items/item/{item.pk}/history/{first.history_id}/"
    assert admin_client.get(revert_url).status_code == 200
    form = {
        "name": "Lampe",
        "description": "",
        "price": "10.00",
        "category": "autre",
        "tags": "",
        "is_active": "on",
    }
    assert admin_client.post(revert_url, form).status_code == 302
    assert anon_client.get(f"/api/items/{item.pk}/").json()["price"] == "10.00"
    latest = get_item_repository().history(item.pk, limit=1)[0]
    assert latest.user_id == staff.pk
    assert [(c.field, c.old, c.new) for c in latest.changes] == [("price", "15.00", "10.00")]


def test_staff_without_add_and_change_rights_cannot_import(client, staff):
    staff.user_permissions.set(Permission.objects.filter(codename="view_item"))
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 403
    assert client.get(EXPORT).status_code == 200
