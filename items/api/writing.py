"""The items API's writes: create, replace, patch and delete through the repository.

A change or a deletion reads nothing before it writes: the repository locks the item and hands
its current record to ``_check_writable``, which applies visibility (404), permission (403) and
``If-Match`` (412) to it under that lock; the response is built from the row the write returns.
Rule violations become 400s naming the field.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.http.errors import PreconditionFailed
from core.http.etags import representation_etag
from items.api.etags import check_if_match
from items.api.permissions import viewer_of
from items.api.serializers import ItemInputSerializer, ItemSerializer
from items.api.viewset_parts import ItemViewSetParts
from items.conditions import sees
from items.records import InvalidItem, ItemConflict, ItemRecord


class ItemWriteMixin(ItemViewSetParts):
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
        item_id = self._item_id()
        payload = ItemInputSerializer(data=request.data, partial=partial)
        valid = payload.is_valid()

        def check(record: ItemRecord) -> None:
            self._check_writable(record)
            if not valid:  # judged after who may write, as DRF's own update would
                raise ValidationError(payload.errors)

        changed = self._write(
            lambda: self.repository.update(item_id, payload.validated_data, check=check)
        )
        if changed is None:
            raise NotFound("No item has this id.")
        data = ItemSerializer(changed).data
        return Response(data, headers={"ETag": representation_etag(data)})

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        item_id = self._item_id()
        if not self._write(lambda: self.repository.delete(item_id, check=self._check_writable)):
            raise NotFound("No item has this id.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _check_writable(self, record: ItemRecord) -> None:
        """The rules a write answers to, judged on the locked record the write will change:
        404 unless the caller sees it, 403 unless they may change it, 412 unless ``If-Match``
        names its current representation."""
        if not sees(viewer_of(self.request), record):
            raise NotFound("No item has this id.")
        self.check_object_permissions(self.request, record)
        check_if_match(self.request, record)

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
