"""Backups of the PostgreSQL database, and restores that check everything before they start.

A backup is a ``pg_dump`` (custom format, see ``dumps``) and a manifest (see ``manifests``)
listing every table with its row count and an order-free checksum (the sum of a 64-bit hash of
each row's text), so a restore can prove it brought every row back. With
``DB_TYPE=mongodb`` the items collection is exported beside the dump through pymongo
(canonical JSON lines, with their count and sha256 in the manifest) and imported back,
leaving the collection identical to the export (items made since are removed).
A restore touches nothing until the manifest, the dump and the export are proved intact, and
once it has begun, every cached response is dropped.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from psycopg import sql

from items.operations.dumps import BackupError, check_readable, dump_database, restore_dump
from items.operations.manifests import read_manifest, write_manifest
from items.operations.transfer import (
    TransferError,
    catalog_store,
    export_lines,
    fingerprint,
    import_exactly,
)
from items.signals import announce_item_change

MONGODB_SUFFIX = ".mongodb.jsonl"


def table_names() -> list[str]:
    """The user tables of the public schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [row[0] for row in cursor.fetchall()]


def table_fingerprints() -> dict[str, dict[str, int | str]]:
    """Each table's row count and checksum."""
    result: dict[str, dict[str, int | str]] = {}
    with connection.cursor() as cursor:
        for table in table_names():
            query = sql.SQL(
                "SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) "
                "FROM {} AS t"
            ).format(sql.Identifier(table))
            cursor.execute(query.as_string(cursor.connection))
            rows, checksum = cursor.fetchone()
            result[table] = {"rows": rows, "checksum": str(checksum)}
    return result


def backup(folder: Path) -> Path:
    """Write a timestamped dump and its manifest into ``folder``; return the dump's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"catalog-{stamp}.dump"
    # One snapshot for the dump and the manifest: the manifest is read inside a repeatable-read
    # transaction whose snapshot pg_dump then uses.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        try:
            dump_database(target, snapshot=snapshot)
            manifest = {
                "file": target.name,
                "created_at": datetime.now(UTC).isoformat(),
                "database": connection.settings_dict["NAME"],
                "tables": table_fingerprints(),
            }
        finally:
            cursor.execute("COMMIT")
    if settings.DB_TYPE == "mongodb":
        manifest["mongodb"] = export_mongodb(Path(f"{target}{MONGODB_SUFFIX}"))
    write_manifest(target, manifest)
    return target


def export_mongodb(target: Path) -> dict[str, int | str]:
    """Export the MongoDB catalog (one canonical JSON line per item, in id order)."""
    count, checksum = export_lines(catalog_store("mongodb"), target)
    return {"file": target.name, "items": count, "sha256": checksum}


def restore_mongodb(source: Path, expected: dict) -> list[str]:
    """Make the MongoDB catalog the export's (each record upserted by id, every item made
    since removed) and compare it with the manifest."""
    store = catalog_store("mongodb")
    try:
        import_exactly(store, source)
    except TransferError as error:
        raise BackupError(str(error)) from None
    count, checksum = fingerprint(store, size=1000)
    if (count, checksum) == (expected["items"], expected["sha256"]):
        return []
    return [
        f"mongodb items: {count}, sha256 {checksum}; backup had {expected['items']}, "
        f"sha256 {expected['sha256']}"
    ]


def differences(manifest: dict) -> list[str]:
    """Where the database now differs from a manifest (empty when it matches)."""
    now = table_fingerprints()
    wanted = manifest["tables"]
    problems = [f"{t}: missing" for t in wanted if t not in now]
    problems += [
        f"{t}: {now[t]['rows']} rows, checksum {now[t]['checksum']}; "
        f"backup had {wanted[t]['rows']} rows, checksum {wanted[t]['checksum']}"
        for t in wanted
        if t in now and now[t] != wanted[t]
    ]
    return problems


def restore_backup(dump: Path, *, force: bool) -> str:
    """Restore ``dump`` (``manage.py restore``), verify it against its manifest, drop the cache.

    Nothing is dropped or written until the manifest is parsed and checked, the dump (and any
    MongoDB export) matches its sha256 and pg_restore has read the whole dump. A database that
    is not empty is refused unless ``force``. Returns a one-line summary; raises
    ``BackupError`` with one line naming what is wrong.
    """
    try:
        manifest = read_manifest(dump)
        check_readable(dump)
    except BackupError as refusal:
        raise BackupError(f"{refusal} Nothing was restored.") from None
    existing = table_names()
    if existing and not force:
        raise BackupError(
            f"The database is not empty ({len(existing)} tables). Restore into an empty "
            "database, or pass --force to replace this one."
        )
    started = time.perf_counter()
    try:
        restore_dump(dump, replace=bool(existing))
        problems = differences(manifest)
        if "mongodb" in manifest:
            export = dump.with_name(manifest["mongodb"]["file"])
            problems += restore_mongodb(export, manifest["mongodb"])
    finally:
        # Committed by pg_restore, not by a transaction of ours: every cached entry goes now
        # (the epoch moves), whatever the backend, even if the restored data fails its check.
        announce_item_change(source="restore", durable=True)
    if problems:
        raise BackupError("Restored data differs from the backup: " + "; ".join(problems))
    elapsed = time.perf_counter() - started
    return f"Restored {dump.name}: {len(manifest['tables'])} tables verified in {elapsed:.1f} s."
