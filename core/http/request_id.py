"""A request id for every request: taken from ``X-Request-ID`` or made, echoed and logged."""

from __future__ import annotations

import contextvars
import logging
import os
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    """The id of the request being served in this context, or ``-`` outside one."""
    return _current.get()


class RequestIdMiddleware:
    """Sets the request id for logs and returns it in the ``X-Request-ID`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # From META: ``request.headers`` would build a mapping of every header (a cached hit
        # never needs it otherwise).
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        # 128 random bits in hex, as ``uuid4().hex`` but without building a UUID on every request.
        request_id = offered if _ACCEPTED.match(offered) else os.urandom(16).hex()
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
