"""Search on PostgreSQL: ranked French full-text search, misspelt words corrected first.

The stored ``search_document`` (name A, description B, tags C, French stemming, accents
ignored) answers web-search syntax: words (all of them), "exact phrase", -exclude, or. Before
searching, unknown words are corrected against the catalog's vocabulary (``corrections``); the
corrected query then runs through the same full-text index as any other, so exclusions,
phrases, alternatives and filters apply to it unchanged, and highlights mark its words.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Concat

from items.models import Item
from items.records import ItemFilter
from items.repository.highlights import MARK_START, MARK_STOP, marked_html
from items.repository.postgres import corrections
from items.repository.postgres.queries import filtered

CONFIG = corrections.CONFIG


def correction(text: str, filter: ItemFilter) -> str | None:
    """``text`` as it will be searched for ``filter``'s viewer, when corrected; else None."""
    viewer = filter.viewer
    sees_hidden = viewer.sees_all or viewer.user_id is not None
    hidden_visible = filtered(ItemFilter(viewer=viewer)) if sees_hidden else None
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
