"""The PostgreSQL backend of the item repository; its one public name is the repository.

- ``repository``: ``PostgresItemRepository``, composed of the families below
- ``reads``: pages, counts, one item, ranked search, facets and suggestions
- ``writes``: create, update, delete, bulk (de)activation, each in one transaction
- ``bulk``: COPY loads in one transaction (staged, GIN indexes built once, when large),
  whole-catalog transfer in id order
- ``history``: the acting user handed to the history triggers, and the versions read back
- ``queries``: rows to records, the filters' clauses as querysets or SQL text, keyset cursors
- ``search``: French full-text search, ranked; a common word's name matches first
- ``corrections``: misspelt words replaced from the search vocabulary before searching
- ``facets``: facet counts from the facet cells when they can say, else from the rows;
  ``facet_cells``: the cells the database keeps by category, activity, price unit and tag
- ``suggestions``: names by a loose index scan, and vocabulary words, for a prefix
- ``receivers``: ORM saves and deletes turned into ``item_changed``
- ``replicas``: the read replicas: the router, WAL positions, replay and lag probes, promoted
  replicas told apart
- ``replica_reads``: where a read needing a position goes (a replica past it, one the change
  log clears, one that catches up within the wait, else the primary), and the
  ``ReadPositions`` capability
- ``checks``: the system check that warns when an index the migrations define is missing

Nothing outside this package imports its modules: importing the package connects the ORM
receivers and registers the check (``items.repository.connect`` does), and hands out
``PostgresItemRepository``. The database router (``replicas.ReplicaRouter``) is named by the
settings, by its dotted path.
"""

from items.repository.postgres import (
    checks,  # noqa: F401  (registers the index check)
    receivers,  # noqa: F401  (connects the ORM signals)
)
from items.repository.postgres.repository import PostgresItemRepository

__all__ = ["PostgresItemRepository"]
