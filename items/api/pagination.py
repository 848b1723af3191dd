"""Pagination over repository results: page numbers, or a keyset cursor for deep pages."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

# Django's, not functools': on Python 3.11 that one holds one lock for every instance, so
# concurrent requests would wait for each other's counts.
from django.core.paginator import Page
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from items import domain
from items.api.facets import FACETS_SCHEMA
from items.api.fields import PriceField, whole_number
from items.records import Cursor, ItemRecord

Fetch = Callable[..., list[ItemRecord]]
R = TypeVar("R")  # what a window holds: item records, history entries


class RecordWindow(Generic[R]):
    """A lazy, sliceable view of a repository query, as Django's ``Paginator`` wants one.

    Its count is exact up to ``cap`` items; beyond, it is ``cap`` and ``exact`` is False.
    ``count(at_most=)`` reads the repository (one item more than the cap, to know).
    """

    def __init__(self, fetch: Callable[..., list[R]], count: Callable[..., int], cap: int) -> None:
        self._fetch = fetch
        self._count = count
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self._count(at_most=self.cap + 1)

    @property
    def exact(self) -> bool:
        return self._counted <= self.cap

    def count(self) -> int:
        return min(self._counted, self.cap)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[R]:
        start = window.start or 0
        return self._fetch(limit=max(window.stop - start, 0), offset=start)


def _encode_value(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


_SORT_VALUE_FIELDS = {
    "created_at": serializers.DateTimeField(),
    "updated_at": serializers.DateTimeField(),
    "price": PriceField(),
    "name": serializers.CharField(max_length=domain.NAME_MAX_LENGTH, trim_whitespace=False),
}


def encode_cursor(ordering: str, value: Any, item_id: uuid.UUID, reverse: bool = False) -> str:
    """The ``cursor`` token for the position (sort ``value``, ``item_id``) under ``ordering``."""
    payload = [ordering, _encode_value(value), str(item_id), reverse]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_value(sort_by: str, raw: Any) -> Any:
    """A cursor's sort value, checked as strictly as the field it stands for."""
    if not isinstance(raw, str):
        raise ValueError("cursor value must be a string")
    return _SORT_VALUE_FIELDS[sort_by].run_validation(raw)


class ItemPaginationSchema(PageNumberPagination):
    """The OpenAPI description of ``ItemPagination``'s pages and parameters."""

    count_cap: int
    max_page_size: int
    page_size_query_param: str
    cursor_query_param: str

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        response["properties"]["count"]["description"] = (
            f"How many items match, counted up to {self.count_cap:,}; when count_exact is "
            "false, more than this many match. Null in cursor mode."
        )
        response["properties"]["count_exact"] = {
            "type": "boolean",
            "nullable": True,
            "example": True,
            "description": f"False when more than {self.count_cap:,} items match (count is "
            "then the cap, and page numbers stop there: follow cursor pages beyond). Null in "
            "cursor mode, which never counts.",
        }
        response["required"] = [*response.get("required", []), "count_exact"]
        response["properties"]["facets"] = FACETS_SCHEMA
        return response

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:  # both are whole numbers of at least 1
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Items per page; larger values are capped at {self.max_page_size}."
                )
        return [
            *parameters,
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset cursor from a previous response; empty to start.",
                "schema": {"type": "string"},
            },
        ]


class ItemPagination(ItemPaginationSchema, PageNumberPagination):
    """Page-number pages (``page``, ``page_size`` up to 100), or ``cursor`` pages.

    Page-number mode counts exactly up to ``count_cap`` items: beyond, ``count`` is the cap,
    ``count_exact`` is false (there are more), page numbers reach the cap, and a list's last
    numbered page links on to cursor pages. Cursor mode starts with ``?cursor=`` left empty and
    follows ``next``/``previous``; it never counts (``count`` and ``count_exact`` are null),
    and deep pages cost no OFFSET scan.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"
    count_cap = 10_000
    page: Page | None  # DRF's numbered page; None on a cursor page
    _ordering: str | None  # None: numbered pages only (no cursor links)
    _sort_by: str | None

    def paginate_window(
        self, window: RecordWindow[R], request: Request, view: Any, ordering: str | None = None
    ) -> list[R]:
        """One numbered page of ``window``; with ``ordering`` (lists), a count past the cap
        ends the numbered pages with a link to cursor pages."""
        self._window, self._ordering = window, ordering
        self._sort_by = ordering.lstrip("-") if ordering else None
        try:
            return self.paginate_queryset(window, request, view)
        except NotFound:
            if window.exact:
                raise
            raise NotFound(
                f"Page numbers reach the first {window.cap} items; "
                f"follow cursor pages (?{self.cursor_query_param}=) beyond."
            ) from None

    def get_next_link(self) -> str | None:
        window = getattr(self, "_window", None)
        assert self.page is not None  # DRF asks for it on numbered pages only
        if self.page.has_next() or window is None or window.exact or not self._ordering:
            return super().get_next_link()
        return self._cursor_link(list(self.page)[-1:], False)

    def get_page_size(self, request: Request) -> int:
        """``page_size`` when given (capped at ``max_page_size``); 400 unless a whole number > 0."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(whole_number(raw, self.page_size_query_param), self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        """``page`` when given; 400 unless a whole number > 0 (past the last page: 404)."""
        raw = request.query_params.get(self.page_query_param)
        return 1 if raw is None else whole_number(raw, self.page_query_param)

    def wants_cursor(self, request: Request) -> bool:
        return self.cursor_query_param in request.query_params

    def paginate_cursor(
        self, request: Request, fetch: Fetch, sort_by: str, ordering: str
    ) -> list[ItemRecord]:
        """One cursor page; ``fetch(limit=, cursor=)`` reads the repository."""
        self.request, self._ordering, self._sort_by = request, ordering, sort_by
        cursor = self._decode(request.query_params[self.cursor_query_param], ordering, sort_by)
        size = self.get_page_size(request)
        rows = fetch(limit=size + 1, cursor=cursor)
        more = len(rows) > size
        if cursor is not None and cursor.reverse:
            rows = rows[-size:] if more else rows
            self._has_next, self._has_previous = True, more
        else:
            rows = rows[:size]
            self._has_next, self._has_previous = more, cursor is not None
        self._rows = rows
        self.page = None
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        if getattr(self, "page", None) is not None:
            response = super().get_paginated_response(data)
            response.data["count_exact"] = self._window.exact
            return response
        return Response(
            {
                "count": None,
                "count_exact": None,
                "next": self._cursor_link(self._rows[-1:], False) if self._has_next else None,
                "previous": self._cursor_link(self._rows[:1], True) if self._has_previous else None,
                "results": data,
            }
        )

    def _cursor_link(self, edge: list[ItemRecord], reverse: bool) -> str | None:
        if not edge:  # an empty page (its neighbours went away): nothing to continue from
            return None
        # A cursor page's links, or a list's last numbered page's: both follow an ordering.
        assert self._ordering is not None and self._sort_by is not None
        record = edge[0]
        token = encode_cursor(self._ordering, record.sort_value(self._sort_by), record.id, reverse)
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    @staticmethod
    def _decode(token: str, ordering: str, sort_by: str) -> Cursor | None:
        if not token:
            return None
        try:
            made_for, value, item_id, reverse = json.loads(base64.urlsafe_b64decode(token))
            if made_for != ordering:
                raise ValueError("cursor made for another ordering")
            return Cursor(_decode_value(sort_by, value), uuid.UUID(item_id), bool(reverse))
        except (ValueError, TypeError, binascii.Error, AttributeError, ValidationError):
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
