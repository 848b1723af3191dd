"""Suggestions on PostgreSQL also complete words of the search vocabulary (MongoDB keeps none).

Words come first, most frequent first, in at most half the places while names fill the rest;
only active items lend words; a word spelt as a suggested name is given once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.records import STAFF, ItemData, Suggestion, Viewer
from items.repository.postgres import PostgresItemRepository
from items.repository.suggestions import merged

pytestmark = pytest.mark.django_db


@pytest.fixture
def repository() -> PostgresItemRepository:
    return PostgresItemRepository()


def _item(repository, name, description="", tags=(), is_active=True):
    return repository.create(
        ItemData(
            name=name,
            price=Decimal("5"),
            category="autre",
            description=description,
            tags=tuple(tags),
            is_active=is_active,
        )
    )


def words(found: list[Suggestion]) -> list[str]:
    return [s.text for s in found if s.kind == "word"]


def test_words_of_the_catalog_complete_a_prefix_most_frequent_first(repository):
    _item(repository, "Ordinateur", description="lampadaire lampion lampion", tags=["lampe"])
    _item(repository, "Bureau", description="une lampe de chevet")
    _item(repository, "Table", description="lampion")
    found = repository.suggest("lam", viewer=Viewer())
    assert words(found) == ["lampe", "lampion", "lampadaire"]
    assert [s.kind for s in found] == ["word", "word", "word"]  # no name starts with "lam"


def test_words_ignore_accents_and_case(repository):
    _item(repository, "Chargeur", description="Électronique et électricité")
    assert words(repository.suggest("ELEC", viewer=Viewer())) == ["électricité", "électronique"]


def test_an_inactive_item_lends_no_word(repository):
    _item(repository, "Coffre", description="clandestin", is_active=False)
    assert words(repository.suggest("cland", viewer=STAFF)) == []


def test_a_word_spelt_as_a_name_is_given_once_as_the_name(repository):
    _item(repository, "Lampe", description="lampe")
    assert [(s.kind, s.text) for s in repository.suggest("lamp", viewer=Viewer())] == [
        ("name", "Lampe")
    ]


def test_words_take_half_the_places_unless_names_leave_more():
    names = [f"Nom {n}" for n in range(10)]
    many = [f"mot{n}" for n in range(10)]
    assert [s.text for s in merged(words=many, names=names, limit=10)] == many[:5] + names[:5]
    assert [s.text for s in merged(words=many, names=names[:2], limit=10)] == many[:8] + names[:2]
    assert [s.text for s in merged(words=many[:1], names=names, limit=10)] == many[:1] + names[:9]
