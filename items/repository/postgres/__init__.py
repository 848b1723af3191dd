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
``PostgresItemRepository``, whose read positions are its ``ReadPositions`` capability. The
database router (``replicas.ReplicaRouter``) is named by the settings, by its dotted path.
"""

from items.repository.postgres import (
    checks,  # noqa: F401  (registers the index check)
    receivers,  # noqa: F401  (connects the ORM signals)
)
from items.repository.postgres.repository import PostgresItemRepository

__all__ = ["PostgresItemRepository"]
