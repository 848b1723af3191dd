"""The items API's writes: create, replace, patch and delete through the repository.

``If-Match`` pins a write to the version the client read (412 when it moved on); the repository
re-checks that version under its write lock. Rule violations become 400s naming the field.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from config.http.errors import PreconditionFailed
from items.api.etags import expected_version, representation_etag
from items.api.serializers import ItemInputSerializer, ItemSerializer
from items.records import InvalidItem, ItemConflict


class ItemWriteMixin:
    """``create``, ``update``, ``partial_update`` and ``destroy`` for ``ItemViewSet``."""

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
