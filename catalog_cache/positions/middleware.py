"""``X-Catalog-Position``: read from the client, and after a write remembered and returned."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from catalog_cache.positions import tracking
from core.http.errors import error_body
from core.http.headers import header_text
from items.repository import read_positions


def _refused(raw: str) -> JsonResponse:
    sent = header_text(raw)  # as the client wrote it, not as WSGI decoded it
    detail = f"{tracking.HEADER} must be a WAL position such as 16/B374D848, not {sent[:40]!r}."
    body = error_body(400, "invalid", detail)
    body["errors"][0]["attr"] = tracking.HEADER
    return JsonResponse(body, status=400)


class ReadPositionMiddleware:
    """Reads the client's ``X-Catalog-Position``; after a write, remembers and returns it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get(tracking.HEADER_META)
        sent = 0
        if raw is not None:
            parsed = read_positions.parse(raw)
            if parsed is None:
                return _refused(raw)
            sent = parsed
        if not read_positions.enabled():
            return self.get_response(request)
        with tracking.calling(request, sent) as caller:
            response = self.get_response(request)
        if 0 < caller.committed < tracking.UNKNOWN:
            tracking.remember(caller)
            response[tracking.HEADER] = read_positions.format(caller.committed)
        return response
