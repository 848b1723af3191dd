"""What the MongoDB backend adds to the contract: storage shape, signals, schema, wiring.

Runs on mongomock, or on a real server when MONGODB_URI is set; tests of what mongomock lacks
(``$jsonSchema`` validators, text index options) skip there, naming the feature.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import mongomock
import pytest
from bson.binary import UUID_SUBTYPE, Binary
from bson.decimal128 import Decimal128
from django.core.management import call_command
from pymongo.errors import WriteError

from items.records import InvalidItem, ItemData, ItemFilter
from items.repository import mongo
from items.repository.mongo import connection as mongo_connection
from items.repository.mongo import writes as mongo_writes
from items.repository.mongo.documents import bson_id, document_of
from items.repository.mongo.schema import INDEX_NAMES, TEXT_LANGUAGE, TEXT_WEIGHTS
from items.signals import item_changed
from tests.support.factories import MONGO_IN_PROCESS, NO_JSON_SCHEMA, item_backend

pytestmark = pytest.mark.django_db

SAMPLE = ItemData(name="Lampe", price=Decimal("12.5"), category="autre", tags=("bureau",))


@pytest.fixture
def repository(settings, monkeypatch):
    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch) as repository:
        yield repository


def raw(repository, item_id):
    return repository.collection.find_one({"_id": bson_id(item_id)})


def test_documents_hold_a_bson_uuid_decimal128_and_millisecond_dates(repository, user):
    record = repository.create(SAMPLE, created_by_id=user.pk)
    document = raw(repository, record.id)
    stored_id = document["_id"]
    # A client with uuidRepresentation="standard" decodes subtype 4 itself; mongomock does not.
    assert stored_id == record.id or (
        isinstance(stored_id, Binary) and stored_id.subtype == UUID_SUBTYPE
    )
    assert uuid.UUID(str(record.id)).version == 7
    assert document["price"] == Decimal128("12.50") and record.price == Decimal("12.50")
    assert document["tags"] == ["bureau"] and document["created_by_id"] == user.pk
    assert record.created_at.microsecond % 1000 == 0
    assert record.created_at.tzinfo is not None and record.created_at.utcoffset() == timedelta(0)
    assert repository.find_by_id(record.id) == record


def test_updated_at_moves_even_within_one_millisecond(repository, monkeypatch):
    frozen = datetime(2030, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    monkeypatch.setattr(mongo_writes, "now_millisecond", lambda: frozen)
    created = repository.create(SAMPLE)
    changed = repository.update(created.id, {"name": "Lampe verte"})
    again = repository.update(created.id, {})
    assert created.updated_at == frozen
    assert changed.updated_at == frozen + timedelta(milliseconds=1)
    assert again.updated_at == frozen + timedelta(milliseconds=2)
    assert again.created_at == frozen


def test_created_bounds_finer_than_a_millisecond_stay_exact(repository):
    stamp = repository.create(SAMPLE).created_at
    just_after = stamp + timedelta(microseconds=1)
    assert repository.count(ItemFilter(created_after=stamp)) == 1
    assert repository.count(ItemFilter(created_after=just_after)) == 0
    assert repository.count(ItemFilter(created_before=just_after)) == 1
    assert repository.count(ItemFilter(created_before=stamp)) == 0


def test_price_bounds_finer_than_a_cent_are_not_rounded(repository):
    for price in ["29.99", "30.00"]:
        repository.create(replace(SAMPLE, price=Decimal(price)))
    assert repository.count(ItemFilter(max_price=Decimal("29.995"))) == 1
    assert repository.count(ItemFilter(min_price=Decimal("29.995"))) == 1
    assert repository.count(ItemFilter(min_price=Decimal("29.99"))) == 2


def test_highlights_mark_searched_words_and_escape_html(repository):
    item = repository.create(
        ItemData("Veilleuse R&D", Decimal("20"), "autre", "<script>alert(1)</script> Écrans doux")
    )
    snippet = repository.search_highlights("veilleuse ecran -doux", [item.id])[item.id]
    assert snippet.startswith("<mark>Veilleuse</mark> R&amp;D — ")
    assert "<mark>Écrans</mark> doux" in snippet  # accents, case and plural forgiven
    assert "<script>" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert repository.search_highlights("veilleuse", [uuid.uuid4()]) == {}


def test_every_write_announces_item_changed_from_mongodb(
    repository, django_capture_on_commit_callbacks
):
    heard = []

    def listen(sender, item_ids, source, **kwargs):
        heard.append((set(item_ids), source))

    item_changed.connect(listen, dispatch_uid="test-mongo-writes")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            item = repository.create(SAMPLE)
            repository.update(item.id, {"price": Decimal("13.00")})
            repository.set_active(ids=[item.id], is_active=False)
            repository.set_active(ids=[item.id], is_active=False)  # no change: no signal
            repository.delete(item.id)
            repository.delete(item.id)  # nothing left: no signal
            repository.update(item.id, {"price": Decimal("1.00")})  # unknown: no signal
            repository.create_many([SAMPLE, SAMPLE])
    finally:
        item_changed.disconnect(dispatch_uid="test-mongo-writes")
    assert heard[:4] == [({item.id}, "mongodb")] * 4
    seeded = {record.id for record in repository.find_all(limit=10)}
    assert heard[4:] == [(seeded, "mongodb")] and len(seeded) == 2


def test_writes_that_fail_validation_store_nothing(repository):
    for bad in [{"is_active": "yes"}, {"tags": "abc"}, {"name": 7}]:
        with pytest.raises(InvalidItem) as caught:
            repository.create(replace(SAMPLE, **bad))
        assert set(bad) <= set(caught.value.errors)
    assert repository.count() == 0


@pytest.mark.skipif(MONGO_IN_PROCESS, reason=NO_JSON_SCHEMA)
@pytest.mark.parametrize(
    "change",
    [
        {"price": Decimal128("-1.00")},
        {"price": 12.5},
        {"category": "jouet"},
        {"name": ""},
        {"name": "n" * 101},
        {"description": "d" * 501},
        {"tags": [f"t{i}" for i in range(21)]},
        {"tags": ["x" * 51]},
        {"tags": ["a", "a"]},
        {"is_active": "yes"},
        {"created_at": "2030-01-01"},
        {"surprise": 1},
    ],
)
def test_the_collection_validator_refuses_what_postgres_would(repository, change):
    good = document_of(repository.create(SAMPLE))
    good["_id"] = bson_id(uuid.uuid4())
    with pytest.raises(WriteError):
        repository.collection.insert_one({**good, **change})
    repository.collection.insert_one(good)  # the same document, unchanged, is accepted


def test_mongo_indexes_command_creates_every_index_idempotently(repository):
    repository.collection.drop_indexes()
    for _ in range(2):
        out = StringIO()
        call_command("mongo_indexes", stdout=out)
    names = set(repository.collection.index_information())
    assert set(INDEX_NAMES) <= names
    assert f"indexes: {', '.join(INDEX_NAMES)}" in out.getvalue()
    expected = "skipped" if MONGO_IN_PROCESS else "installed"
    assert expected in out.getvalue().splitlines()[0]
    keys = {n: list(i["key"]) for n, i in repository.collection.index_information().items()}
    assert keys["item_created_id"] == [("created_at", 1), ("_id", 1)]
    assert keys["item_category_active"] == [("category", 1), ("is_active", 1)]


@pytest.mark.skipif(
    MONGO_IN_PROCESS, reason="mongomock keeps no $text index options (weights, language)"
)
def test_text_index_weighs_name_over_description_over_tags(repository):
    text = repository.collection.index_information()["item_text"]
    assert text["weights"] == TEXT_WEIGHTS
    assert text["default_language"] == TEXT_LANGUAGE
    assert TEXT_WEIGHTS["name"] > TEXT_WEIGHTS["description"] > TEXT_WEIGHTS["tags"]


def test_from_settings_shares_one_client_and_installs_the_schema_once(settings, monkeypatch):
    made = []

    def client(uri, **options):
        made.append(options)
        return mongomock.MongoClient(uri, tz_aware=options["tz_aware"])

    monkeypatch.setattr(mongo_connection, "MongoClient", client)
    settings.MONGODB_URI = "mongodb://catalog.invalid:27017/shop"
    mongo_connection.shared_collection.cache_clear()
    try:
        first, second = (
            mongo.MongoItemRepository.from_settings(),
            mongo.MongoItemRepository.from_settings(),
        )
    finally:
        mongo_connection.shared_collection.cache_clear()
    assert first.collection is second.collection
    assert made == [{"uuidRepresentation": "standard", "tz_aware": True}]
    assert first.collection.full_name == "shop.items"
    assert set(INDEX_NAMES) <= set(first.collection.index_information())
