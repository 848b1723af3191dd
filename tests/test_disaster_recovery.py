"""Seed, back up, lose the database, restore, and prove every row came back."""

from __future__ import annotations

import time

import pytest

from tests.scratch import ROOT, ScratchDatabase

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch():
    database = ScratchDatabase()
    database.create()
    yield database
    database.drop()


COUNT_SEARCH = (
    "from items.repository import get_item_repository as r; "
    "print(r().count(), r().count(query='casque'), r().count(query='macbok'))"
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

    scratch.manage("migrate", "--noinput")
    scratch.manage("loaddata", "items")
    dump = scratch.manage("backup", "--output-dir", str(tmp_path)).stdout.strip()
    manifest = Path(f"{dump}.manifest.json")
    tampered = json.loads(manifest.read_text())
    tampered["tables"]["items_item"]["rows"] = 6
    manifest.write_text(json.dumps(tampered))
    scratch.drop()
    scratch.create()
    run = scratch.manage("restore", dump, check=False)
    assert run.returncode != 0 and "items_item: 5 rows" in run.stderr


def test_fifty_concurrent_requests_through_a_pool_of_four(scratch):
    import concurrent.futures
    import http.client
    import socket
    import subprocess
    import sys

    scratch.manage("migrate", "--noinput")
    scratch.manage("loaddata", "items")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **scratch.env,
        "DB_POOL_MAX_SIZE": "4",
        "DB_POOL_TIMEOUT": "20",
        "THROTTLE_ANON_RATE": "100000/min",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            "50",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def get(path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Accept": "application/json"})
        status = conn.getresponse().status
        conn.close()
        return status

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get("/health/")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        paths = [f"/api/items/?page={1 + n % 2}&page_size=3&ordering=price" for n in range(50)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(get, paths))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == [200] * 50
