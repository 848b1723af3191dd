"""Search on PostgreSQL: ranked French full-text search, misspelt words corrected first.

The stored ``search_document`` (name A, description B, tags C, French stemming, accents
ignored) answers web-search syntax: words (all of them), "exact phrase", -exclude, or. Before
searching, unknown words are corrected against the catalog's vocabulary (``corrections``); the
corrected query then runs through the same full-text index as any other, so exclusions,
phrases, alternatives and filters apply to it unchanged, and highlights mark its words.

A one-word query that many items hold is answered from the items holding it in their name
first (``names_first``): they outrank every other match, so when there are enough of them the
window is theirs, found without ranking (or counting) every match.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Concat

from items.conditions import sees_hidden
from items.models import Item, NameTerms
from items.records import ItemFilter
from items.repository.highlights import MARK_START, MARK_STOP, marked_html
from items.repository.postgres import corrections
from items.repository.postgres.queries import filtered

CONFIG = corrections.CONFIG
# A word that at least this many active items hold (the search vocabulary's count) is
# searched through its name matches first (``names_first``).
COMMON_WORD_ITEMS = 10_000


def correction(text: str, filter: ItemFilter) -> str | None:
    """``text`` as it will be searched for ``filter``'s viewer, when corrected; else None."""
    viewer = filter.viewer
    hidden_visible = filtered(ItemFilter(viewer=viewer)) if sees_hidden(viewer) else None
    return corrections.corrected(text, hidden_visible=hidden_visible)


def searched(text: str, filter: ItemFilter) -> str:
    """The query that runs: ``text`` corrected, or ``text`` itself."""
    return correction(text, filter) or text


def matching(items: QuerySet, text: str) -> QuerySet:
    """``items`` that match ``text`` (as given: no correction), best first, ``id`` last."""
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    return (
        items.filter(search_document=query)
        .annotate(rank=SearchRank(F("search_document"), query))
        .order_by("-rank", "id")
    )


def ranked_window(
    items: QuerySet, text: str, limit: int, offset: int
) -> tuple[list[uuid.UUID], int | None]:
    """The ids of one window of ``matching(items, text)``, and how many match in all.

    Ranking visits every match anyway, so the total is counted in the same pass (a window
    count over ids and ranks only, which stays in memory); None when the window is empty.
    """
    if limit <= 0:
        return [], None
    # Ranked first, behind a fence (OFFSET 0), so the count's window holds ids and ranks: left
    # to itself the planner ranks after the window, which then holds every match's document.
    ranks = matching(items, text).order_by().values("id", "rank")
    try:
        sql, params = ranks.query.sql_with_params()
    except EmptyResultSet:  # a filter nothing can pass (the ORM would answer without a query)
        return [], None
    with connections[ranks.db].cursor() as cursor:
        cursor.execute(
            f"SELECT id, count(*) OVER () FROM ({sql} OFFSET 0) AS ranked "
            "ORDER BY rank DESC, id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
    return [item_id for item_id, _ in rows], (rows[0][1] if rows else None)


# For a query of one word (no operator, exclusion or phrase of several words): how many active
# items hold the word, in its most common spelling (the vocabulary's words of that lexeme, each
# counted by the database as items change); no row, or NULL, otherwise.
_WORD_ITEMS_SQL = """
SELECT (
    SELECT pg_catalog.max(v.items) FROM public.items_search_vocabulary AS v
    WHERE v.stem = pg_catalog.btrim(q.q::text, '''')
)
FROM (SELECT pg_catalog.websearch_to_tsquery(%s::regconfig, %s) AS q) AS q
WHERE pg_catalog.numnode(q.q) = 1
"""


def _word_items(alias: str, text: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(_WORD_ITEMS_SQL, [CONFIG, text])
        row = cursor.fetchone()
    return (row[0] or 0) if row else 0


def names_first(
    items: QuerySet, text: str, limit: int, offset: int
) -> tuple[list[uuid.UUID], int] | None:
    """The ids of ``ranked_window(items, text, limit, offset)``'s window, found among the items
    holding the query's word in their name, and how many items match at least; None when that
    cannot be shown to be the window (``text`` is not one word that ``COMMON_WORD_ITEMS``
    active items hold, or fewer items than the window's end hold it in their name).

    Why the name matches come first: for a query of one word, ``ts_rank`` (its default weights
    A 1.0, B 0.4, C 0.2, D 0.1) sums the weights of the word's positions in the item, the j-th
    divided by j², the heaviest counted whole, over 1.645 (the sum of 1/j²). An item holding
    the word in its name (A) ranks at least 1.0 / 1.645 = 0.61; one holding it only in its
    description or tags (B, C) at most (0.4 + 0.2 * 1.25 + 0.4 * 0.28) / 1.645 = 0.46, however
    many times. The order within the name matches is the same order (rank, then id), so their
    first ``offset + limit`` are the ranking's.

    How many match, at least: the active items holding the word in one spelling, as the search
    vocabulary counts them; ``items`` (the viewer's visible items: the active ones, and more)
    hold at least those.
    """
    if limit <= 0 or len(corrections.WORD.findall(text)) != 1:
        return None
    at_least = _word_items(items.db, text)
    if at_least < COMMON_WORD_ITEMS:
        return None
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    window = list(
        items.annotate(name_terms=NameTerms("search_document"))
        .filter(name_terms=query)
        .annotate(rank=SearchRank(F("search_document"), query))
        .order_by("-rank", "id")
        .values_list("id", flat=True)[offset : offset + limit]
    )
    return (window, at_least) if len(window) == limit else None


def count(items: QuerySet, text: str) -> int:
    """How many ``items`` match ``text`` (as given: no correction)."""
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    return items.filter(search_document=query).count()


def highlights(text: str, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """For each item, a snippet of its name and description with the matched words in <mark>.

    ``text`` is the query as searched (corrected). The snippet is HTML-escaped and well-formed,
    so it is safe to insert as HTML.
    """
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    # The item's own text loses the marker characters, so only the headline's marks remain.
    document = Func(
        Concat("name", Value(" — "), "description"),
        Value(MARK_START + MARK_STOP),
        Value(""),
        function="translate",
        output_field=TextField(),
    )
    snippets = Item.objects.filter(pk__in=item_ids).annotate(
        snippet=SearchHeadline(
            document,
            query,
            config=CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
    )
    return {
        item_id: marked_html(snippet) for item_id, snippet in snippets.values_list("id", "snippet")
    }
