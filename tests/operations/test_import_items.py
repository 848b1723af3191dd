"""``manage.py import_items``: the API's rules per row, all or nothing, streamed in batches,
through the repository (so the cache and the history hear of it), on both backends."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from items.api.rows import RowChecker
from items.operations.importing import import_file
from items.records import STAFF, ItemFilter
from tests.support.factories import item_backend, make_item

pytestmark = pytest.mark.django_db(transaction=True)  # commits: the cache hears of them
HEADER = ["id", "name", "description", "price", "category", "tags", "is_active"]


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(name="Lampe", price="12.50", category="autre", **extra) -> dict:
    return {"name": name, "price": price, "category": category, **extra}


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_items", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture(params=["postgres", "mongodb"])
def repository(request, settings, monkeypatch):
    with item_backend(request.param, settings=settings, monkeypatch=monkeypatch) as repository:
        yield repository


def names(repository) -> set[str]:
    return {
        record.name for record in repository.find_all(limit=1000, filter=ItemFilter(viewer=STAFF))
    }


def test_one_bad_row_stores_nothing_and_names_the_row_and_field(tmp_path, repository):
    path = write_csv(tmp_path / "a.csv", [row("Un"), row("Deux", price="-3"), row("Trois")])
    with pytest.raises(CommandError, match="1 of 3 rows are faulty"):
        run(path)
    assert names(repository) == set()
    path = write_csv(tmp_path / "a.csv", [row("Un"), row("Deux", price="3"), row("Trois")])
    out, _ = run(path)
    assert "Imported 3 rows (3 new, 0 updated)" in out
    assert names(repository) == {"Un", "Deux", "Trois"}


def test_every_faulty_row_is_reported_with_the_api_messages(tmp_path, repository, user_client):
    bad = {"name": "   ", "price": "1e3", "category": "jouet", "is_active": "maybe"}
    path = write_csv(tmp_path / "bad.csv", [row(), bad, row(tags="x" * 51)])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_items", str(path), stdout=out, stderr=err)
    # The browsable API's form (text fields, as a spreadsheet's cells) says the same.
    api = user_client.post("/api/items/", bad | {"name": ""}, format="multipart").json()
    api_messages = {e["attr"]: e["detail"] for e in api["errors"]}
    reported = err.getvalue().splitlines()
    assert f"row 2: price: {api_messages['price']}" in reported
    assert f"row 2: category: {api_messages['category']}" in reported
    assert f"row 2: is_active: {api_messages['is_active']}" in reported
    assert "row 2: name: This field is required." in reported  # a blank cell is not sent
    assert any(line.startswith("row 3: tags: ") for line in reported)
    assert not any(line.startswith("row 1") for line in reported)


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path, repository):
    path = write_csv(tmp_path / "a.csv", [row("Un"), row("Deux")])
    out, _ = run(path, "--dry-run")
    assert "Dry run: 2 rows checked, nothing written." in out
    assert names(repository) == set()


def test_rows_with_an_id_replace_that_item_and_unknown_ids_are_faulty(tmp_path, repository):
    item = make_item(name="Ancien", price=Decimal("1.00"))
    path = write_csv(tmp_path / "a.csv", [row("Nouveau", id=str(item.id)), row("Autre")])
    out, _ = run(path)
    assert "(1 new, 1 updated)" in out
    assert repository.find_by_id(item.id).name == "Nouveau"
    repository.delete(item.id)
    with pytest.raises(CommandError):
        run(path)
    assert names(repository) == {"Autre"}  # nothing more


def test_skip_invalid_writes_the_rows_that_pass(tmp_path, repository):
    path = write_csv(tmp_path / "a.csv", [row("Un"), row("Deux", category="?")])
    with pytest.raises(CommandError, match="1 of 2"):
        run(path, "--skip-invalid")
    assert names(repository) == {"Un"}


def test_xlsx_and_json_files(tmp_path, repository):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([None, "Classeur", None, 12.5, "livre", "a, b", True])
    book.save(tmp_path / "a.xlsx")
    items = [row("Json", price=9.9, tags=["x", "y"], is_active=False)]
    (tmp_path / "a.json").write_text(json.dumps(items))
    run(tmp_path / "a.xlsx")
    run(tmp_path / "a.json")
    found = {r.name: r for r in repository.find_all(limit=10, filter=ItemFilter(viewer=STAFF))}
    assert found["Classeur"].price == Decimal("12.50") and found["Classeur"].tags == ("a", "b")
    assert found["Json"].tags == ("x", "y") and found["Json"].is_active is False


def test_json_rows_are_held_to_the_json_api_rules(tmp_path, repository):
    (tmp_path / "a.json").write_text(json.dumps([row(is_active="yes"), row(name=5), [1]]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_items", str(tmp_path / "a.json"), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "row 1: is_active: Must be a valid boolean.",
        "row 2: name: Not a valid string.",
        "row 3: row: Expected a JSON object.",
    ]


def test_an_unreadable_file_is_refused_in_one_line(tmp_path, repository):
    (tmp_path / "a.json").write_text('[{"name": "x"')
    with pytest.raises(CommandError, match="Nothing imported: Not valid JSON"):
        run(tmp_path / "a.json")
    with pytest.raises(CommandError, match="--format"):
        run(tmp_path / "a.txt")
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.csv")


def test_an_import_reaches_the_cache_and_the_history(tmp_path, anon_client, user):
    assert anon_client.get("/api/items/").json()["count"] == 0  # cached now
    run(write_csv(tmp_path / "a.csv", [row("Un")]), "--user", user.username)
    listed = anon_client.get("/api/items/").json()
    assert [item["name"] for item in listed["results"]] == ["Un"]
    from items.repository import get_item_repository

    [entry] = get_item_repository().history(listed["results"][0]["id"], limit=5)
    assert entry.user_id == user.pk and entry.kind == "created"


class CountingRepository:
    """The real repository, noting the size of every bulk insert."""

    def __init__(self, real) -> None:
        self.real, self.inserts = real, []

    def create_many(self, items, **kwargs):
        items = list(items)
        self.inserts.append(len(items))
        return self.real.create_many(items, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _import_measured(tmp_path, count, monkeypatch) -> tuple[int, list[int]]:
    from items.operations import importing

    path = write_csv(tmp_path / f"{count}.csv", [row(f"Article {n}") for n in range(count)])
    from items.repository import get_item_repository

    counting = CountingRepository(get_item_repository())
    monkeypatch.setattr(importing, "get_item_repository", lambda: counting)
    tracemalloc.start()
    try:
        report = import_file(path, check=RowChecker(), batch=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.created == count
    return peak, counting.inserts


def test_a_long_file_is_streamed_in_batches(tmp_path, monkeypatch, db):
    small_peak, small_inserts = _import_measured(tmp_path, 400, monkeypatch)
    large_peak, large_inserts = _import_measured(tmp_path, 3_200, monkeypatch)
    assert large_inserts == [200] * 16 and small_inserts == [200, 200]
    # Eight times the rows, and the peak grows by far less than the rows would take: a batch of
    # 200 parsed rows is most of the small peak (about 2 KB a row), so holding the file's 2,800
    # extra rows would add megabytes. What may grow is a few hundred bytes a row: the ids of
    # the items a load inserted, which the search vocabulary counts once at the load's end.
    extra_rows = 3_200 - 400
    assert (large_peak - small_peak) / extra_rows < 512, (small_peak, large_peak)
