"""``seed_items`` makes the same realistic catalog for the same seed, through the repository."""

import pytest
from django.core.management import call_command

from items.models import Item
from items.operations.seeding import generate_items


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
    assert {"item_tags_gin", "item_search_gin", "item_words_trgm"} <= names
    assert get_item_repository().count(query="casque") > 0
