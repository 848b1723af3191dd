"""``seed_items`` makes the same realistic catalog for the same seed, through the repository."""

import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command

from items.models import Item
from items.operations.seeding import generate_items
from tests.support.databases import ROOT


def test_generation_is_deterministic_and_varied():
    first = list(generate_items(200, seed=7))
    assert first == list(generate_items(200, seed=7))
    assert first != list(generate_items(200, seed=8))
    assert {data.category for data, _ in first} == {"electronique", "vetement", "livre", "autre"}
    stamps = [stamp for _, stamp in first]
    assert stamps == sorted(stamps)


@pytest.mark.django_db
def test_seed_items_inserts_in_batches(capsys):
    call_command("seed_items", "--count", "250", "--seed", "3", "--batch", "100")
    assert Item.objects.count() == 250
    assert "Seeded 250 items" in capsys.readouterr().out
    names = sorted(data.name for data, _ in generate_items(250, seed=3))
    assert sorted(Item.objects.values_list("name", flat=True)) == names


@pytest.mark.django_db
def test_a_large_seed_rebuilds_the_gin_indexes(monkeypatch):
    from django.db import connection

    from items.repository import get_item_repository
    from items.repository.postgres import bulk

    monkeypatch.setattr(bulk, "BULK_LOAD_THRESHOLD", 100)
    call_command("seed_items", "--count", "300", "--seed", "4", "--batch", "100")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'items_item'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"item_tags_gin", "item_search_gin"} <= names
    assert get_item_repository().count(query="casque") > 0
    # ... and leaves the planner statistics of what it loaded (ANALYZE, in its transaction).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_stats WHERE tablename = 'items_item' AND attname = 'category'"
        )
        assert cursor.fetchall() == [("category",)]


@pytest.mark.django_db(transaction=True)
def test_a_large_seed_outside_a_transaction_leaves_the_table_vacuumed(monkeypatch):
    # All-visible pages: a capped count reads the index alone (an index-only scan), not the
    # heap of every row it counts, from the first request after the seed.
    from django.db import connection

    from items.repository.postgres import bulk

    monkeypatch.setattr(bulk, "BULK_LOAD_THRESHOLD", 100)
    call_command("seed_items", "--count", "3000", "--seed", "5", "--batch", "1000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'items_item'")
        pages, all_visible = cursor.fetchone()
    assert pages > 0 and all_visible == pages


def test_count_has_an_upper_bound_named_in_the_error():
    from django.core.management.base import CommandError

    from items.operations.seeding import MAX_SEED_COUNT

    for count in (MAX_SEED_COUNT + 1, -1):
        with pytest.raises(CommandError, match=f"between 0 and {MAX_SEED_COUNT:,}"):
            call_command("seed_items", "--count", str(count))


GIN_INDEXES = {"item_tags_gin", "item_search_gin"}


@pytest.mark.django_db
def test_a_large_seed_that_fails_half_way_stores_nothing_and_keeps_its_indexes(monkeypatch):
    from django.db import connection

    from items.operations import seeding
    from items.repository.postgres import bulk

    monkeypatch.setattr(bulk, "BULK_LOAD_THRESHOLD", 100)
    generated = seeding.generate_items

    def failing_half_way(count: int, seed: int):
        for n, pair in enumerate(generated(count, seed)):
            if n == count // 2:
                raise RuntimeError("the generator broke")
            yield pair

    monkeypatch.setattr(seeding, "generate_items", failing_half_way)
    with pytest.raises(RuntimeError):
        call_command("seed_items", "--count", "400", "--batch", "100")
    assert Item.objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'items_item'")
        assert {row[0] for row in cursor.fetchall()} >= GIN_INDEXES


def _wait_for_the_load(scratch, seeding: subprocess.Popen) -> None:
    """Until the seeding process is copying rows in (or gone)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and seeding.poll() is None:
        copying = scratch.query(
            "SELECT 1 FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'COPY %'"
        )
        if copying:
            return
        time.sleep(0.05)
    raise AssertionError("the seed never started loading")


def _indexes(scratch) -> set[str]:
    rows = scratch.query("SELECT indexname FROM pg_indexes WHERE tablename = 'items_item'")
    return {name for (name,) in rows}


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name
)
def test_a_large_seed_stopped_half_way_leaves_the_table_as_it_was(scratch, signum):
    scratch.manage("migrate", "--noinput")
    indexes = _indexes(scratch)
    assert indexes >= GIN_INDEXES
    seeding = subprocess.Popen(
        [sys.executable, "manage.py", "seed_items", "--count", "200000"],
        cwd=ROOT,
        env=scratch.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_the_load(scratch, seeding)
        seeding.send_signal(signum)
        assert seeding.wait(timeout=60) != 0
    finally:
        if seeding.poll() is None:
            seeding.kill()
            seeding.wait()
    assert _indexes(scratch) == indexes
    assert scratch.query("SELECT count(*) FROM items_item") == [(0,)]
    assert "no issues" in scratch.manage("check").stdout
