"""Adding a field: every place that must list the item record's fields lists them all.

ARCHITECTURE.md's "Adding a field" is the checklist; this test is its guard. Each place below
says which record fields it lists (read from the place itself: the serializers, the MongoDB
mapping and validator, the database's history and search triggers, the import/export
resource, the bulk load) and which it leaves out on purpose, with why. A field added to
``ItemRecord`` fails here until each place lists it or says why not.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from items.admin.resources import ItemResource
from items.api.serializers import ItemInputSerializer, ItemSerializer
from items.records import RECORD_FIELDS
from items.repository.mongo import documents, schema
from items.repository.postgres import bulk
from items.repository.search_engine.documents import COLUMNS as documents_engine
from tests.support.factories import a_record

RECORD = set(RECORD_FIELDS)
# Kept by the system, never written by a client or an import.
SYSTEM_KEPT = {"id", "created_at", "updated_at", "created_by_id"}
# Not text: full-text search reads none of these.
NOT_TEXT = {"id", "price", "category", "is_active", "created_at", "updated_at", "created_by_id"}
# The API and the files name the owner ``created_by``; the record, its id.
RENAMED = {"created_by": "created_by_id", "_id": "id"}


def _as_record_fields(names) -> set[str]:
    return {RENAMED.get(name, name) for name in names}


def _function_source(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [name])
        return cursor.fetchone()[0]


def _columns_named(source: str) -> set[str]:
    return {field for field in RECORD if re.search(rf"\b{field}\b", source)}


# Each place: how to read the record fields it lists, and those it leaves out on purpose.
PLACES = {
    "API output (ItemSerializer)": (
        lambda: {field.source for field in ItemSerializer().fields.values()},
        set(),
    ),
    "API input (ItemInputSerializer)": (lambda: set(ItemInputSerializer().fields), SYSTEM_KEPT),
    "MongoDB document (documents.document_of)": (
        lambda: _as_record_fields(documents.document_of(a_record())),
        set(),
    ),
    "MongoDB validator (schema.ITEM_VALIDATOR)": (
        lambda: _as_record_fields(schema.ITEM_VALIDATOR["$jsonSchema"]["properties"]),
        set(),
    ),
    "MongoDB text index (schema.TEXT_WEIGHTS)": (lambda: set(schema.TEXT_WEIGHTS), NOT_TEXT),
    "import and export (ItemResource)": (
        lambda: _as_record_fields(ItemResource.Meta.fields),
        set(),
    ),
    "bulk load (postgres.bulk's COPY)": (lambda: set(bulk._COPY_COLUMNS), set()),
    # The engine reads the text through the stored search document, and filters the rest.
    "search engine document (search_engine.documents.COLUMNS)": (
        lambda: {field for field in RECORD if re.search(rf"\b{field}\b", documents_engine)},
        {"name", "description", "updated_at"},
    ),
}
# Places the database itself holds (its triggers), read from the test database.
DATABASE_PLACES = {
    "change history (trigger items_item_history)": ("items_item_history", set()),
    "search document (trigger item_search_fields)": ("public.item_search_fields", NOT_TEXT),
}


@pytest.mark.parametrize("place", PLACES)
def test_each_place_lists_every_field_of_the_record(place):
    listed, left_out = PLACES[place]
    assert RECORD - left_out <= listed(), place
    assert not (left_out & listed()), f"{place} lists what it says it leaves out"


@pytest.mark.django_db
@pytest.mark.parametrize("place", DATABASE_PLACES)
def test_each_trigger_reads_every_field_of_the_record(place):
    function, left_out = DATABASE_PLACES[place]
    assert RECORD - left_out <= _columns_named(_function_source(function)), place


def test_a_field_missing_from_a_place_fails_here():
    listed, left_out = PLACES["API input (ItemInputSerializer)"]
    assert not (RECORD | {"colour"}) - left_out <= listed()
