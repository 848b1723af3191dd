"""Seed, back up, lose the database, restore, and prove every row came back."""

from __future__ import annotations

import time

import pytest

from tests.support.databases import ScratchDatabase
from tests.support.served import Gunicorn, request

pytestmark = pytest.mark.django_db


COUNT_SEARCH = (
    "from items.repository import get_item_repository as r; "
    "from items.records import STAFF, ItemFilter; every = ItemFilter(viewer=STAFF); "
    "print(r().count(every), r().count(every, query='casque'), r().count(every, query='macbok'))"
)


def _counts(scratch: ScratchDatabase) -> list[str]:
    """All items, and matches for a word and for a typo, counted by the restored service."""
    return scratch.manage("shell", "--no-imports", "-c", COUNT_SEARCH).stdout.split()


def test_backup_drop_restore_gives_back_every_row(scratch, tmp_path, capsys):
    scratch.manage("migrate", "--noinput")
    scratch.manage("seed_items", "--count", "3000", "--seed", "5")
    scratch.manage("loaddata", "items")
    scratch.manage(
        "ensure_admin", DJANGO_SUPERUSER_USERNAME="ops", DJANGO_SUPERUSER_PASSWORD="x-ops-pass-9"
    )
    before = _counts(scratch)
    dump = scratch.manage("backup", "--output-dir", str(tmp_path)).stdout.strip()
    assert dump.endswith(".dump")

    scratch.drop()
    scratch.create()
    started = time.perf_counter()
    restored = scratch.manage("restore", dump)
    recovery = time.perf_counter() - started
    assert "tables verified" in restored.stdout

    scratch.manage("migrate", "--check")
    assert _counts(scratch) == before
    assert int(before[0]) == 3005 and int(before[1]) > 0 and int(before[2]) > 0
    with capsys.disabled():
        print(f"\ndisaster recovery: 3,005 items restored and verified in {recovery:.1f} s")

    again = scratch.manage("restore", dump, check=False)
    assert again.returncode != 0 and "not empty" in again.stderr
    replaced = scratch.manage("restore", dump, "--force")
    assert "tables verified" in replaced.stdout


def test_restore_refuses_a_backup_that_does_not_match_its_manifest(scratch, tmp_path):
    import json
    from pathlib import Path

    from items.operations.manifests import sealed

    scratch.manage("migrate", "--noinput")
    scratch.manage("loaddata", "items")
    dump = scratch.manage("backup", "--output-dir", str(tmp_path)).stdout.strip()
    manifest = Path(f"{dump}.manifest.json")
    tampered = json.loads(manifest.read_text())
    tampered["tables"]["items_item"]["rows"] = 6
    manifest.write_text(json.dumps(sealed(tampered)))  # vouched for, yet wrong
    scratch.drop()
    scratch.create()
    run = scratch.manage("restore", dump, check=False)
    assert run.returncode != 0 and "items_item: 5 rows" in run.stderr


def test_fifty_concurrent_requests_through_a_pool_of_four(scratch):
    import concurrent.futures

    scratch.manage("migrate", "--noinput")
    scratch.manage("loaddata", "items")
    env = {
        **scratch.env,
        "DB_POOL_MAX_SIZE": "4",
        "DB_POOL_TIMEOUT": "20",
        "THROTTLE_ANON_RATE": "100000/min",
    }
    server = Gunicorn(env, threads=50)
    try:
        paths = [f"/api/items/?page={1 + n % 2}&page_size=3&ordering=price" for n in range(50)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            statuses = [
                status for status, _ in pool.map(lambda p: request(server.port, "GET", p), paths)
            ]
    finally:
        server.stop()
    assert statuses == [200] * 50


def test_a_mongodb_catalog_exports_and_imports_back(tmp_path, settings, monkeypatch):
    from decimal import Decimal

    from items.operations import backups
    from items.records import STAFF, ItemData, ItemFilter
    from tests.support.factories import item_backend

    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch) as repository:
        repository.create_many(
            [ItemData(f"Article {n}", Decimal("1.50"), "autre", tags=("a",)) for n in range(5)]
        )
        before = repository.find_all(limit=10, filter=ItemFilter(viewer=STAFF))
        export = tmp_path / "catalog.mongodb.jsonl"
        manifest = backups.export_mongodb(export)
        assert manifest["items"] == 5 and len(export.read_text().splitlines()) == 5
        for record in before:
            repository.delete(record.id)
        assert backups.restore_mongodb(export, manifest) == []
        assert repository.find_all(limit=10, filter=ItemFilter(viewer=STAFF)) == before
        wrong = {**manifest, "items": 6}
        assert backups.restore_mongodb(export, wrong)  # a mismatch is reported


@pytest.mark.django_db(transaction=True)  # commits, so the cache is on and hears of changes
@pytest.mark.parametrize("backend", ["postgres", "mongodb"])
def test_a_restore_leaves_no_cached_response_reachable(
    backend, anon_client, settings, monkeypatch, tmp_path
):
    from decimal import Decimal

    from catalog_cache.redis_core import keys
    from catalog_cache.redis_core.guard import run
    from items.operations import backups
    from tests.support.factories import item_backend, make_item

    def shown() -> tuple[str, str]:
        one = anon_client.get(f"/api/items/{item.id}/").json()["price"]
        return one, anon_client.get("/api/items/").json()["results"][0]["price"]

    with item_backend(backend, settings=settings, monkeypatch=monkeypatch) as repository:
        item = make_item(price=Decimal("10.00"))
        dump = backups.backup(tmp_path)
        repository.update(item.id, {"price": Decimal("20.00")})
        assert shown() == ("20.00", "20.00")  # now cached
        epoch = run(lambda client: client.get(keys.epoch_key()))
        backups.restore_backup(dump, force=True)
        assert shown() == ("10.00", "10.00")
        assert run(lambda client: client.get(keys.epoch_key())) != epoch
