"""Item ids: time-ordered UUIDs (version 7), index-friendly and shared by every backend."""

import uuid

import uuid6


def new_item_id() -> uuid.UUID:
    """A new UUIDv7: random, yet increasing with creation time."""
    return uuid.UUID(int=uuid6.uuid7().int)
