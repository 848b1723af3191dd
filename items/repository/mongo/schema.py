"""The MongoDB items collection's schema: a ``$jsonSchema`` validator and the indexes.

The validator mirrors the PostgreSQL column types and CHECK constraints, built from the same
``items.domain`` constants, so a document written around the repository is refused too. The
indexes serve the repository's filters, orderings and ranked text search. ``install_schema`` is
idempotent: ``manage.py mongo_indexes`` runs it, and so does each process's first use of the
backend.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, TEXT, IndexModel
from pymongo.collection import Collection
from pymongo.errors import CollectionInvalid

from items import domain
from items.records import WRITABLE_FIELDS
from items.repository.mongo.history import install_history_index

_CENT = Decimal(1).scaleb(-domain.PRICE_DECIMAL_PLACES)
_PRICE_MAX = Decimal(10) ** (domain.PRICE_MAX_DIGITS - domain.PRICE_DECIMAL_PLACES) - _CENT
_DATE = {"bsonType": "date"}

ITEM_VALIDATOR = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", *WRITABLE_FIELDS, "created_at", "updated_at"],
        "additionalProperties": False,
        "properties": {
            "_id": {"bsonType": "binData"},
            "name": {"bsonType": "string", "minLength": 1, "maxLength": domain.NAME_MAX_LENGTH},
            "description": {"bsonType": "string", "maxLength": domain.DESCRIPTION_MAX_LENGTH},
            "price": {
                "bsonType": "decimal",
                "minimum": Decimal128(domain.PRICE_MIN),
                "maximum": Decimal128(_PRICE_MAX),
            },
            "category": {"enum": list(domain.Category.values)},
            "tags": {
                "bsonType": "array",
                "maxItems": domain.TAGS_MAX_COUNT,
                "uniqueItems": True,
                "items": {"bsonType": "string", "minLength": 1, "maxLength": domain.TAG_MAX_LENGTH},
            },
            "is_active": {"bsonType": "bool"},
            "created_at": _DATE,
            "updated_at": _DATE,
            "created_by_id": {"bsonType": ["int", "long", "null"]},
        },
    }
}

# Weights in the ratio of PostgreSQL's ts_rank A/B/C (1.0, 0.4, 0.2): name > description > tags.
TEXT_WEIGHTS = {"name": 10, "description": 4, "tags": 2}
TEXT_LANGUAGE = "french"
# Names compared as suggestions compare them: accents and case aside (ICU strength 1).
NAME_COLLATION = {"locale": "fr", "strength": 1}

ITEM_INDEXES = [
    IndexModel(
        [(field, TEXT) for field in TEXT_WEIGHTS],
        name="item_text",
        weights=TEXT_WEIGHTS,
        default_language=TEXT_LANGUAGE,
    ),
    IndexModel([("category", ASCENDING), ("is_active", ASCENDING)], name="item_category_active"),
    # A category's visible items in list order (as PostgreSQL's item_category_*_idx).
    IndexModel(
        [(name, ASCENDING) for name in ("category", "is_active", "created_at", "_id")],
        name="item_category_created",
    ),
    IndexModel(
        [(name, ASCENDING) for name in ("category", "is_active", "price", "_id")],
        name="item_category_price",
    ),
    IndexModel([("price", ASCENDING)], name="item_price"),
    IndexModel([("tags", ASCENDING)], name="item_tags"),
    IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name="item_created_id"),
    IndexModel([("name", ASCENDING)], name="item_name_prefix", collation=NAME_COLLATION),
    # An owner's items: their own hidden ones in lists, and what a user's deletion releases.
    IndexModel([("created_by_id", ASCENDING)], name="item_created_by"),
]
INDEX_NAMES = tuple(index.document["name"] for index in ITEM_INDEXES)


def install_validator(collection: Collection) -> bool:
    """Create the collection with the validator, or set it on the existing one.

    Returns False when the engine has no ``$jsonSchema`` validators (in-process test engines
    such as mongomock raise ``NotImplementedError``; a real server never does).
    """
    database = collection.database
    options: dict[str, Any] = {
        "validator": ITEM_VALIDATOR,
        "validationLevel": "strict",
        "validationAction": "error",
    }
    try:
        try:
            database.create_collection(collection.name, **options)
        except CollectionInvalid:  # it exists: update its validator in place
            database.command({"collMod": collection.name, **options})
    except NotImplementedError:
        return False
    return True


def install_indexes(collection: Collection) -> list[str]:
    """Create the indexes the repository relies on; existing ones are left as they are."""
    return collection.create_indexes(ITEM_INDEXES)


def install_schema(collection: Collection) -> list[str]:
    """Validator and indexes; returns one line per step, for the operator."""
    validated = install_validator(collection)
    names = install_indexes(collection)
    history_index = install_history_index(collection)
    return [
        "validator: $jsonSchema installed"
        if validated
        else "validator: not supported by this engine (no $jsonSchema), skipped",
        f"indexes: {', '.join(names)}",
        f"history index: {history_index}",
    ]
