"""The MongoDB backend of the item repository, through pymongo (not djongo).

- ``repository``: ``MongoItemRepository``, composed of the families below, with the
  ``Maintenance`` capability (``ping``, ``install_schema``)
- ``reads``: pages, counts, one item, ``$text`` search and highlights
- ``discovery``: facet counts in one ``$facet`` aggregation, names suggested by collation range
- ``writes``: create, update, delete, bulk (de)activation, each announced at once
- ``bulk``: bulk inserts and whole-catalog transfer in id order
- ``history``: each write's version, in a collection of its own
- ``owners``: a deleted user's items become catalog-owned, as PostgreSQL's foreign key does
- ``documents``: records to documents and back; the filters' clauses and cursors as queries
- ``schema``: the ``$jsonSchema`` validator and the indexes
- ``search``: the ``$text`` query and the highlights MongoDB does not make
- ``connection``: one client per process and URI

Nothing outside this package imports its modules; these names are its public face.
"""

from items.repository.mongo.connection import COLLECTION_NAME, DEFAULT_DATABASE
from items.repository.mongo.repository import MongoItemRepository

__all__ = ["COLLECTION_NAME", "DEFAULT_DATABASE", "MongoItemRepository"]
