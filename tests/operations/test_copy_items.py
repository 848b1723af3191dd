"""``manage.py copy_items`` moves a catalog between backends without loss, and can resume."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from items.records import STAFF, ItemData, ItemFilter
from items.repository.mongo import MongoItemRepository
from items.repository.mongo.documents import to_millisecond
from items.repository.postgres import PostgresItemRepository
from tests.support.factories import item_backend

pytestmark = pytest.mark.django_db


@pytest.fixture
def mongodb(settings, monkeypatch):
    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch) as repository:
        yield repository


@pytest.fixture
def postgres():
    return PostgresItemRepository()


def fill(repository, owner) -> list:
    """Seven items: every field varied, one inactive, some owned."""
    return [
        repository.create(
            ItemData(
                name=f"Article {n}",
                description="é" * n,
                price=Decimal(n * 10) + Decimal("0.99"),
                category=["autre", "livre", "vetement", "electronique"][n % 4],
                tags=tuple(f"t{i}" for i in range(n % 3)),
                is_active=n != 3,
            ),
            created_by_id=owner.pk if n % 2 else None,
        )
        for n in range(7)
    ]


def everything(repository) -> list:
    return sorted(
        repository.find_all(limit=100, filter=ItemFilter(viewer=STAFF)),
        key=lambda record: record.id,
    )


def as_mongodb_keeps_it(record):
    return replace(
        record,
        created_at=to_millisecond(record.created_at),
        updated_at=to_millisecond(record.updated_at),
    )


def copy(source: str, target: str, *extra: str) -> str:
    out = StringIO()
    call_command("copy_items", "--from", source, "--to", target, *extra, stdout=out)
    return out.getvalue()


def test_postgres_to_mongodb_copies_every_field(postgres, mongodb, user):
    source = sorted(fill(postgres, user), key=lambda record: record.id)
    output = copy("postgres", "mongodb", "--batch", "3")
    assert everything(mongodb) == [as_mongodb_keeps_it(record) for record in source]
    assert "postgres: 7 items" in output and "mongodb: 7 items" in output
    assert "counts and checksums match" in output


def test_mongodb_to_postgres_copies_every_field(postgres, mongodb, user):
    source = sorted(fill(mongodb, user), key=lambda record: record.id)
    output = copy("mongodb", "postgres", "--batch", "2")
    assert everything(postgres) == source
    assert "counts and checksums match" in output


@pytest.mark.parametrize(
    ("source", "target", "store"),
    [("postgres", "mongodb", MongoItemRepository), ("mongodb", "postgres", PostgresItemRepository)],
)
def test_an_interrupted_copy_resumes_after_the_last_copied_id(
    request, monkeypatch, user, source, target, store
):
    repositories = {"postgres": request.getfixturevalue("postgres")}
    repositories["mongodb"] = request.getfixturevalue("mongodb")
    records = sorted(fill(repositories[source], user), key=lambda record: record.id)
    real_upsert, calls = store.upsert_records, []

    def upsert_failing_on_the_third_batch(self, rows):
        calls.append([row.id for row in rows])
        if len(calls) == 3:
            raise ConnectionError("lost the target")
        return real_upsert(self, rows)

    monkeypatch.setattr(store, "upsert_records", upsert_failing_on_the_third_batch)
    with pytest.raises(ConnectionError):
        copy(source, target, "--batch", "2")
    assert len(everything(repositories[target])) == 4
    output = copy(source, target, "--batch", "2", "--resume")
    assert f"resuming after id {records[3].id}" in output
    resumed = [item_id for batch in calls[3:] for item_id in batch]
    assert resumed == [record.id for record in records[4:]]  # nothing copied twice
    assert len(everything(repositories[target])) == 7
    assert "counts and checksums match" in output


def test_a_target_that_differs_from_its_source_fails_the_command(postgres, mongodb, user):
    fill(postgres, user)
    mongodb.create(ItemData(name="Intrus", price=Decimal("1.00"), category="autre"))
    with pytest.raises(CommandError, match="does not match"):
        copy("postgres", "mongodb")


def test_copying_a_backend_onto_itself_is_refused(mongodb):
    with pytest.raises(CommandError, match="different backends"):
        copy("mongodb", "mongodb")


@pytest.mark.parametrize("price", ["1e2", "5_0", "\uff11\uff12", ".5"])
def test_an_export_line_is_read_by_the_api_price_rule(mongodb, user, tmp_path, price):
    import json

    from items.operations.transfer import TransferError, export_lines, import_lines

    fill(mongodb, user)
    export = tmp_path / "catalog.jsonl"
    export_lines(mongodb, export)
    lines = export.read_bytes().splitlines(keepends=True)
    edited = json.loads(lines[0]) | {"price": price}
    export.write_bytes(json.dumps(edited).encode() + b"\n")
    with pytest.raises(TransferError, match=r"line 1: .*price"):
        import_lines(PostgresItemRepository(), export)
    assert PostgresItemRepository().count() == 0
