"""Moving whole catalogs: every item in id order, in a canonical form both backends agree on.

``copy_items`` copies between backends with it; ``backup``/``restore`` export and import a
MongoDB catalog with it. The canonical form is one JSON line per record, so the sha256 of an
export file is the fingerprint of the catalog it came from. MongoDB keeps milliseconds, so the
canonical form of a timestamp does too.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from items.mongo_documents import to_millisecond
from items.records import ItemRecord
from items.repository.mongo import MongoItemRepository
from items.repository.postgres import PostgresItemRepository

BACKENDS = ("postgres", "mongodb")


class CatalogStore(Protocol):
    """One side of a copy: whole records in id order, upserted by id."""

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]: ...

    def last_id(self) -> uuid.UUID | None: ...

    def upsert_records(self, records: Iterable[ItemRecord]) -> int: ...


def catalog_store(backend: str) -> CatalogStore:
    """The store for one backend, whatever ``DB_TYPE`` says."""
    if backend == "mongodb":
        return MongoItemRepository.from_settings()
    return PostgresItemRepository()


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


def record_from_line(line: bytes) -> ItemRecord:
    """The record a canonical line stands for."""
    values = json.loads(line)
    values.update(
        id=uuid.UUID(values["id"]),
        price=Decimal(values["price"]),
        tags=tuple(values["tags"]),
        created_at=datetime.fromisoformat(values["created_at"]),
        updated_at=datetime.fromisoformat(values["updated_at"]),
    )
    return ItemRecord(**values)


def export_lines(store: CatalogStore, target: Path, *, size: int = 1000) -> tuple[int, str]:
    """Write every record of ``store`` to ``target``; return (count, sha256 of the file)."""
    digest, count = hashlib.sha256(), 0
    with target.open("wb") as out:
        for rows in batches(store, after=None, size=size):
            for record in rows:
                line = canonical(record)
                out.write(line)
                digest.update(line)
            count += len(rows)
    return count, digest.hexdigest()


def import_lines(store: CatalogStore, source: Path, *, size: int = 1000) -> int:
    """Upsert every record of an export into ``store``, ``size`` at a time."""
    imported, pending = 0, []
    with source.open("rb") as lines:
        for line in lines:
            pending.append(record_from_line(line))
            if len(pending) == size:
                imported += store.upsert_records(pending)
                pending = []
    return imported + (store.upsert_records(pending) if pending else 0)
