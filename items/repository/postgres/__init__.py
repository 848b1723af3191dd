"""The PostgreSQL backend of the item repository; its one public name is the repository.

- ``repository``: ``PostgresItemRepository``, composed of the three families below
- ``reads``: pages, counts, one item, ranked search
- ``writes``: create, update, delete, bulk (de)activation, each in one transaction
- ``bulk``: COPY loads in one transaction (staged, GIN indexes built once, when large),
  whole-catalog transfer in id order
- ``history``: the acting user handed to the history triggers, and the versions read back
- ``queries``: rows to records, filters to querysets, keyset cursors
- ``search``: French full-text search with a trigram fallback for typos, highlights
- ``receivers``: ORM saves and deletes turned into ``item_changed``
- ``replicas``: the read replicas: the router, WAL positions, replay and lag probes
- ``checks``: the system check that warns when an index the migrations define is missing

Nothing outside this package imports its modules: importing the package connects the ORM
receivers and registers the check (``ItemsConfig.ready`` does), and hands out
``PostgresItemRepository``, and the replicas' few entry points (through ``items.repository``).
"""

from items.repository.postgres import (
    checks,  # noqa: F401  (registers the index check)
    receivers,  # noqa: F401  (connects the ORM signals)
)
from items.repository.postgres.replicas import (
    commit_position,
    format_position,
    parse_position,
    read_at,
    reading_at,
    replica_aliases,
    replica_report,
)
from items.repository.postgres.repository import PostgresItemRepository

__all__ = [
    "PostgresItemRepository",
    "commit_position",
    "format_position",
    "parse_position",
    "read_at",
    "reading_at",
    "replica_aliases",
    "replica_report",
]
