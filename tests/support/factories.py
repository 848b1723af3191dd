"""factory-boy factories for users and items."""

import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

import factory
import pytest
from bson.decimal128 import Decimal128
from factory.django import DjangoModelFactory
from faker import Faker
from pymongo import MongoClient

from items.domain import Category
from items.models import Item, User
from items.records import ItemData, ItemRecord
from items.repository import get_item_repository, mongo, repository_for


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")


class ItemFactory(DjangoModelFactory):
    class Meta:
        model = Item

    name = factory.Faker("sentence", nb_words=3, locale="fr_FR")
    description = factory.Faker("text", max_nb_chars=200, locale="fr_FR")
    price = factory.LazyFunction(lambda: Decimal("19.99"))
    category = Category.AUTRE
    tags = factory.LazyFunction(list)
    is_active = True


# --- Items through the repository, whatever the backend ------------------------------------

_fake = Faker("fr_FR")


def make_item(*, created_by=None, **fields) -> ItemRecord:
    """Create one item through the current backend's repository; ``fields`` override defaults."""
    values = {
        "name": _fake.sentence(nb_words=3),
        "description": _fake.text(max_nb_chars=200),
        "price": Decimal("19.99"),
        "category": Category.AUTRE,
        **fields,
    }
    values["tags"] = tuple(values.get("tags", ()))
    owner_id = created_by.pk if created_by is not None else None
    return get_item_repository().create(ItemData(**values), created_by_id=owner_id)


def a_record(**changes) -> ItemRecord:
    """An item record made in memory (no store): a plain one, ``changes`` overriding it."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    values = dict(
        id=uuid.uuid4(),
        name="Lampe",
        description="",
        price=Decimal("10.00"),
        category="autre",
        tags=("bureau",),
        is_active=True,
        created_at=now,
        updated_at=now,
        created_by_id=7,
    )
    return ItemRecord(**{**values, **changes})


def make_items(count: int, **fields) -> list[ItemRecord]:
    """``count`` items made by ``make_item``."""
    return [make_item(**fields) for _ in range(count)]


# --- MongoDB for tests: a real server when MONGODB_URI is set, else mongomock in-process ----

MONGO_IN_PROCESS = not os.environ.get("MONGODB_URI")
NO_TEXT_SEARCH = (
    "mongomock has no $text operator (text index, textScore ranking); "
    "set MONGODB_URI to run this on a real MongoDB server"
)
NO_COLLATION = (
    "mongomock ignores collations (it compares names by code point, so accents and case "
    "count); set MONGODB_URI to run this on a real MongoDB server"
)
NO_JSON_SCHEMA = (
    "mongomock has no $jsonSchema collection validators; "
    "set MONGODB_URI to run this on a real MongoDB server"
)


def skip_without_text_search(backend: str = "mongodb") -> None:
    """Skip the calling test when its backend's engine cannot run ``$text`` searches."""
    if backend == "mongodb" and MONGO_IN_PROCESS:
        pytest.skip(NO_TEXT_SEARCH)


def skip_without_collation(backend: str = "mongodb") -> None:
    """Skip the calling test when its backend's engine ignores collations (accent-blind order)."""
    if backend == "mongodb" and MONGO_IN_PROCESS:
        pytest.skip(NO_COLLATION)


def _adapt_mongomock() -> None:
    """Close two gaps between mongomock 4.3 and pymongo 4.20 that the backend runs into, once.

    - MongoDB orders Decimal128 as a number; mongomock cannot order it at all, so ``$gt``,
      ``$lt`` and sorts on prices would fail. Comparisons now see the decimal value.
    - pymongo's ``ReplaceOne`` hands bulk builders a ``sort`` option (None unless asked for)
      that mongomock's builder does not accept. It is accepted when None, refused otherwise.
    """
    from mongomock import collection, filtering

    if getattr(filtering.bson_compare, "adapted", False):
        return
    compare, add_replace = filtering.bson_compare, collection.BulkOperationBuilder.add_replace

    def as_number(value):
        return value.to_decimal() if isinstance(value, Decimal128) else value

    def bson_compare(op, a, b, can_compare_types=True):
        return compare(op, as_number(a), as_number(b), can_compare_types)

    def add_replace_unsorted(self, selector, doc, upsert, sort=None, **options):
        if sort is not None:
            raise NotImplementedError("mongomock has no sort option on bulk replace")
        return add_replace(self, selector, doc, upsert, **options)

    bson_compare.adapted = True
    filtering.bson_compare = bson_compare
    collection.BulkOperationBuilder.add_replace = add_replace_unsorted


@cache
def _server_client(uri: str) -> MongoClient:
    return MongoClient(uri, uuidRepresentation="standard", tz_aware=True)


def mongo_test_collection():
    """An empty items collection with its schema: on MONGODB_URI's server, or in mongomock."""
    if MONGO_IN_PROCESS:
        import mongomock

        _adapt_mongomock()
        client = mongomock.MongoClient(tz_aware=True)
    else:
        client = _server_client(os.environ["MONGODB_URI"])
    collection = client[f"{mongo.DEFAULT_DATABASE}_test"][mongo.COLLECTION_NAME]
    collection.drop()
    collection.database[f"{collection.name}_history"].drop()
    mongo.MongoItemRepository(collection).install_schema()
    return collection


def mongo_test_repository() -> mongo.MongoItemRepository:
    """A ``MongoItemRepository`` on an empty test collection."""
    return mongo.MongoItemRepository(mongo_test_collection())


@contextmanager
def item_backend(name: str, *, settings, monkeypatch):
    """Point ``get_item_repository()`` at ``name``: the test repository for MongoDB."""
    settings.DB_TYPE = name
    if name == "mongodb":
        repository = mongo_test_repository()
        monkeypatch.setattr(
            mongo.MongoItemRepository, "from_settings", classmethod(lambda cls: repository)
        )
    repository_for.cache_clear()
    try:
        yield get_item_repository()
    finally:
        repository_for.cache_clear()
