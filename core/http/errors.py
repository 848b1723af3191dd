"""Errors every client sees in the same JSON shape, including the ones Django raises itself.

DRF views go through ``CatalogExceptionHandler`` (drf-standardized-errors); what fails before a
view runs (the request transaction cannot open because PostgreSQL is down, a body over the
size limit) goes through the two middlewares here, in the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ServerErrorEnum
from psycopg_pool import PoolTimeout
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import SAFE_METHODS

from core.http.headers import header_text

logger = logging.getLogger("catalog.errors")
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(exceptions.APIException):
    """PostgreSQL does not answer; the client should retry shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    default_detail = "The database is unavailable; try again in a few seconds."


class ReadTooCostly(exceptions.APIException):
    """A read ran past its statement timeout (``DB_READ_TIMEOUT_MS``) and was cancelled."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "read_timeout"
    default_detail = (
        "The request took too long to answer and was stopped; narrow it (fewer words, more "
        "filters) or try again in a few seconds."
    )


def _cancelled(exc: Exception) -> bool:
    """A statement PostgreSQL cancelled (SQLSTATE 57014: a statement timeout, or a cancel)."""
    return getattr(exc.__cause__, "sqlstate", None) == "57014"


class PayloadTooLarge(exceptions.APIException):
    """The request body is over the size limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class PreconditionFailed(exceptions.APIException):
    """``If-Match`` named a version that is no longer current."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = "The item changed since you read it; read it again and retry."


class CatalogExceptionHandler(ExceptionHandler):
    """drf-standardized-errors, knowing the database-down and body-size errors too."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):
            return PayloadTooLarge()
        if isinstance(exc, exceptions.UnsupportedMediaType):  # it echoes Content-Type
            request = self.context.get("request")
            sent = request.META.get("CONTENT_TYPE", "") if request is not None else ""
            return exceptions.UnsupportedMediaType(header_text(sent))
        if isinstance(exc, DATABASE_DOWN) and _cancelled(exc):
            logger.warning("read stopped: %s", exc)
            return ReadTooCostly()
        if isinstance(exc, DATABASE_DOWN):
            logger.warning("database unavailable: %s", exc)
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)

    def set_rollback(self) -> None:
        # Reads run outside the request's transaction (the items API keeps ATOMIC_REQUESTS for
        # writes only): a transaction open around a read is not the read's to roll back.
        request = self.context.get("request")
        if request is None or request.method not in SAFE_METHODS:
            super().set_rollback()

    def report_exception(self, exc: exceptions.APIException, response: Any) -> None:
        if isinstance(exc, ReadTooCostly):
            return  # the client's costly query, not a fault: logged as a warning above
        super().report_exception(exc, response)

    def get_headers(self, exc: exceptions.APIException) -> dict:
        headers = super().get_headers(exc)
        if isinstance(exc, DatabaseUnavailable | ReadTooCostly):
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return headers


def error_body(status_code: int, code: str, detail: str) -> dict:
    """The shape every API error has."""
    kind = "server_error" if status_code >= 500 else "client_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}


class RequestGuardMiddleware:
    """413 for bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``; 503 when the database is down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            body = error_body(413, PayloadTooLarge.default_code, PayloadTooLarge.default_detail)
            return JsonResponse(body, status=413)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DATABASE_DOWN):
            return None
        logger.warning("database unavailable: %s", exc)
        body = error_body(503, DatabaseUnavailable.default_code, DatabaseUnavailable.default_detail)
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def _error_response_serializer(status_code: int, *codes: str) -> type[serializers.Serializer]:
    """The OpenAPI shape of one of these errors, as drf-standardized-errors documents others."""
    kinds = ServerErrorEnum if status_code >= 500 else ClientErrorEnum
    error = type(
        f"Error{status_code}Serializer",
        (serializers.Serializer,),
        {
            "code": serializers.ChoiceField(choices=[(code, code) for code in codes]),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
    )
    return type(
        f"ErrorResponse{status_code}Serializer",
        (serializers.Serializer,),
        {"type": serializers.ChoiceField(choices=kinds.choices), "errors": error(many=True)},
    )


ErrorResponse412Serializer = _error_response_serializer(412, PreconditionFailed.default_code)
ErrorResponse413Serializer = _error_response_serializer(413, PayloadTooLarge.default_code)
ErrorResponse503Serializer = _error_response_serializer(
    503, DatabaseUnavailable.default_code, ReadTooCostly.default_code
)
