"""Shared fixtures: users of each kind, API clients, and the repository under test."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import ItemFactory, UserFactory


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


def _token_client(account) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=account)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def user_client(user) -> APIClient:
    return _token_client(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return _token_client(other_user)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return _token_client(staff)


@pytest.fixture
def make_item(db):
    return ItemFactory
