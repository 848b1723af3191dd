"""API tokens: a username and password exchanged for a token, attempts rate-limited."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken

from catalog_cache.rates.throttles import ScopedThrottle


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Exchanges a username and password for an API token; attempts are rate-limited."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"
