"""The items API: list, search, create, read, replace, patch and delete through the repository."""

from __future__ import annotations

import uuid
from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from catalog_cache.responses import cached_response
from catalog_cache.throttling import ScopedThrottle
from config.api_errors import ErrorResponse412Serializer, PreconditionFailed
from items.etags import expected_version, representation_etag
from items.pagination import ItemPagination, RecordWindow
from items.permissions import IsOwnerOrStaff, viewer_of
from items.records import InvalidItem, ItemConflict, ItemFilter, ItemRecord
from items.repository import ItemRepository, get_item_repository
from items.serializers import (
    ItemInputSerializer,
    ItemListQuerySerializer,
    ItemSearchQuerySerializer,
    ItemSearchResultSerializer,
    ItemSerializer,
)

ITEM_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Item id (UUID).")
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="ETag from a read: the write happens only if the item is unchanged (else 412).",
)


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
)
class ItemViewSet(viewsets.GenericViewSet):
    """Catalog items. Anonymous callers see active items; owners and staff may change them."""

    serializer_class = ItemSerializer
    filter_backends: list = []
    pagination_class = ItemPagination
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrStaff]
    lookup_value_regex = "[^/]+"

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

    def list(self, request: Request) -> HttpResponseBase:
        query = ItemListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sort_by, sort_order = query.sort
        conditions = query.to_filter(viewer_of(request))

        def fetch(**window: Any) -> list[ItemRecord]:
            return self.repository.find_all(
                sort_by=sort_by, sort_order=sort_order, filter=conditions, **window
            )

        return cached_response(
            request,
            "list",
            conditions.viewer,
            self.headers,
            lambda: self._paginated(
                request, fetch, lambda: self.repository.count(conditions), query
            ),
        )

    @extend_schema(
        parameters=[ItemSearchQuerySerializer],
        responses=ItemSearchResultSerializer(many=True),
        summary="Search items",
    )
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        """Ranked full-text search, combined with the list filters."""
        query = ItemSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data["q"]
        conditions = query.to_filter(viewer_of(request))

        def fetch(**window: Any) -> list[ItemRecord]:
            return self.repository.search(text, filter=conditions, **window) if text else []

        def count() -> int:
            return self.repository.count(conditions, query=text) if text else 0

        def results(records: list[ItemRecord]) -> list:
            marks = {}
            if query.validated_data["highlight"] and records:
                marks = self.repository.search_highlights(text, [r.id for r in records])
            context = {"highlights": marks}
            return ItemSearchResultSerializer(records, many=True, context=context).data

        return cached_response(
            request,
            "search",
            conditions.viewer,
            self.headers,
            lambda: self._paginated(request, fetch, count, None, results),
        )

    def _paginated(
        self, request: Request, fetch: Any, count: Any, query: Any, results: Any = None
    ) -> dict:
        paginator = self.paginator
        if query is not None and paginator.wants_cursor(request):
            sort_by, _ = query.sort
            records = paginator.paginate_cursor(
                request, fetch, sort_by, query.validated_data["ordering"]
            )
        else:
            records = paginator.paginate_queryset(RecordWindow(fetch, count), request, self)
        data = results(records) if results else ItemSerializer(records, many=True).data
        return self.get_paginated_response(data).data

    def retrieve(self, request: Request, pk: str) -> HttpResponseBase:
        return cached_response(
            request,
            "detail",
            viewer_of(request),
            self.headers,
            lambda: ItemSerializer(self.get_object()).data,
            item_id=self._item_id(),  # a malformed id is a 404 before any cache lookup
        )

    def create(self, request: Request) -> Response:
        payload = self._valid_input(request, partial=False)
        record = self._write(
            lambda: self.repository.create(payload.to_item_data(), created_by_id=request.user.pk)
        )
        location = reverse("item-detail", kwargs={"pk": record.id}, request=request)
        return Response(
            ItemSerializer(record).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        record = self.get_object()
        expected = expected_version(request, record)
        payload = self._valid_input(request, partial=partial)
        changed = self._write(
            lambda: self.repository.update(
                record.id, payload.validated_data, expected_updated_at=expected
            )
        )
        if changed is None:
            raise NotFound("No item has this id.")
        data = ItemSerializer(changed).data
        return Response(data, headers={"ETag": representation_etag(data)})

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        record = self.get_object()
        expected = expected_version(request, record)
        if not self._write(lambda: self.repository.delete(record.id, expected_updated_at=expected)):
            raise NotFound("No item has this id.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _valid_input(self, request: Request, *, partial: bool) -> ItemInputSerializer:
        serializer = ItemInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer

    @staticmethod
    def _write(write: Any) -> Any:
        try:
            return write()
        except InvalidItem as error:
            raise ValidationError(error.errors) from None
        except ItemConflict:
            raise PreconditionFailed() from None


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Exchanges a username and password for an API token; attempts are rate-limited."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"
