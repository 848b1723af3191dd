"""Who a request speaks for: API tokens recognised from Redis (``catalog_cache.sign_ins``),
the database asked only when Redis does not know the token.

Kept apart from the token endpoint (``auth``): DRF imports authentication classes while it
defines its views, so this module must not import a view.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from catalog_cache.rates.buckets import Bucket
from catalog_cache.rates.throttles import UserThrottle, remember_count, signed_in_rate, user_bucket
from catalog_cache.redis_core import enabled
from catalog_cache.scopes import scope_of
from catalog_cache.sign_ins import holders
from items.records import Viewer


class CachedTokenAuthentication(TokenAuthentication):
    """``TokenAuthentication`` whose answer is kept in Redis until the token or its user changes.

    A stored holder is read with no database query; an unknown token is looked up as DRF does
    (refused when missing, or its user inactive) and its holder stored under the version read
    first, so a revocation committed meanwhile is not undone. When the view throttles
    signed-in callers (``UserThrottle``), the same round trip counts the request in the
    holder's bucket, and the throttle reads that count (``throttling.remember_count``) instead
    of asking Redis again.
    """

    _rate: Bucket | None = None

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        view = (request.parser_context or {}).get("view")
        # Exactly DRF's user bucket (a subclass with a scope of its own counts for itself).
        if (
            "HTTP_AUTHORIZATION" in request.META
            and view is not None
            and hasattr(view, "get_throttles")
            and any(type(throttle) is UserThrottle for throttle in view.get_throttles())
        ):
            self._rate = signed_in_rate()
        self._counted: holders.Counted | None = None
        found = super().authenticate(request)
        if found is not None and self._counted is not None and self._rate is not None:
            # The script counted in the bucket the rate's key prefixes with the user id.
            remember_count(request, user_bucket(self._rate, found[0].pk).key, self._counted.wait)
        return found

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not enabled():
            return super().authenticate_credentials(key)
        recalled = holders.recall(key, self._rate)
        if recalled.holder is not None:
            self._counted = recalled.counted
            return _user(recalled.holder), self.get_model()(
                key=key, user_id=recalled.holder.user_id
            )
        user, token = super().authenticate_credentials(key)
        if recalled.key is not None:
            holders.remember(recalled.key, holder_of(user))
        return user, token


def holder_of(user: Any) -> holders.Holder:
    """What is stored of a token's (active) user."""
    scope = scope_of(Viewer(user_id=user.pk, is_staff=user.is_staff))
    return holders.Holder(user.pk, scope, user.is_staff, user.is_superuser, user.get_username())


def _user(holder: holders.Holder) -> Any:
    # As if loaded with .only(): a field not stored is deferred (read if ever asked for), and a
    # save() writes only the fields loaded, so nothing is overwritten with a blank.
    stored = {
        "id": holder.user_id,
        "username": holder.username,
        "is_staff": holder.is_staff,
        "is_superuser": holder.is_superuser,
        "is_active": True,
    }
    model = get_user_model()
    names = [f.attname for f in model._meta.concrete_fields if f.attname in stored]
    return model.from_db("default", names, [stored[name] for name in names])
