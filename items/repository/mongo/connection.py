"""Where the MongoDB catalog lives: one client per process and URI, the schema installed once."""

from __future__ import annotations

from functools import cache

from pymongo import MongoClient
from pymongo.collection import Collection

from items.repository.mongo.schema import install_schema

COLLECTION_NAME = "items"
DEFAULT_DATABASE = "catalog"


@cache
def shared_collection(uri: str) -> Collection:
    """The items collection at ``uri``, schema installed: one client per process and URI.

    Made on first use, which in a server is start-up (``AppConfig.ready`` asks for the
    repository), so an unreachable server or a refused schema stops the start, not a request.
    """
    client: MongoClient = MongoClient(uri, uuidRepresentation="standard", tz_aware=True)
    collection = client.get_default_database(DEFAULT_DATABASE)[COLLECTION_NAME]
    install_schema(collection)
    return collection
