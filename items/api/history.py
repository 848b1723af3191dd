"""An item's change history in the API: ``GET /api/items/{id}/history/``.

Owner and staff only, treated as the API treats other people's items: an item the caller
cannot see is a 404 (its history does not reveal it exists), and one the caller sees but
does not own is a 403, as a write to it would be. Newest first, in pages.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from items.api.pagination import ItemPagination, RecordWindow
from items.api.permissions import viewer_of
from items.api.viewset_parts import ItemViewSetParts
from items.conditions import may_change
from items.history import HISTORY_FIELDS, KINDS


class FieldChangeSerializer(serializers.Serializer):
    """One field of a change: its value before and after (null where there was none)."""

    field = serializers.ChoiceField(choices=HISTORY_FIELDS, read_only=True)
    old = serializers.JSONField(read_only=True, allow_null=True)
    new = serializers.JSONField(read_only=True, allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    """One change to an item: when, what kind, by whom, and the fields it changed."""

    at = serializers.DateTimeField(read_only=True)
    kind = serializers.ChoiceField(choices=sorted(KINDS.values()), read_only=True)
    user = serializers.IntegerField(
        source="user_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the user who made the change; null for the system (seeding, loaddata).",
    )
    changes = FieldChangeSerializer(many=True, read_only=True)


class HistoryPagination(ItemPagination):
    """Page numbers only (``page``, ``page_size`` up to 100): a history is short and ends."""

    def wants_cursor(self, request: Request) -> bool:
        return False

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        return [p for p in parameters if p["name"] != self.cursor_query_param]


class ItemHistoryMixin(ItemViewSetParts):
    """``history`` for ``ItemViewSet``."""

    @action(
        detail=True,
        methods=["get"],
        permission_classes=[IsAuthenticated],
        pagination_class=HistoryPagination,
    )
    def history(self, request: Request, pk: str) -> Response:
        """The item's changes, newest first: who, when, each field's old and new value."""
        record = self.get_object()  # 404 for an item the caller may not see
        if not may_change(viewer_of(request), record):
            raise PermissionDenied("Only the item's owner and staff may read its history.")
        repository = self.repository
        window = RecordWindow(
            lambda limit, offset: repository.history(record.id, limit=limit, offset=offset),
            lambda **cap: repository.history_count(record.id),
            self.paginator.count_cap,
        )
        page = self.paginator.paginate_window(window, request, self)
        return self.paginator.get_paginated_response(HistoryEntrySerializer(page, many=True).data)
