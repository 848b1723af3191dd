"""The search engine: Tantivy, embedded, fed by PostgreSQL, never stale.

PostgreSQL stays the source of truth. Its triggers record every change to an item in a change
table with the writing transaction's id; an indexer per index directory applies them to a
Tantivy index, a batch per snapshot; a search is answered by the engine only when the index
holds every change the search's own snapshot can see (else it waits briefly, then runs SQL),
and the page's rows are read back from PostgreSQL with visibility applied. Words mean what
PostgreSQL says they mean: the index holds its lexemes and the query is its parse.

- ``answers``: the face the PostgreSQL backend calls: a window, a count, facets, or None
- ``searching``: freshness for a read, and rows confirmed by PostgreSQL
- ``ranking``: the ranked window, ties by creation then id, whatever the index's layout
- ``facets``: disjunctive facet counts as aggregations
- ``compiler``: PostgreSQL's parse and ``items.conditions`` clauses into Tantivy queries
- ``tsquery``: the text of a ``tsquery`` read into a tree
- ``documents``: the index's schema, and a row made into a document
- ``changes``: the change table's SQL: what an index lacks, freshness, publishing, pruning
- ``building``: a whole generation from one snapshot, or a batch of changes, each one commit
- ``indexer``: keeps a directory's current generation following the change table
- ``election``: which process indexes a directory, and the background thread that does it
- ``storage``: a directory's generations, the current one, and their files proved whole
- ``reader``: this process's searcher and the snapshot its commit was made from
- ``metrics``: engine answers, fallbacks by reason, lag, applied position, rebuilds
- ``status``: what ``search_index status`` reports of a directory and its indexers

The face is small: ``window``, ``count`` and ``facets`` (each None when SQL must answer),
``serve_indexer`` for serving processes, and ``Indexer``/``Election``/``Storage`` for the
``search_index`` command.
"""

from __future__ import annotations

import threading

from django.conf import settings

from items.repository.search_engine.answers import count, enabled, facets, warm_reader, window
from items.repository.search_engine.election import Election, IndexerThread, start_thread
from items.repository.search_engine.indexer import Indexer
from items.repository.search_engine.storage import Storage


def serve_indexer() -> IndexerThread | None:
    """In a serving process: open the index in the background (its files are checked once, so
    the first search need not), and run the indexer of ``SEARCH_INDEX_DIR`` there too (the
    one elected among the processes sharing it indexes), when the engine and it are on."""
    if not (enabled() and settings.DB_TYPE == "postgres"):
        return None
    threading.Thread(target=warm_reader, name="search-reader-warm-up", daemon=True).start()
    if not settings.SEARCH_INDEXER:
        return None
    return start_thread(settings.SEARCH_INDEX_DIR)


__all__ = [
    "Election",
    "Indexer",
    "IndexerThread",
    "Storage",
    "count",
    "enabled",
    "facets",
    "serve_indexer",
    "window",
]
