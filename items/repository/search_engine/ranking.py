"""The ranked window: best first, ties by (created_at, id) whatever the index's layout.

Tantivy's top hits break ties by each document's place in the index (segment, then document
number). A build writes every item into one segment in (created_at, id) order (``building``),
so there, and as long as that segment holds the items it was built with, Tantivy's own order is
the one wanted: the window of those *build* documents is one search. Documents written since
(``delta``: changed or new items, in small segments of their own) are few; their window is
found the long way (``_anywhere``): hits fetched until the last one fetched ranks below the
window's end, so that every document that may belong in it is in hand, then ordered here.
The two windows are merged. An index whose build did not fit one segment (``Made.ordered``
false) is searched the long way altogether. Unranked matches (a query of exclusions only) go
by creation time throughout.
"""

from __future__ import annotations

import heapq
import uuid

import tantivy
from tantivy import Occur, Order, Query

from items.repository.search_engine.documents import item_id
from items.repository.search_engine.reader import View

Key = tuple[float, int, int, int]  # (-score or 0, created_at, id's high and low halves)


def _keys(searcher: tantivy.Searcher, hits: list, ranked: bool) -> list[Key]:
    addresses = [address for _, address in hits]
    return list(
        zip(
            (-score if ranked else 0 for score, _ in hits),
            searcher.fast_field_values("created_at", addresses),
            searcher.fast_field_values("id_high", addresses),
            searcher.fast_field_values("id_low", addresses),
            strict=True,
        )
    )


def _order(ranked: bool) -> dict:
    return {} if ranked else {"order_by_field": "created_at", "order": Order.Asc}


def _anywhere(
    searcher: tantivy.Searcher, query: Query, want: int, ranked: bool
) -> tuple[list[Key], int]:
    """The first ``want`` keys of ``query``'s matches, wherever they are, and the total."""
    fetch, total = want + 8, None
    while True:
        result = searcher.search(query, limit=fetch, count=total is None, **_order(ranked))
        total = result.count if total is None else total
        hits = result.hits
        if len(hits) < fetch or hits[want - 1][0] != hits[-1][0]:
            break
        fetch *= 8
    if len(hits) > want:  # only what ranks with the window's last item or above
        edge = hits[want - 1][0]
        hits = [hit for hit in hits if (hit[0] >= edge if ranked else hit[0] <= edge)]
    return heapq.nsmallest(want, _keys(searcher, hits, ranked)), total


def window(
    view: View, query: Query, limit: int, offset: int, *, ranked: bool
) -> tuple[list[uuid.UUID], int]:
    """The ids of a window of ``query``'s matches (``ranked``: best first; else all rank
    alike), ties by creation time, then id; and how many match in all."""
    searcher, want = view.searcher, offset + limit
    if want == 0:
        return [], searcher.search(query, limit=1, count=True).count
    if not view.made.ordered:
        best, total = _anywhere(searcher, query, want, ranked)
    else:
        delta = view.compiler.delta()
        built = searcher.search(
            Query.boolean_query([(Occur.Must, query), (Occur.MustNot, delta)]),
            limit=want,
            count=True,
            **_order(ranked),
        )
        best, total = _keys(searcher, built.hits, ranked), built.count
        if view.deltas:
            changed = Query.boolean_query([(Occur.Must, query), (Occur.Must, delta)])
            more, counted = _anywhere(searcher, changed, want, ranked)
            best, total = heapq.nsmallest(want, best + more), total + counted
    return [item_id(high, low) for _, _, high, low in best[offset:]], total
