"""API clients and paths the tests share."""

from __future__ import annotations

from rest_framework.test import APIClient


def client_with(token: str) -> APIClient:
    """An API client sending ``Authorization: Token <token>``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def detail(item) -> str:
    """The API path of ``item`` (a model instance or a record)."""
    return f"/api/items/{item.pk}/"
