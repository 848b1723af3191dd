"""``PostgresItemRepository``: the item repository on PostgreSQL, through the ORM.

Composed of its action families, as DRF composes viewsets from mixins: reads (``reads``),
single-item writes (``writes``), bulk loads and whole-catalog transfer (``bulk``), the
change history's reads (``history``), and the read replicas' positions (``replicas``: the
optional ``ReadPositions`` capability).
"""

from __future__ import annotations

from items.repository.postgres.bulk import PostgresBulkStore
from items.repository.postgres.history import PostgresItemHistory
from items.repository.postgres.reads import PostgresItemReads
from items.repository.postgres.replica_reads import PostgresReadPositions
from items.repository.postgres.writes import PostgresItemWrites


class PostgresItemRepository(
    PostgresItemReads,
    PostgresItemWrites,
    PostgresBulkStore,
    PostgresItemHistory,
    PostgresReadPositions,
):
    """Items in PostgreSQL via the Django ORM."""
