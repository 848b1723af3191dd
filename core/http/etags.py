"""An entity tag, computed one way for every path that sends or checks one.

A response's ETag is the one Django's ``ConditionalGetMiddleware`` puts on its body
(``set_response_etag``): the cache stores it with an entry, and a write checks ``If-Match``
against the tag of the current representation, computed here the same way, so the two cannot
drift apart (every ``If-Match`` would get 412 if they did).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.cache import set_response_etag
from rest_framework.renderers import JSONRenderer


def body_etag(body: bytes) -> str:
    """The ETag of a response with this body."""
    probe = HttpResponse(body)
    set_response_etag(probe)
    return probe["ETag"]


def representation_etag(data: Any) -> str:
    """The ETag of ``data`` as the API renders it in JSON."""
    return body_etag(JSONRenderer().render(data))
