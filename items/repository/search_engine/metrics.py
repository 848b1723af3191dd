"""The engine's figures in ``/metrics``: who answered, why SQL did, and how far the index is.

Counters and gauges of ``prometheus_client``, registered once per process; ``/metrics``
collects them with every other metric (added up over gunicorn's workers under
``PROMETHEUS_MULTIPROC_DIR``). A leaf: it imports nothing of the project.

- ``catalog_search_engine_answers_total{kind}``: searches (``page``, ``count``) and facet
  counts (``facets``) the engine answered;
- ``catalog_search_fallbacks_total{kind, reason}``: those answered by SQL instead, and why:
  ``stale`` (the index had not applied a change the read could see, even after waiting),
  ``unavailable`` (no index yet, or its directory gone), ``damaged``, ``query`` or ``filter``
  (something the engine does not translate), ``disagreement`` (a row of the page the database
  did not confirm), ``error``;
- ``catalog_search_index_lag_seconds``: how old the oldest change the indexer has not yet
  applied is (0 when it has applied everything);
- ``catalog_search_index_applied_xmin``: the transaction id below which the index holds
  everything (the ``xmin`` of the snapshot it last published);
- ``catalog_search_index_builds_total{reason}``: whole rebuilds, and why.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ENGINE_ANSWERS = Counter(
    "catalog_search_engine_answers_total",
    "Searches and facet counts the search engine answered",
    ["kind"],
)
FALLBACKS = Counter(
    "catalog_search_fallbacks_total",
    "Searches and facet counts answered by SQL instead of the search engine, by reason",
    ["kind", "reason"],
)
INDEX_LAG = Gauge(
    "catalog_search_index_lag_seconds",
    "Age of the oldest change the search index has not applied yet",
    multiprocess_mode="livemax",
)
APPLIED_XMIN = Gauge(
    "catalog_search_index_applied_xmin",
    "Transaction id below which the search index holds every change",
    multiprocess_mode="livemax",
)
BUILDS = Counter(
    "catalog_search_index_builds_total",
    "Whole rebuilds of the search index, by reason",
    ["reason"],
)


def answered(kind: str) -> None:
    ENGINE_ANSWERS.labels(kind=kind).inc()


def fell_back(kind: str, reason: str) -> None:
    FALLBACKS.labels(kind=kind, reason=reason).inc()
