"""A damaged backup is refused before anything is dropped or written, in one clean line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from items.operations.manifests import sealed
from tests.support.databases import ScratchDatabase

pytestmark = pytest.mark.django_db

COUNT = "from items.models import Item; print(Item.objects.count())"


def _cut_manifest_in_half(dump: Path, manifest: Path) -> None:
    text = manifest.read_bytes()
    manifest.write_bytes(text[: len(text) // 2])


def _flip_one_byte_of_the_dump(dump: Path, manifest: Path) -> None:
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))


def _rewrite_manifest(
    change: Callable[[dict], None], *, reseal: bool = True
) -> Callable[[Path, Path], None]:
    """Edit the manifest; resealed, it reaches the checks behind its own checksum."""

    def damage(dump: Path, manifest: Path) -> None:
        values = json.loads(manifest.read_text())
        change(values)
        manifest.write_text(json.dumps(sealed(values) if reseal else values))

    return damage


def _one_more_row(values: dict) -> None:
    values["tables"]["items_item"]["rows"] += 1


def _as_the_previous_version_wrote_it(values: dict) -> None:
    for field in ("schema_version", "dump_sha256", "manifest_sha256"):
        del values[field]


# Each damage, and a word the refusal must name it by.
DAMAGES = {
    "manifest cut in half": (_cut_manifest_in_half, "JSON"),
    "one byte of the dump flipped": (_flip_one_byte_of_the_dump, "sha256"),
    "manifest of the previous version": (
        _rewrite_manifest(_as_the_previous_version_wrote_it, reseal=False),
        "schema_version",
    ),
    "manifest of a later version": (
        _rewrite_manifest(lambda values: values.update(schema_version=99)),
        "schema_version",
    ),
    "a row count changed in the manifest": (
        _rewrite_manifest(_one_more_row, reseal=False),
        "manifest_sha256",
    ),
    "manifest without its tables": (
        _rewrite_manifest(lambda values: values.pop("tables")),
        "tables",
    ),
}


def _damaged_copy(dump: Path, folder: Path, damage: Callable[[Path, Path], None]) -> Path:
    folder.mkdir()
    copy = folder / dump.name
    shutil.copy(dump, copy)
    shutil.copy(f"{dump}.manifest.json", f"{copy}.manifest.json")
    damage(copy, Path(f"{copy}.manifest.json"))
    return copy


def _items(scratch: ScratchDatabase) -> int:
    return int(scratch.manage("shell", "--no-imports", "-c", COUNT).stdout)


def test_a_damaged_backup_is_refused_and_the_data_left_as_it_was(scratch, tmp_path):
    scratch.manage("migrate", "--noinput")
    scratch.manage("loaddata", "items")
    dump = Path(scratch.manage("backup", "--output-dir", str(tmp_path)).stdout.strip())
    scratch.manage("seed_items", "--count", "20", "--seed", "3")  # the live data moves on
    assert _items(scratch) == 25

    for n, (name, (damage, named_by)) in enumerate(DAMAGES.items()):
        damaged = _damaged_copy(dump, tmp_path / f"damage-{n}", damage)
        run = scratch.manage("restore", str(damaged), "--force", check=False)
        assert run.returncode != 0, name
        assert "Traceback" not in run.stderr, f"{name}:\n{run.stderr}"
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and named_by in lines[0], f"{name}:\n{run.stderr}"
        assert lines[0].endswith("Nothing was restored."), lines[0]
        assert _items(scratch) == 25, f"{name}: the data was touched"

    # The intact backup restores: the refusals came from the damage alone.
    assert "tables verified" in scratch.manage("restore", str(dump), "--force").stdout
    assert _items(scratch) == 5


def _never(*args, **kwargs):
    raise AssertionError("the restore began")


def test_a_dump_that_cannot_be_read_is_refused_before_the_restore(tmp_path, monkeypatch):
    from items.operations import backups
    from items.operations.manifests import write_manifest

    dump = tmp_path / "catalog.dump"
    dump.write_bytes(b"PGDMP" + bytes(range(256)))  # a dump's signature, then nonsense
    write_manifest(dump, {"tables": {"items_item": {"rows": 0, "checksum": "0"}}})
    monkeypatch.setattr(backups, "restore_dump", _never)
    with pytest.raises(backups.BackupError, match=r"catalog\.dump cannot be read: ") as refusal:
        backups.restore_backup(dump, force=True)
    assert "\n" not in str(refusal.value)


def test_a_damaged_mongodb_export_is_refused_before_the_restore(tmp_path, settings, monkeypatch):
    from decimal import Decimal

    from items.operations import backups
    from tests.support.factories import item_backend, make_item

    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch):
        make_item(price=Decimal("10.00"))
        dump = backups.backup(tmp_path)
    export = Path(f"{dump}{backups.MONGODB_SUFFIX}")
    export.write_bytes(export.read_bytes().replace(b'"10.00"', b'"99.00"'))
    monkeypatch.setattr(backups, "restore_dump", _never)
    with pytest.raises(backups.BackupError, match="the MongoDB export is damaged"):
        backups.restore_backup(dump, force=True)
