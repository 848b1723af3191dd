"""Imports change only what the file gives (issue 29, item 3): a column left out keeps the
existing items' values (new rows take the model's defaults), and an id named on more than one
row is refused on each, naming the others, in ``import_items`` and the admin's preview alike."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from items.records import STAFF, ItemFilter
from items.repository import get_item_repository
from tests.support.factories import item_backend, make_item

pytestmark = pytest.mark.django_db(transaction=True)
IMPORT, PROCESS = "/admin/items/item/import/", "/admin/items/item/process_import/"


@pytest.fixture(params=["postgres", "mongodb"])
def repository(request, settings, monkeypatch):
    with item_backend(request.param, settings=settings, monkeypatch=monkeypatch) as repository:
        yield repository


@pytest.fixture
def hidden():
    """An existing hidden item with a description and tags: what a careless import loses."""
    return make_item(
        name="Lampe",
        description="Laiton, abat-jour lin.",
        price=Decimal("40.00"),
        tags=("bureau", "laiton"),
        is_active=False,
    )


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def run(path: Path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_items", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored(item_id):
    return get_item_repository().find_by_id(item_id, filter=ItemFilter(viewer=STAFF))


def everything():
    return get_item_repository().find_all(limit=100, filter=ItemFilter(viewer=STAFF))


def test_columns_left_out_keep_the_items_values(tmp_path, repository, hidden):
    path = tmp_path / "prices.csv"
    path.write_text(
        csv_text(
            ["id", "name", "price", "category"],
            [[str(hidden.id), "Lampe de bureau", "45.00", "autre"], ["", "Neuve", "3", "livre"]],
        )
    )
    out, _ = run(path)
    assert "(1 new, 1 updated)" in out
    after = stored(hidden.id)
    assert (after.name, after.price) == ("Lampe de bureau", Decimal("45.00"))
    assert after.description == "Laiton, abat-jour lin."
    assert after.tags == ("bureau", "laiton")
    assert after.is_active is False  # still hidden
    [new] = [record for record in everything() if record.name == "Neuve"]
    assert (new.description, new.tags, new.is_active) == ("", (), True)  # the model's defaults


def test_a_row_with_an_id_needs_only_the_columns_it_changes(tmp_path, repository, hidden):
    path = tmp_path / "one.csv"
    path.write_text(csv_text(["id", "price"], [[str(hidden.id), "41.00"]]))
    run(path)
    after = stored(hidden.id)
    assert (after.name, after.price, after.is_active) == ("Lampe", Decimal("41.00"), False)
    path.write_text(csv_text(["price"], [["41.00"]]))  # a new item still needs its fields
    with pytest.raises(CommandError, match="1 of 1 rows are faulty"):
        run(path)


def test_a_blank_cell_in_a_given_column_means_what_it_means_in_a_put(tmp_path, repository, hidden):
    path = tmp_path / "blank.csv"
    path.write_text(csv_text(["id", "description", "name"], [[str(hidden.id), "", ""]]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_items", str(path), stdout=out, stderr=err)
    assert "row 1: name: This field is required." in err.getvalue().splitlines()
    path.write_text(csv_text(["id", "description"], [[str(hidden.id), ""]]))
    run(path)
    after = stored(hidden.id)
    assert (after.description, after.tags, after.is_active) == ("", ("bureau", "laiton"), False)


def test_a_json_object_changes_only_its_keys(tmp_path, repository, hidden):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"id": str(hidden.id), "price": 44}]))
    run(path)
    after = stored(hidden.id)
    assert (after.price, after.description, after.is_active) == (
        Decimal("44.00"),
        hidden.description,
        False,
    )


def test_an_id_on_two_rows_is_refused_on_both(tmp_path, repository, hidden):
    path = tmp_path / "twice.csv"
    rows = [[str(hidden.id), "1.00"], ["", "2.00"], [str(hidden.id).upper(), "3.00"]]
    path.write_text(csv_text(["id", "price"], rows))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="3 of 3 rows are faulty"):
        call_command("import_items", str(path), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "row 1: id: This id is also on row 3.",
        "row 2: name: This field is required.",
        "row 2: category: This field is required.",
        "row 3: id: This id is also on row 1.",
    ]
    assert stored(hidden.id).price == Decimal("40.00")


def test_skip_invalid_writes_neither_row_of_a_repeated_id(tmp_path, repository, hidden):
    other = make_item(name="Autre", price=Decimal("5.00"))
    path = tmp_path / "twice.csv"
    rows = [[str(hidden.id), "1.00"], [str(other.id), "6.00"], [str(hidden.id), "3.00"]]
    path.write_text(csv_text(["id", "price"], rows))
    with pytest.raises(CommandError, match="2 of 3 rows are faulty"):
        run(path, "--skip-invalid")
    assert stored(hidden.id).price == Decimal("40.00")
    assert stored(other.id).price == Decimal("6.00")


def admin_import(client, text: str):
    upload = SimpleUploadedFile("a.csv", text.encode(), "text/csv")
    page = client.post(IMPORT, {"import_file": upload, "format": "0"})
    assert page.status_code == 200
    return page


def test_the_admin_import_keeps_the_columns_left_out(admin_client, hidden):
    text = csv_text(["id", "name", "price", "category"], [[str(hidden.id), "Lampe", "45", "autre"]])
    page = admin_import(admin_client, text)
    form = page.context["confirm_form"]
    admin_client.post(PROCESS, {name: form.initial[name] for name in form.fields})
    after = stored(hidden.id)
    assert after.price == Decimal("45.00")
    assert (after.description, after.tags, after.is_active) == (
        "Laiton, abat-jour lin.",
        ("bureau", "laiton"),
        False,
    )


def test_the_admin_preview_refuses_an_id_on_two_rows_naming_them(admin_client, hidden):
    rows = [[str(hidden.id), "1.00"], [str(hidden.id), "2.00"], [str(hidden.id), "3.00"]]
    page = admin_import(admin_client, csv_text(["id", "price"], rows))
    assert page.context.get("confirm_form") is None
    invalid = {row.number: row.error_dict for row in page.context["result"].invalid_rows}
    assert invalid == {
        1: {"id": ["This id is also on rows 2, 3."]},
        2: {"id": ["This id is also on rows 1, 3."]},
        3: {"id": ["This id is also on rows 1, 2."]},
    }
    assert "This id is also on rows 1, 3." in page.content.decode()
    assert stored(hidden.id).price == Decimal("40.00")
