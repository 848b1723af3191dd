"""``PostgresItemRepository``: the item repository on PostgreSQL, through the ORM.

Composed of its action families, as DRF composes viewsets from mixins: reads (``reads``),
single-item writes (``writes``), and bulk loads and whole-catalog transfer (``bulk``).
"""

from __future__ import annotations

from items.repository.postgres.bulk import PostgresBulkStore
from items.repository.postgres.reads import PostgresItemReads
from items.repository.postgres.writes import PostgresItemWrites


class PostgresItemRepository(PostgresItemReads, PostgresItemWrites, PostgresBulkStore):
    """Items in PostgreSQL via the Django ORM."""
