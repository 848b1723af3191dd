"""The search vocabulary: every word of the visible catalog and how many items hold it.

The database keeps it (statement-level triggers on the items table), so every path that
writes items keeps it current: the repository, ``update()``, COPY, staged loads, raw SQL,
TRUNCATE. After any of them it must equal a rebuild from scratch.
"""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from items.models import Item
from items.records import ItemData
from items.repository.postgres import PostgresItemRepository
from items.repository.postgres import bulk as postgres_bulk

pytestmark = pytest.mark.django_db


def _vocabulary() -> dict[str, tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, plain, stem, items FROM items_search_vocabulary")
        return {word: (plain, stem, items) for word, plain, stem, items in cursor.fetchall()}


def _rebuilt() -> dict[str, tuple[str, str, int]]:
    """The vocabulary rebuilt from the table, in a savepoint rolled back: the live one stays."""
    sid = transaction.savepoint()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT public.search_vocabulary_rebuild()")
        return _vocabulary()
    finally:
        transaction.savepoint_rollback(sid)


def _item(name: str, description: str = "", tags=(), active: bool = True) -> ItemData:
    return ItemData(name, Decimal("10"), "autre", description, tuple(tags), active)


def test_words_are_counted_per_item_with_accents_stems_and_no_stop_words():
    repository = PostgresItemRepository()
    repository.create(_item("Écran de bureau", "Un écran, un écran !", ("Bureau",)))
    repository.create(_item("Livres anciens", "", ("écran",)))
    words = _vocabulary()
    assert words["écran"] == ("ecran", "ecran", 2)  # once per item, however often it appears
    assert words["bureau"][2] == 1
    assert words["livres"] == ("livres", "livr", 1)
    assert "de" not in words and "un" not in words  # stop words have no lexeme
    assert words == _rebuilt()


def test_every_write_path_keeps_it_equal_to_a_rebuild():
    repository = PostgresItemRepository()
    lamp = repository.create(_item("Lampe de chevet", "Lumière douce", ("maison",)))
    mug = repository.create(_item("Tasse en grès", "Grès émaillé", ("cuisine", "maison")))
    repository.update(lamp.id, {"name": "Lampe de bureau", "tags": ("bureau",)})
    assert "chevet" not in _vocabulary() and _vocabulary()["bureau"][2] == 1
    Item.objects.filter(pk=mug.id).update(description="Porcelaine")  # no model signal
    with connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET tags = '{jardin}' WHERE id = %s", [lamp.id])
    repository.create_many([_item("Bougie parfumée", tags=("maison",))] * 3)
    repository.delete(mug.id)
    words = _vocabulary()
    assert words["bougie"][2] == 3 and words["maison"][2] == 3
    assert "gres" not in {plain for plain, _, _ in words.values()}
    assert words == _rebuilt()
    Item.objects.all().delete()
    assert _vocabulary() == {}


def test_hidden_items_lend_no_words():
    """An inactive item's words are not offered: a correction would reveal that it exists."""
    repository = PostgresItemRepository()
    secret = repository.create(_item("Prototype confidentiel", active=False))
    assert "confidentiel" not in _vocabulary()
    repository.set_active(ids=[secret.id], is_active=True)
    assert _vocabulary()["confidentiel"][2] == 1
    repository.update(secret.id, {"is_active": False})
    assert "confidentiel" not in _vocabulary()
    assert _vocabulary() == _rebuilt()


def test_edits_that_leave_the_searched_text_alone_do_not_touch_it():
    repository = PostgresItemRepository()
    item = repository.create(_item("Théière en fonte", "Fonte émaillée", ("cuisine",)))

    def versions() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT word, xmin::text FROM items_search_vocabulary")
            return dict(cursor.fetchall())

    before = versions()
    repository.update(item.id, {"price": Decimal("49.90")})
    Item.objects.filter(pk=item.id).update(name="Théière en fonte")  # same text rewritten
    assert versions() == before  # no row of the vocabulary was rewritten


def test_a_staged_bulk_load_counts_every_item(monkeypatch):
    monkeypatch.setattr(postgres_bulk, "BULK_LOAD_THRESHOLD", 5)
    repository = PostgresItemRepository()
    with repository.bulk_loading(8):
        repository.create_many([_item(f"Carnet {n}", tags=("papeterie",)) for n in range(8)])
    words = _vocabulary()
    assert words["carnet"][2] == 8 and words["papeterie"][2] == 8
    assert words == _rebuilt()


def test_a_small_bulk_load_counts_its_items_once_at_its_end():
    repository = PostgresItemRepository()
    repository.create(_item("Carnet ligné", tags=("papeterie",)))
    with repository.bulk_loading(6):
        for _ in range(3):
            repository.create_many([_item("Carnet à spirale", tags=("papeterie",))] * 2)
        assert _vocabulary()["carnet"][2] == 1  # the batches wait for the load's end
        repository.create(_item("Carnet de notes"))  # not a COPY: counted at once
    words = _vocabulary()
    assert words["carnet"][2] == 8 and words["spirale"][2] == 6
    assert words == _rebuilt()
    PostgresItemRepository().create(_item("Carnet souple"))  # later writes count as usual
    assert _vocabulary()["carnet"][2] == 9


def test_truncate_empties_it():
    PostgresItemRepository().create(_item("Gourde inox"))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the owner check, deferred, runs first
        cursor.execute("TRUNCATE items_item CASCADE")
    assert _vocabulary() == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_the_same_common_words_neither_deadlock_nor_lose_counts():
    """Writers bump the same words in different orders at once: they queue, none deadlocks."""
    words = ["casque", "audio", "bluetooth", "noir", "fil", "gaming", "usb", "rouge"]
    words += [f"mot{n}" for n in range(60)]
    repository = PostgresItemRepository()
    seeds = [repository.create(_item("Casque", " ".join(words))).id for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            start.wait()
            for _ in range(15):
                shuffled = rng.sample(words, len(words))
                with transaction.atomic():
                    repository.create(_item("Casque", " ".join(shuffled)))
                    repository.update(seeds[n], {"description": " ".join(shuffled[:30])})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counted = _vocabulary()
    assert counted["casque"][2] == Item.objects.count() == 64
    assert counted["mot7"][2] == Item.objects.filter(description__regex=r"\mmot7\M").count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.search_vocabulary_rebuild()")
    assert _vocabulary() == counted
