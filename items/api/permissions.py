"""Who may do what with an item."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from items.conditions import may_change
from items.records import ItemRecord, Viewer


def viewer_of(request: Request) -> Viewer:
    """The ``Viewer`` a request speaks for: anonymous, a user, or staff."""
    user = request.user
    if not user or not user.is_authenticated:
        return Viewer()
    return Viewer(user_id=user.pk, is_staff=user.is_staff)


class IsOwnerOrStaff(BasePermission):
    """On an item: anyone reads what they may see; only its owner or staff change it.

    Used after IsAuthenticatedOrReadOnly, which decides who may write at all.
    """

    def has_object_permission(self, request: Request, view: Any, obj: ItemRecord) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return may_change(viewer_of(request), obj)
