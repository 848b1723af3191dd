"""The items API's viewset: one resource, composed of its read and write families.

``reading`` serves list, search and read-one through the cache; ``writing`` creates, changes and
deletes through the repository; ``history`` lists an item's changes. This module holds what they
share: the lookup of one item with its permission check, and the OpenAPI description of every
operation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly
from rest_framework.serializers import BaseSerializer

from core.database import reads
from core.http.errors import ErrorResponse412Serializer
from items.api.filters import ItemListQuerySerializer
from items.api.history import HistoryEntrySerializer, ItemHistoryMixin
from items.api.pagination import ItemPagination
from items.api.permissions import IsOwnerOrStaff, viewer_of
from items.api.reading import ItemReadMixin
from items.api.serializers import ItemInputSerializer, ItemSerializer
from items.api.suggest import ItemSuggestMixin
from items.api.writing import ItemWriteMixin
from items.records import ItemFilter, ItemRecord
from items.repository import ItemRepository, get_item_repository

ITEM_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Item id (UUID).")
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="ETag from a read: the write happens only if the item is unchanged (else 412).",
)


def writes_in_a_transaction(view: Callable[..., HttpResponseBase]) -> Callable:
    """``view`` with ``ATOMIC_REQUESTS`` kept for writes only, and reads bounded in time.

    A read is one statement (or a count and a page) that needs no transaction of its own;
    wrapping it in one costs a ``BEGIN`` and a ``COMMIT`` round trip on every cache miss.
    Each of its statements stops after ``DB_READ_TIMEOUT_MS`` (``core.database.reads``: no
    statement of its own either). Writes keep the request's transaction, which their
    statements join.
    """
    atomic_view = transaction.atomic(using=DEFAULT_DB_ALIAS)(view)

    @transaction.non_atomic_requests(using=DEFAULT_DB_ALIAS)
    @wraps(view)
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in SAFE_METHODS:
            return atomic_view(request, *args, **kwargs)
        with reads.bounded(settings.DB_READ_TIMEOUT_MS):
            return view(request, *args, **kwargs)

    return dispatch


@extend_schema_view(
    list=extend_schema(parameters=[ItemListQuerySerializer], summary="List items"),
    create=extend_schema(
        request=ItemInputSerializer, responses={201: ItemSerializer}, summary="Create an item"
    ),
    retrieve=extend_schema(parameters=[ITEM_ID], summary="Read an item"),
    update=extend_schema(
        parameters=[ITEM_ID, IF_MATCH],
        request=ItemInputSerializer,
        responses={200: ItemSerializer, 412: ErrorResponse412Serializer},
        summary="Replace an item",
    ),
    partial_update=extend_schema(
        parameters=[ITEM_ID, IF_MATCH],
        request=ItemInputSerializer,
        responses={200: ItemSerializer, 412: ErrorResponse412Serializer},
        summary="Change some fields",
    ),
    destroy=extend_schema(
        parameters=[ITEM_ID, IF_MATCH],
        responses={204: None, 412: ErrorResponse412Serializer},
        summary="Delete an item",
    ),
    history=extend_schema(
        parameters=[ITEM_ID],
        responses=HistoryEntrySerializer(many=True),
        summary="An item's change history (owner and staff)",
    ),
)
class ItemViewSet(
    ItemReadMixin, ItemSuggestMixin, ItemWriteMixin, ItemHistoryMixin, viewsets.GenericViewSet
):
    """Catalog items. Anonymous callers see active items; owners and staff may change them."""

    serializer_class = ItemSerializer
    filter_backends: list = []
    pagination_class = ItemPagination
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrStaff]
    lookup_value_regex = "[^/]+"

    @classmethod
    def as_view(cls, actions: dict | None = None, **initkwargs: Any) -> Callable:
        return writes_in_a_transaction(super().as_view(actions, **initkwargs))

    @property
    def repository(self) -> ItemRepository:
        return get_item_repository()

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in ("create", "update", "partial_update"):
            return ItemInputSerializer
        return ItemSerializer

    def get_queryset(self) -> tuple:
        """Nothing: items come from the repository. The browsable API asks this for its
        filter form only, and this view declares no queryset filter backends."""
        return ()

    def get_object(self) -> ItemRecord:
        record = self.repository.find_by_id(self._item_id(), filter=self._visible())
        if record is None:
            raise NotFound("No item has this id.")
        self.check_object_permissions(self.request, record)
        return record

    def _item_id(self) -> uuid.UUID:
        try:
            return uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise NotFound("No item has this id.") from None

    def _visible(self) -> ItemFilter:
        return ItemFilter(viewer=viewer_of(self.request))
