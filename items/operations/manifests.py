"""A backup's manifest: what it vouches for, and the checks made before a restore touches data.

Each dump has one beside it (``<dump>.manifest.json``): its ``schema_version``, the dump's
sha256, every table's row count and checksum, the MongoDB export's count and sha256 when there
is one, and a sha256 of all that (``manifest_sha256``), so that a manifest damaged in a way
that still parses is caught too. ``read_manifest`` checks all of it against the files and
raises one ``BackupError`` line naming the first problem. Manifests written before
``schema_version`` existed carry no checksum of their dump: nothing could prove that dump
intact, so they are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from items.operations.dumps import BackupError

SCHEMA_VERSION = 2
MANIFEST_SUFFIX = ".manifest.json"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def manifest_path(dump: Path) -> Path:
    """Where the manifest of ``dump`` lives."""
    return Path(f"{dump}{MANIFEST_SUFFIX}")


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _body_sha256(values: dict[str, Any]) -> str:
    body = {name: value for name, value in values.items() if name != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def sealed(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the sha256 that vouches for them (``manifest_sha256``)."""
    return {**values, "manifest_sha256": _body_sha256(values)}


def write_manifest(dump: Path, values: dict[str, Any]) -> Path:
    """Write the sealed manifest of ``dump`` (with its sha256), whole or not at all."""
    manifest = sealed(
        {"schema_version": SCHEMA_VERSION, "dump_sha256": file_sha256(dump), **values}
    )
    target = manifest_path(dump)
    partial = target.with_name(f"{target.name}.partial")
    partial.write_text(json.dumps(manifest, indent=2))
    os.replace(partial, target)  # a crash mid-write leaves no half manifest behind
    return target


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _sha256(value: Any) -> bool:
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def _table(value: Any) -> bool:
    return isinstance(value, dict) and _count(value.get("rows")) and "checksum" in value


def _export(value: Any) -> bool:
    name = value.get("file") if isinstance(value, dict) else None
    plain_name = isinstance(name, str) and name == Path(name).name and name not in ("", "..")
    return plain_name and _count(value.get("items")) and _sha256(value.get("sha256"))


def _problem(values: Any) -> str | None:
    """What is wrong with a parsed manifest, as the end of a sentence; None when nothing."""
    if not isinstance(values, dict):
        return "is not a manifest (not a JSON object)"
    version = values.get("schema_version")
    if version is None:
        return (
            "has no schema_version: an older version wrote it, without a checksum of its "
            "dump, so the dump cannot be verified; make a new backup"
        )
    if version != SCHEMA_VERSION:
        return f"has schema_version {version!r}, this version reads {SCHEMA_VERSION} only"
    if values.get("manifest_sha256") != _body_sha256(values):
        return "does not match its own manifest_sha256: it was damaged or edited"
    if not _sha256(values.get("dump_sha256")):
        return "has no valid dump_sha256"
    tables = values.get("tables")
    if not (isinstance(tables, dict) and tables and all(map(_table, tables.values()))):
        return "has no valid tables (each table's rows and checksum)"
    if "mongodb" in values and not _export(values["mongodb"]):
        return "has no valid mongodb entry (the export's file, items and sha256)"
    return None


def _parsed(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except ValueError as error:  # malformed JSON, or not even text
        raise BackupError(
            f"{path.name} is not valid JSON (cut short or damaged): {error}."
        ) from None


def _check_sha256(path: Path, expected: str, what: str) -> None:
    found = file_sha256(path)
    if found != expected:
        raise BackupError(
            f"{path.name} does not match its manifest (sha256 {found}, the manifest says "
            f"{expected}): the {what} is damaged, or not the one backed up."
        )


def read_manifest(dump: Path) -> dict[str, Any]:
    """The manifest of ``dump``, parsed and checked, with the dump (and any MongoDB export)
    proved intact by their sha256. Raises ``BackupError`` naming the first problem."""
    path = manifest_path(dump)
    for required in (dump, path):
        if not required.is_file():
            raise BackupError(f"{required} is missing.")
    try:
        values = _parsed(path)
        problem = _problem(values)
        if problem:
            raise BackupError(f"{path.name} {problem}.")
        _check_sha256(dump, values["dump_sha256"], "dump")
        if "mongodb" in values:
            export = dump.with_name(values["mongodb"]["file"])
            if not export.is_file():
                raise BackupError(f"{export} (the MongoDB export) is missing.")
            _check_sha256(export, values["mongodb"]["sha256"], "MongoDB export")
    except OSError as error:
        raise BackupError(f"{error.filename} cannot be read: {error.strerror}.") from None
    return values
