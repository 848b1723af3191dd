"""Entity tags for items: ``If-None-Match`` gives 304, ``If-Match`` guards writes (412).

A detail's ETag is the one Django's ConditionalGetMiddleware puts on its JSON body, so the tag
``If-Match`` is checked against is computed the same way from the current representation.
The tag is checked on the record the write has locked, so two clients racing with the same tag
cannot both win.
"""

from __future__ import annotations

from django.utils.http import parse_etags
from rest_framework.request import Request

from core.http.errors import PreconditionFailed
from core.http.etags import representation_etag
from items.api.serializers import ItemSerializer
from items.records import ItemRecord


def check_if_match(request: Request, record: ItemRecord) -> None:
    """``PreconditionFailed`` unless ``If-Match`` is absent, ``*``, or names ``record``'s
    current representation. Called under the write's lock, so the record cannot move on."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    offered = parse_etags(header)
    if "*" not in offered and representation_etag(ItemSerializer(record).data) not in offered:
        raise PreconditionFailed()
