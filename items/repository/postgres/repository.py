"""``PostgresItemRepository``: the item repository on PostgreSQL, through the ORM.

Composed of its action families, as DRF composes viewsets from mixins: reads (``reads``),
single-item writes (``writes``), bulk loads and whole-catalog transfer (``bulk``), and the
change history's reads (``history``).
"""

from __future__ import annotations

from items.repository.postgres.bulk import PostgresBulkStore
from items.repository.postgres.history import PostgresItemHistory
from items.repository.postgres.reads import PostgresItemReads
from items.repository.postgres.writes import PostgresItemWrites


class PostgresItemRepository(
    PostgresItemReads, PostgresItemWrites, PostgresBulkStore, PostgresItemHistory
):
    """Items in PostgreSQL via the Django ORM."""
