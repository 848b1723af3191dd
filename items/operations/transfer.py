"""Moving whole catalogs: every item in id order, in a canonical form both backends agree on.

``copy_catalog`` (``manage.py copy_items``) copies between backends with it, resumably, and
proves the copy complete; ``backup``/``restore`` export and import a MongoDB catalog with it.
The canonical form is one JSON line per record, so the sha256 of an export file is the
fingerprint of the catalog it came from. MongoDB keeps milliseconds, so the
canonical form of a timestamp does too.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from items import domain
from items.records import ItemRecord
from items.repository import ItemTransfer, repository_for


class TransferError(RuntimeError):
    """A copy that cannot start, or that does not match its source."""


def catalog_store(backend: str) -> ItemTransfer:
    """One backend's side of a copy (the repository's transfer family), whatever ``DB_TYPE``
    says."""
    return repository_for(backend)


def batches(store: ItemTransfer, *, after: uuid.UUID | None, size: int) -> Iterator[list]:
    """Every record past ``after``, ``size`` at a time, in id order."""
    while rows := store.records_after(after, limit=size):
        yield rows
        after = rows[-1].id


def _millisecond(moment: datetime) -> str:
    # isoformat truncates to the millisecond, as MongoDB stores a date.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def canonical(record: ItemRecord) -> bytes:
    """One record as bytes that are equal exactly when two backends hold the same item."""
    values: dict[str, Any] = asdict(record)
    values.update(
        id=str(record.id),
        price=f"{record.price:.2f}",
        tags=list(record.tags),
        created_at=_millisecond(record.created_at),
        updated_at=_millisecond(record.updated_at),
    )
    return json.dumps(values, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def fingerprint(store: ItemTransfer, *, size: int) -> tuple[int, str]:
    """How many records ``store`` holds, and the sha256 of them all in id order."""
    digest, count = hashlib.sha256(), 0
    for rows in batches(store, after=None, size=size):
        for record in rows:
            digest.update(canonical(record))
        count += len(rows)
    return count, digest.hexdigest()


def record_from_line(line: bytes) -> ItemRecord:
    """The record a canonical line stands for; ``ValueError`` if it is not one (a price is read
    by the API's rule, so an edited export cannot bring in "1e2")."""
    values = json.loads(line)
    values.update(
        id=uuid.UUID(values["id"]),
        price=domain.parse_price(values["price"]),
        tags=tuple(values["tags"]),
        created_at=datetime.fromisoformat(values["created_at"]),
        updated_at=datetime.fromisoformat(values["updated_at"]),
    )
    return ItemRecord(**values)


def export_lines(store: ItemTransfer, target: Path, *, size: int = 1000) -> tuple[int, str]:
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


def import_lines(store: ItemTransfer, source: Path, *, size: int = 1000) -> int:
    """Upsert every record of an export into ``store``, ``size`` at a time.

    ``TransferError`` names the first line that is no record; the batches before it are in.
    """
    imported, pending = 0, []
    with source.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            try:
                pending.append(record_from_line(line))
            except ValueError as error:
                raise TransferError(f"{source.name}, line {number}: {error}") from None
            if len(pending) == size:
                imported += store.upsert_records(pending)
                pending = []
    return imported + (store.upsert_records(pending) if pending else 0)


def import_exactly(store: ItemTransfer, source: Path, *, size: int = 1000) -> tuple[int, int]:
    """Make ``store`` hold exactly the records of an export: each one upserted, and every item
    the export does not hold (made after it) removed. Returns (imported, removed).

    The export and the store are both in id order, so the items to remove are found by walking
    the two side by side, ``size`` ids at a time: no list of ids is held, whatever the size.
    An export out of id order is refused before anything is written.
    """
    for _ in _exported_ids(source):
        pass
    imported, removed = import_lines(store, source, size=size), 0
    exported = _exported_ids(source)
    wanted, after = next(exported, None), None
    while ids := store.ids_after(after, limit=size):
        extra = []
        for item_id in ids:
            while wanted is not None and wanted < item_id:
                wanted = next(exported, None)
            if wanted != item_id:
                extra.append(item_id)
        removed += store.remove_records(extra) if extra else 0
        after = ids[-1]
    return imported, removed


def _exported_ids(source: Path) -> Iterator[uuid.UUID]:
    """The ids of an export's records, which must come in id order (as ``export_lines``)."""
    previous = None
    with source.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            item_id = record_from_line(line).id
            if previous is not None and item_id <= previous:
                raise TransferError(f"{source.name}, line {number}: not in id order.")
            previous = item_id
            yield item_id


def copy_catalog(
    source: str, target: str, *, batch: int, resume: bool, report: Callable[[str], None]
) -> None:
    """Copy every item from ``source`` to ``target`` in id order, then prove the copy complete.

    Ids and stamps are kept and records upserted by id, so a copy can run again safely; with
    ``resume`` it continues after the greatest id the target holds. Raises ``TransferError``.
    """
    if source == target:
        raise TransferError("--from and --to must name different backends.")
    if batch < 1:
        raise TransferError("--batch must be at least 1.")
    origin, destination = catalog_store(source), catalog_store(target)
    after = destination.last_id() if resume else None
    if after is not None:
        report(f"resuming after id {after}")
    copied = 0
    for rows in batches(origin, after=after, size=batch):
        copied += destination.upsert_records(rows)
        report(f"copied {copied} (last id {rows[-1].id})")
    report(f"copied {copied} items from {source} to {target}")
    stores = {source: origin, target: destination}
    found = {name: fingerprint(store, size=batch) for name, store in stores.items()}
    for name, (count, checksum) in found.items():
        report(f"{name}: {count} items, sha256 {checksum}")
    if len(set(found.values())) != 1:
        raise TransferError("The copy does not match its source (counts or checksums differ).")
    report("counts and checksums match")
