"""Pagination over repository results: page numbers, or a keyset cursor for deep pages."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from items import domain
from items.api.discovery import FACETS_SCHEMA
from items.api.fields import PriceField, whole_number
from items.records import Cursor, ItemRecord

Fetch = Callable[..., list[ItemRecord]]


class RecordWindow:
    """A lazy, sliceable view of a repository query, as Django's ``Paginator`` wants one."""

    def __init__(self, fetch: Fetch, count: Callable[[], int]) -> None:
        self._fetch = fetch
        self._count = count

    @cached_property
    def _total(self) -> int:
        return self._count()

    def count(self) -> int:
        return self._total

    def __len__(self) -> int:
        return self._total

    def __getitem__(self, window: slice) -> list[ItemRecord]:
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


def _decode_value(sort_by: str, raw: Any) -> Any:
    """A cursor's sort value, checked as strictly as the field it stands for."""
    if not isinstance(raw, str):
        raise ValueError("cursor value must be a string")
    return _SORT_VALUE_FIELDS[sort_by].run_validation(raw)


class ItemPagination(PageNumberPagination):
    """Page-number pages (``page``, ``page_size`` up to 100), or ``cursor`` pages.

    Cursor mode starts with ``?cursor=`` left empty and follows ``next``/``previous``; it never
    counts, so its ``count`` is null, and deep pages cost no OFFSET scan.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"

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
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "next": self._cursor_link(self._rows[-1:], False) if self._has_next else None,
                "previous": self._cursor_link(self._rows[:1], True) if self._has_previous else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        response["properties"]["count"]["description"] = "Null in cursor mode."
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

    def _cursor_link(self, edge: list[ItemRecord], reverse: bool) -> str | None:
        if not edge:  # an empty page (its neighbours went away): nothing to continue from
            return None
        record = edge[0]
        payload = [self._ordering, _encode_value(record.sort_value(self._sort_by)), str(record.id)]
        token = base64.urlsafe_b64encode(json.dumps([*payload, reverse]).encode()).decode()
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
