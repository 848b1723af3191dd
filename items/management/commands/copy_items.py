"""``manage.py copy_items --from postgres --to mongodb``: move the catalog between backends.

Items are read in id order, in batches, and upserted by id, ids and timestamps kept. A copy can
be run again safely, or, with ``--resume``, continue after the greatest id the target holds.
At the end both sides are counted and checksummed (sha256 over every record in a canonical form,
in id order) and the command fails unless they match. MongoDB keeps milliseconds, so the
canonical form of a timestamp does too.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from items.models import Item
from items.mongo_documents import RECORD_FIELDS, to_millisecond
from items.records import ItemRecord
from items.repository.mongo import MongoItemRepository
from items.signals import announce_item_change

BACKENDS = ("postgres", "mongodb")


class CatalogStore(Protocol):
    """One side of a copy: whole records in id order, upserted by id."""

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]: ...

    def last_id(self) -> uuid.UUID | None: ...

    def upsert_records(self, records: Iterable[ItemRecord]) -> int: ...


class PostgresCatalog:
    """The PostgreSQL side of a copy, through the ORM."""

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        rows = Item.objects.order_by("id")
        if item_id is not None:
            rows = rows.filter(id__gt=item_id)
        return [
            ItemRecord(**{**row, "tags": tuple(row["tags"])})
            for row in rows.values(*RECORD_FIELDS)[:limit]
        ]

    def last_id(self) -> uuid.UUID | None:
        return Item.objects.order_by("-id").values_list("id", flat=True).first()

    def upsert_records(self, records: Iterable[ItemRecord]) -> int:
        items = [Item(**{**asdict(record), "tags": list(record.tags)}) for record in records]
        with transaction.atomic():
            Item.objects.bulk_create(
                items,
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=[name for name in RECORD_FIELDS if name != "id"],
            )
            # bulk_create sends no model signal, so the cache hears of it here.
            announce_item_change(item_ids=[item.pk for item in items], source="copy_items")
        return len(items)


def catalog_store(backend: str) -> CatalogStore:
    """The store for one backend, whatever ``DB_TYPE`` says."""
    return MongoItemRepository.from_settings() if backend == "mongodb" else PostgresCatalog()


def batches(store: CatalogStore, *, after: uuid.UUID | None, size: int) -> Iterator[list]:
    """Every record past ``after``, ``size`` at a time, in id order."""
    while rows := store.records_after(after, limit=size):
        yield rows
        after = rows[-1].id


def canonical(record: ItemRecord) -> bytes:
    """One record as bytes that are equal exactly when two backends hold the same item."""
    values: dict[str, Any] = asdict(record)
    values.update(
        id=str(record.id),
        price=f"{record.price:.2f}",
        tags=list(record.tags),
        created_at=to_millisecond(record.created_at).isoformat(timespec="milliseconds"),
        updated_at=to_millisecond(record.updated_at).isoformat(timespec="milliseconds"),
    )
    return json.dumps(values, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def fingerprint(store: CatalogStore, *, size: int) -> tuple[int, str]:
    """How many records ``store`` holds, and the sha256 of them all in id order."""
    digest, count = hashlib.sha256(), 0
    for rows in batches(store, after=None, size=size):
        for record in rows:
            digest.update(canonical(record))
        count += len(rows)
    return count, digest.hexdigest()


class Command(BaseCommand):
    """Copy every item from one backend to the other, then prove the copy complete."""

    help = "Copy the item catalog between postgres and mongodb, in batches, resumably."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", choices=BACKENDS, required=True)
        parser.add_argument("--to", dest="target", choices=BACKENDS, required=True)
        parser.add_argument("--batch", type=int, default=500, help="Items per batch (500).")
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Continue after the greatest id the target already holds.",
        )

    def handle(self, *args: Any, source: str, target: str, batch: int, **options: Any) -> None:
        if source == target:
            raise CommandError("--from and --to must name different backends.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        origin, destination = catalog_store(source), catalog_store(target)
        after = destination.last_id() if options["resume"] else None
        if after is not None:
            self.stdout.write(f"resuming after id {after}")
        copied = 0
        for rows in batches(origin, after=after, size=batch):
            copied += destination.upsert_records(rows)
            self.stdout.write(f"copied {copied} (last id {rows[-1].id})")
        self.stdout.write(f"copied {copied} items from {source} to {target}")
        self._verify({source: origin, target: destination}, size=batch)

    def _verify(self, stores: dict[str, CatalogStore], *, size: int) -> None:
        found = {name: fingerprint(store, size=size) for name, store in stores.items()}
        for name, (count, checksum) in found.items():
            self.stdout.write(f"{name}: {count} items, sha256 {checksum}")
        if len(set(found.values())) != 1:
            raise CommandError("The copy does not match its source (counts or checksums differ).")
        self.stdout.write("counts and checksums match")
