"""What the items API's mixins use of ``ItemViewSet``, declared once for the type checker.

``reading``, ``writing``, ``history`` and ``suggest`` each hold one family of the viewset's
actions; they read its repository, its lookup of one item, its paginator and DRF's request and
headers. ``ItemViewSetParts`` names those, with their types, so each mixin is checked against
them. The declarations exist for the type checker only: at run time the class is empty, and
nothing in it shadows ``GenericViewSet`` or ``ItemViewSet`` in the method resolution order.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from rest_framework.request import Request
from rest_framework.response import Response

from items.api.pagination import ItemPagination
from items.records import ItemRecord
from items.repository import ItemRepository


class ItemViewSetParts:
    """The parts of ``ItemViewSet`` its mixins rely on (``views`` and DRF provide them)."""

    if TYPE_CHECKING:
        request: Request
        headers: dict[str, str]  # the response headers DRF's dispatch sets

        @property
        def repository(self) -> ItemRepository: ...

        @property
        def paginator(self) -> ItemPagination: ...  # the viewset's is never None

        def get_object(self) -> ItemRecord: ...

        def _item_id(self) -> uuid.UUID: ...

        def check_object_permissions(self, request: Request, obj: Any) -> None: ...

        def get_paginated_response(self, data: Any) -> Response: ...
