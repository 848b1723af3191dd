"""The items API's reads: list, search and read one, each served through the response cache.

A list or search given ``facets=`` also counts them (``discovery``), in the same cached entry:
the entry's key holds the whole query, and the catalog version it embeds covers the counts.

Filters are validated at the edge and passed down as an ``ItemFilter``; the repository fetches
only the page asked for (page numbers, counted up to a cap, or a keyset cursor that never
counts).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request

from catalog_cache.responses.cached import cached_response
from items.api.facets import facets_data
from items.api.filters import ItemListQuerySerializer, ItemSearchQuerySerializer
from items.api.pagination import RecordWindow
from items.api.permissions import viewer_of
from items.api.search_page import SEARCH_PAGE_PARAMETERS, SEARCH_RENDERERS
from items.api.serializers import (
    ItemSearchPageSerializer,
    ItemSearchResultSerializer,
    ItemSerializer,
)
from items.api.viewset_parts import ItemViewSetParts
from items.conditions import fields_read
from items.records import Facets, ItemFilter, ItemRecord, SearchPage


class PagedReads(ItemViewSetParts):
    """What the list and the search share: one page of records, counted, with its facets."""

    def _paginated(
        self,
        request: Request,
        fetch: Any,
        count: Any,
        query: Any,
        results: Any = None,
        cap: int | None = None,
        facets: Any = None,
    ) -> dict:
        """One page of ``fetch``'s records; ``count`` is read up to ``cap`` (default: the
        paginator's ``count_cap``) unless a cursor page is asked for."""
        paginator = self.paginator
        if query is not None and paginator.wants_cursor(request):
            sort_by, _ = query.sort
            records = paginator.paginate_cursor(
                request, fetch, sort_by, query.validated_data["ordering"]
            )
        else:
            window = RecordWindow(fetch, count, cap or paginator.count_cap)
            ordering = query.validated_data["ordering"] if query is not None else None
            records = paginator.paginate_window(window, request, self, ordering)
        data = results(records) if results else ItemSerializer(records, many=True).data
        page = self.get_paginated_response(data).data
        counted = facets() if facets is not None else {}
        if counted:  # only when asked for: counts over the whole filtered result
            page["facets"] = facets_data(counted)
        return page


class ItemReadMixin(PagedReads):
    """``list``, ``search`` and ``retrieve`` for ``ItemViewSet``."""

    def list(self, request: Request) -> HttpResponseBase:
        query = ItemListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sort_by, sort_order = query.sort
        conditions = query.to_filter(viewer_of(request))

        def fetch(**window: Any) -> list[ItemRecord]:
            return self.repository.find_all(
                sort_by=sort_by, sort_order=sort_order, filter=conditions, **window
            )

        def page() -> dict:
            count = partial(self.repository.count, conditions)
            facets = partial(self.repository.facets, query.facet_names, filter=conditions)
            return self._paginated(request, fetch, count, query, facets=facets)

        fields = partial(fields_read, conditions, sort_by=sort_by, facet_names=query.facet_names)
        return cached_response(
            request, "list", conditions.viewer, self.headers, page, fields=fields
        )

    @extend_schema(
        parameters=[ItemSearchQuerySerializer, *SEARCH_PAGE_PARAMETERS],
        responses=ItemSearchPageSerializer,
        summary="Search items",
    )
    @action(detail=False, methods=["get"], renderer_classes=SEARCH_RENDERERS)
    def search(self, request: Request) -> HttpResponseBase:
        """Ranked full-text search, combined with the list filters; misspelt words corrected."""
        query = ItemSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data["q"]
        conditions = query.to_filter(viewer_of(request))
        return cached_response(
            request,
            "search",
            conditions.viewer,
            self.headers,
            lambda: self._search_page(request, text, conditions, query),
            fields=partial(fields_read, conditions, facet_names=query.facet_names, searched=True),
        )

    def _search_page(self, request: Request, text: str, conditions: ItemFilter, query: Any) -> dict:
        highlight = query.validated_data["highlight"]
        paginator = self.paginator
        size = paginator.get_page_size(request)
        # Past any catalog (page numbers go up to 10**18): an empty window, then a 404 below.
        offset = min((paginator.get_page_number(request, None) - 1) * size, 10**18)
        # The page asked for, the total and the correction in one call; Django's paginator then
        # reads the first two.
        found = (
            self.repository.search_page(text, limit=size, offset=offset, filter=conditions)
            if text
            else SearchPage([], 0)
        )
        corrected = found.corrected
        searched = corrected or text

        def fetch(*, limit: int, offset: int) -> list[ItemRecord]:
            if offset == first:  # the window fetched above (the last page may ask for less)
                return found.records[:limit]
            return self.repository.search(searched, filter=conditions, limit=limit, offset=offset)

        first = offset

        def results(records: list[ItemRecord]) -> list:
            marks = {}
            if highlight and records:
                marks = self.repository.search_highlights(searched, [r.id for r in records])
            context = {"highlights": marks}
            return ItemSearchResultSerializer(records, many=True, context=context).data

        def facets() -> Facets:  # over what the search finds: the corrected query's items
            return self.repository.facets(query.facet_names, filter=conditions, query=searched)

        # The total came free with the ranking: exact, whatever its size. Or the window was
        # found without counting every match, and the total is how many match at least: more
        # than the cap, it says so; else they are counted, up to the cap.
        cap = self.paginator.count_cap
        if found.total_exact:
            cap = max(found.total, cap)
        known = found.total_exact or found.total > cap
        count = (
            (lambda **_: found.total)
            if known
            else partial(self.repository.count, conditions, query=searched)
        )
        page = self._paginated(request, fetch, count, None, results, cap=cap, facets=facets)
        return {
            "count": page["count"],
            "count_exact": page["count_exact"],
            "next": page["next"],
            "previous": page["previous"],
            "query": text,
            "corrected_query": corrected,
            "results": page["results"],
            **({"facets": page["facets"]} if "facets" in page else {}),
        }

    def retrieve(self, request: Request, pk: str) -> HttpResponseBase:
        return cached_response(
            request,
            "detail",
            viewer_of(request),
            self.headers,
            lambda: ItemSerializer(self.get_object()).data,
            item_id=self._item_id(),  # a malformed id is a 404 before any cache lookup
        )
